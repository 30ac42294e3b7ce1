"""What the statuspage app does when other apps' domain events happen (registered in StatuspageConfig.ready())."""


def register() -> None:
    """Subscribe the status page's handlers (public incidents follow external status updates)."""

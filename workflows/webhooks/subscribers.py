"""Which domain events go out to the org's webhook endpoints (filled in by the outbound webhooks work)."""


def register() -> None:
    """Subscribe the outbound webhook handlers (called from workflows.subscribers.register)."""

"""What workflows reacts to (core.events): filled in by the engine and the outbound webhooks."""


def register() -> None:
    """Called from WorkflowsConfig.ready()."""

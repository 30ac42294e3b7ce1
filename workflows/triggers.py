"""Triggers: which domain events start workflow runs (filled in by the engine)."""


def register() -> None:
    """Subscribe the trigger handlers (called from workflows.subscribers.register)."""

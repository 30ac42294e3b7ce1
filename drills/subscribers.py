"""The drills app's reactions to lower apps' events (filled by the engine)."""


def register() -> None:
    return None

"""Celery tasks that run workflow steps (filled in by the engine)."""

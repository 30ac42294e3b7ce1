"""Celery tasks that send webhook deliveries (filled in by the outbound webhooks work)."""

"""Periodic work of the alerting app."""

from celery import shared_task


@shared_task(acks_late=True)
def alerts_prune() -> int:
    """Hourly: delete alerts older than ALERT_RETENTION_DAYS (group summaries stay)."""
    from django.conf import settings

    from alerting import actions

    return actions.alerts_prune(older_than_days=settings.ALERT_RETENTION_DAYS)

"""Celery tasks of the ticketing app."""

from celery import shared_task


@shared_task(acks_late=True)
def follow_ups_overdue_announce() -> int:
    """Beat, hourly: announce (follow_up.overdue) open follow-ups whose due date passed (UTC), once per due date."""
    from ticketing import actions

    return actions.follow_ups_overdue_announce()

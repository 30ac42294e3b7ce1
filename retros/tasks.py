"""Celery tasks of the retros app."""

from celery import shared_task


@shared_task(acks_late=True)
def retrospective_reminders_send() -> int:
    """Beat, hourly: email owners of retrospectives due within a day or overdue (idempotent via `reminded_at`)."""
    from retros import actions

    return actions.retrospective_reminders_send()

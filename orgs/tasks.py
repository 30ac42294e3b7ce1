"""Background work of the orgs app (queue: critical)."""

from celery import shared_task


@shared_task(
    autoretry_for=(OSError,), retry_backoff=True, retry_jitter=True, max_retries=6, acks_late=True, queue="critical"
)
def invitation_send(invitation_id: int) -> None:
    """Email a pending invitation its signed link; a no-op once it was accepted or revoked."""
    from orgs import actions

    actions.invitation_email_send(invitation_id=invitation_id)

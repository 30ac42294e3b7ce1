"""Celery tasks that send outbound webhook deliveries (default queue), the sweeper the beat runs, and the email
that tells an org's admins an endpoint was disabled."""

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def webhook_deliver(delivery_id: int, token: str) -> str:
    """Try one delivery if `token` is still its current token and it is due (stale and duplicate messages no-op)."""
    from workflows.webhooks import delivery

    return delivery.deliver(delivery_id=delivery_id, token=token)


@shared_task(acks_late=True, ignore_result=True)
def webhook_deliveries_sweep() -> int:
    """Re-drive deliveries whose message was lost or whose worker died mid-send (beat)."""
    from workflows.webhooks import delivery

    return delivery.deliveries_sweep()


@shared_task(acks_late=True, ignore_result=True, autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def webhook_endpoint_disabled_notify(endpoint_id: int) -> int:
    """Email the org's owners and admins that an endpoint was disabled and why; returns how many were told."""
    from workflows.webhooks import notices

    return notices.endpoint_disabled_notify(endpoint_id=endpoint_id)

"""Background work of the notifications app (queue: critical, routed by config/settings.py)."""

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def notification_deliver(notification_id: int, token: str) -> str:
    """Deliver one notification if `token` is still its current token (stale and duplicate messages no-op)."""
    from notifications import actions

    return actions.notification_deliver(notification_id=notification_id, token=token)


@shared_task(acks_late=True, ignore_result=True)
def notifications_deliver(pairs: list[list]) -> dict[str, int]:
    """Deliver the rows [[id, token], …] due together, each only if its token is still current."""
    from notifications import actions

    return dict(actions.notifications_deliver(pairs=[(pk, token) for pk, token in pairs]))


@shared_task(acks_late=True, ignore_result=True)
def notifications_sweep() -> int:
    """Re-drive overdue deliveries whose task was lost (beat runs this every ONCALL_SWEEP_SECONDS)."""
    from notifications import actions

    return actions.notifications_sweep()

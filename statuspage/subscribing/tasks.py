"""Background work of subscriber mail (queue: default). Imported from StatuspageConfig.ready() through
statuspage.subscribing.register(), so a worker knows these tasks (autodiscovery looks only at statuspage.tasks)."""

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def subscriber_notices_deliver(notice_ids: list[int]) -> dict[str, int]:
    """Send the notices, each once if it is still pending (duplicates and stale messages no-op)."""
    from statuspage.subscribing import delivery

    outcomes: dict[str, int] = {}
    for notice_id in notice_ids:
        outcome = delivery.subscriber_notice_deliver(notice_id=int(notice_id))
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@shared_task(acks_late=True, ignore_result=True)
def subscriber_notices_sweep() -> int:
    """Re-drive notices whose message was lost or whose worker died mid-send (beat, once a minute)."""
    from statuspage.subscribing import delivery

    return delivery.subscriber_notices_sweep()


@shared_task(acks_late=True, ignore_result=True)
def public_update_notify(public_update_id: int) -> int:
    """Queue one notice per subscriber following the public update's components."""
    from statuspage.subscribing import actions

    return actions.public_update_notify(public_update_id=public_update_id)


@shared_task(acks_late=True, ignore_result=True)
def maintenance_notify(maintenance_id: int, status: str) -> int:
    """Queue one notice per subscriber following the maintenance's components."""
    from statuspage.subscribing import actions

    return actions.maintenance_notify(maintenance_id=maintenance_id, status=status)

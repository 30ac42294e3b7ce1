"""Background work of stakeholder updates (default queue): one delivery per message, and the sweeper beat runs."""

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def stakeholder_delivery_send(delivery_id: int) -> str:
    """Try one stakeholder delivery if it is still pending (duplicate messages no-op)."""
    from statuspage.stakeholders import delivery

    return delivery.delivery_send(delivery_id=delivery_id)


@shared_task(acks_late=True, ignore_result=True)
def stakeholder_deliveries_sweep() -> int:
    """Re-drive deliveries whose message was lost (beat: every ONCALL_SWEEP_SECONDS)."""
    from statuspage.stakeholders import delivery

    return delivery.deliveries_sweep()

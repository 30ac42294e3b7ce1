"""Celery tasks of the oncall app: each loads by id and calls one action (critical queue)."""

from celery import shared_task


@shared_task(acks_late=True)
def escalation_step(escalation_id: int, token: str) -> None:
    """Run an escalation's due step; a no-op unless `token` is the escalation's current one."""
    from oncall.actions import escalations

    escalations.escalation_step_run(escalation_id=escalation_id, token=token)


@shared_task(acks_late=True)
def escalations_due() -> int:
    """Run the escalation steps due now, a batch at a time (sent by `escalations_nudge`, one pending at once)."""
    from oncall.actions import escalations

    return escalations.escalations_due_run()


@shared_task(acks_late=True)
def escalations_sweep() -> int:
    """Every few seconds (beat): re-drive escalation steps whose task was lost or is stuck."""
    from oncall.actions import escalations

    return escalations.escalations_sweep()


@shared_task(acks_late=True)
def handoffs_notify() -> int:
    """Every minute (beat): tell people whose on-call shift has just started."""
    from django.utils import timezone

    from oncall.actions import schedules

    return schedules.handoffs_notify(now=timezone.now())


@shared_task(acks_late=True)
def escalation_steps(pairs: list[list]) -> int:
    """Run the due steps of the escalations [[id, token], …] scheduled for the same instant (one batch)."""
    from oncall.actions import escalations

    return escalations.escalations_run(pairs=[(pk, token) for pk, token in pairs])

"""Celery tasks of the drills app (default queue, acks late). Call them directly in tests."""

from celery import shared_task

__all__ = ["drill_inject_send", "drill_injects_sweep", "drill_runs_due"]


@shared_task(name="drills.tasks.drill_inject_send", acks_late=True)
def drill_inject_send(inject_id: int, token: str) -> bool:
    """Send one inject at its due time; a no-op unless `token` is the inject's current one."""
    from drills import injects
    from drills.actions import run_finish_if_done
    from drills.models import DrillInject

    delivered = injects.inject_send(inject_id=inject_id, token=token)
    run_id = DrillInject.objects.filter(pk=inject_id).values_list("run_id", flat=True).first()
    if run_id is not None:
        run_finish_if_done(run_id=run_id)
    return delivered


@shared_task(name="drills.tasks.drill_injects_sweep", acks_late=True)
def drill_injects_sweep() -> int:
    """Every 5 s (beat): re-drive injects whose message was lost or whose worker died mid-send."""
    from drills import injects

    return injects.injects_sweep()


@shared_task(name="drills.tasks.drill_runs_due", acks_late=True)
def drill_runs_due() -> int:
    """Every 15 s (beat): start the scheduled runs whose time has come."""
    from drills.actions import runs_due_start

    return runs_due_start()

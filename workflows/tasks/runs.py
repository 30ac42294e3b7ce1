"""Celery tasks that run workflow steps (default queue, acks late): each loads by id and calls one action of
workflows.actions.runs. Call them directly in tests: `workflow_step_run(step_id, token)`, `workflow_steps_sweep()`."""

from celery import shared_task

__all__ = ["workflow_step_run", "workflow_steps_run", "workflow_steps_sweep"]


@shared_task(name="workflows.tasks.workflow_step_run", acks_late=True)
def workflow_step_run(step_id: int, token: str) -> bool:
    """Run a workflow step at its due time; a no-op unless `token` is the step's current one."""
    from workflows.actions import runs

    return runs.step_run(step_id=step_id, token=token)


@shared_task(name="workflows.tasks.workflow_steps_run", acks_late=True)
def workflow_steps_run(pairs: list[list]) -> int:
    """Run the steps [[id, token], …] due at the same instant (runs started by one event)."""
    from workflows.actions import runs

    return runs.steps_run(pairs=[(pk, token) for pk, token in pairs])


@shared_task(name="workflows.tasks.workflow_steps_sweep", acks_late=True)
def workflow_steps_sweep() -> int:
    """Every 15 s (beat): re-drive workflow steps whose task was lost."""
    from workflows.actions import runs

    return runs.steps_sweep()

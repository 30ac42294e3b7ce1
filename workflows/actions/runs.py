"""Workflow runs: starting them (from a trigger, in its transaction), running their steps one at a time from
tasks, re-driving lost steps, canceling.

Durability (docs/workflows.md, "Runs"): each step is a row with its due time and the token of the one task
allowed to run it. A step's task is enqueued on commit with an ETA (`workflow_step_run(step_id, token)`); it runs
the step under the row's lock, in one transaction with the step's new status and the next step's due time and
new token, so a worker killed mid-step leaves the step pending (nothing of it committed) and the step runs exactly
once when its task is re-delivered or the sweeper re-sends it. A task whose token is not current does nothing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import events
from core.broker import queue_backlog
from incidents import actions as incident_actions
from incidents.models import OPEN_STATUSES, Incident, TimelineKind
from orgs import actions as org_actions
from orgs.tenancy import Actor
from workflows.events import WorkflowRunFinished
from workflows.models import RunStatus, StepStatus, Workflow, WorkflowRun, WorkflowRunStep

if TYPE_CHECKING:
    from workflows.triggers import Subject

logger = logging.getLogger(__name__)

# A task may arrive a little before its ETA (clock skew between hosts); earlier than this it waits again.
EARLY_TOLERANCE = timedelta(milliseconds=500)
# Steps due together go out as one message of at most this many (id, token) pairs.
STEP_BATCH = 100
DISABLED = "Disabled until configured"


def _setting(name: str, default: float) -> float:
    return getattr(settings, name, default)


def run_path(run: WorkflowRun, organization_slug: str | None = None) -> str:
    """The run's page (the run log's detail)."""
    slug = organization_slug or run.organization.slug
    return f"/o/{slug}/workflows/runs/{run.uuid}/"


def workflow_actor(run: WorkflowRun) -> Actor:
    return Actor(name=f"Workflow “{run.workflow_name}”")


# --- enqueueing -------------------------------------------------------------------------------------------------


def steps_enqueue(items: list[tuple[int, str, datetime | None]]) -> None:
    """After commit, the task of each (step id, token, due time): one message per step, or one per batch of steps
    due at the same instant. A broker that cannot be reached is logged (robust): the sweeper re-drives the rows."""
    from workflows.tasks import runs as tasks

    now = timezone.now()
    by_eta: dict[datetime | None, list[tuple[int, str]]] = defaultdict(list)
    for pk, token, due in items:
        by_eta[due if due is not None and due > now else None].append((pk, str(token)))
    for eta, pairs in by_eta.items():
        if len(pairs) == 1:
            args = pairs[0]
            transaction.on_commit(
                lambda args=args, eta=eta: tasks.workflow_step_run.apply_async(args=args, eta=eta), robust=True
            )
            continue
        for start in range(0, len(pairs), STEP_BATCH):
            chunk = [list(pair) for pair in pairs[start : start + STEP_BATCH]]
            transaction.on_commit(
                lambda chunk=chunk, eta=eta: tasks.workflow_steps_run.apply_async(args=(chunk,), eta=eta), robust=True
            )


# --- starting runs ---------------------------------------------------------------------------------------------


def _steps_for(run: WorkflowRun, actions: list[dict], now: datetime) -> tuple[list[WorkflowRunStep], bool]:
    """The run's steps: disabled ones are skipped at once; the first enabled one is due after its delay.
    Returns the steps and whether one is pending."""
    steps = []
    first_due = False
    for position, item in enumerate(actions, start=1):
        step = WorkflowRunStep(
            organization_id=run.organization_id,
            run=run,
            position=position,
            action=str(item.get("action", ""))[:40],
            params=item.get("params") or {},
            delay_seconds=int(item.get("delay_seconds") or 0),
            task_token=uuid4(),
        )
        if not item.get("enabled", True):
            step.status, step.outcome, step.finished_at = StepStatus.SKIPPED, DISABLED, now
        elif not first_due:
            step.due_at = now + timedelta(seconds=step.delay_seconds)
            first_due = True
        steps.append(step)
    return steps, first_due


def runs_start(
    *, organization_id: int, workflows: list[Workflow], trigger: str, subject: Subject, chain: tuple[int, ...] = ()
) -> list[WorkflowRun]:
    """Start a run of each workflow for the subject's event, in the caller's transaction; returns the runs started.

    Runs are inserted in one statement that skips a (workflow, event_key) already run (the unique constraint:
    a repeated event starts nothing, even when two transactions race); the ones this call inserted (found by the
    uuids it chose) get their steps in one more insert, and their first due steps are enqueued after commit.
    """
    from workflows.conditions import evaluate
    from workflows.triggers import jsonable

    now = timezone.now()
    context = subject.context
    recorded = jsonable(context.materialize())
    recorded.pop("severity_ranks", None)
    if chain:
        recorded["chain"] = list(chain)
    pending: dict[Any, tuple[Workflow, WorkflowRun]] = {}
    for workflow in workflows:
        _held, results = evaluate(workflow.conditions or [], workflow.condition_mode, context)
        run = WorkflowRun(
            uuid=uuid4(),
            organization_id=organization_id,
            workflow=workflow,
            workflow_name=workflow.name,
            trigger=trigger,
            event_key=subject.event_key[:200],
            subject_kind=subject.kind,
            subject_id=subject.id or 0,
            incident_id=subject.incident_id,
            is_drill=bool(context.get("is_drill")),
            event=recorded,
            matched=jsonable(results),
            started_at=now,
        )
        pending[run.uuid] = (workflow, run)
    WorkflowRun.objects.bulk_create([run for _, run in pending.values()], ignore_conflicts=True)
    inserted = dict(WorkflowRun.objects.filter(uuid__in=list(pending)).values_list("uuid", "pk"))
    runs, steps = [], []
    for uuid, (workflow, run) in pending.items():
        if uuid not in inserted:
            continue  # this workflow already ran for this event
        run.pk = run.id = inserted[uuid]
        run._state.adding, run._state.db = False, "default"
        run_steps, any_pending = _steps_for(run, list(workflow.actions or []), now)
        if not any_pending:
            run.status, run.finished_at = RunStatus.COMPLETED, now
            WorkflowRun.objects.filter(pk=run.pk).update(status=run.status, finished_at=now)
        steps += run_steps
        runs.append(run)
    if steps:
        WorkflowRunStep.objects.bulk_create(steps)
        due = [s for s in steps if s.status == StepStatus.PENDING and s.due_at is not None]
        if any(s.pk is None for s in due):  # a backend that returns no ids from a bulk insert
            ids = dict(
                WorkflowRunStep.objects.filter(run_id__in=[s.run_id for s in due]).values_list("task_token", "pk")
            )
            for step in due:
                step.pk = step.id = ids[step.task_token]
        steps_enqueue([(s.pk, str(s.task_token), s.due_at) for s in due])
    return runs


# --- running a step ---------------------------------------------------------------------------------------------


def _moved_on(run: WorkflowRun, step: WorkflowRunStep, incident: Incident | None) -> str:
    """Why a delayed step no longer applies ("INC-5 was resolved before the delay ended"), or ""."""
    if incident is None or incident.is_open:
        return ""
    was_open = run.event.get("status") in OPEN_STATUSES if isinstance(run.event, dict) else True
    if not was_open:
        return ""  # the run began on a closed incident (a workflow on resolution): its delays are its own
    delayed = step.delay_seconds > 0 or (
        WorkflowRunStep.objects.filter(run_id=run.pk, position__lt=step.position, delay_seconds__gt=0)
        .exclude(outcome=DISABLED)
        .exists()
    )
    if not delayed:
        return ""
    return f"{incident.reference} was {incident.get_status_display().lower()} before the delay ended"


def _execute(run: WorkflowRun, step: WorkflowRunStep, incident: Incident | None, now: datetime) -> Any:
    """Run the step's action in a savepoint: its writes and the step's record commit together, or not at all."""
    from workflows.steps import ACTIONS, StepContext, StepOutcome
    from workflows.triggers import running_chain

    action = ACTIONS.get(step.action)
    if action is None:
        return StepOutcome("failed", f"Unknown action “{step.action}”")
    if action.needs_incident and incident is None:
        return StepOutcome("skipped", "Skipped: this step needs an incident, and this run has none")
    ctx = StepContext(
        organization=run.organization, run=run, step=step, incident=incident, actor=workflow_actor(run), now=now
    )
    chain = tuple(run.event.get("chain") or ()) + ((run.workflow_id,) if run.workflow_id else ())
    reset = running_chain.set(chain)
    try:
        with transaction.atomic():
            return action.execute(ctx)
    except ValidationError as error:
        return StepOutcome("failed", "; ".join(error.messages) or "Refused")
    except Exception as error:
        logger.exception(
            "workflow step failed", extra={"run": str(run.uuid), "step": step.position, "action": step.action}
        )
        return StepOutcome("failed", f"Unexpected error ({type(error).__name__})")
    finally:
        running_chain.reset(reset)


def _record(run: WorkflowRun, step: WorkflowRunStep, incident: Incident | None, outcome: Any, now: datetime) -> None:
    step.status = outcome.status
    text = str(outcome.outcome or "")
    if outcome.status == StepStatus.FAILED:
        step.error = text[:500]
        step.outcome = f"Step {step.position} ({step.action}) failed"[:500]
    else:
        step.outcome = text[:500]
    step.result = dict(getattr(outcome, "result", None) or {})
    step.finished_at = now
    step.attempts += 1
    step.save(update_fields=["status", "outcome", "error", "result", "finished_at", "attempts", "updated_at"])
    if incident is not None:
        _timeline(run, incident, step.outcome, step.error)


def _timeline(run: WorkflowRun, incident: Incident, outcome: str, error: str = "") -> None:
    incident_actions.timeline_event_add(
        incident=incident,
        kind=TimelineKind.WORKFLOW,
        actor=workflow_actor(run),
        payload={"workflow": run.workflow_name, "path": run_path(run), "outcome": outcome, "error": error},
        audit_action="workflow.step_finished",
    )


def _finish(run: WorkflowRun, now: datetime, status: str | None = None) -> None:
    if status is None:
        failed = run.steps.filter(status=StepStatus.FAILED).exists()
        status = RunStatus.FAILED if failed else RunStatus.COMPLETED
    run.status, run.finished_at = status, now
    run.save(update_fields=["status", "finished_at", "updated_at"])
    events.publish(
        WorkflowRunFinished(
            organization_id=run.organization_id,
            actor=workflow_actor(run),
            run_id=run.pk,
            workflow_id=run.workflow_id,
            workflow_name=run.workflow_name,
            trigger=run.trigger,
            incident_id=run.incident_id,
            status=status,
        )
    )


def _advance(run: WorkflowRun, after: WorkflowRunStep, now: datetime) -> None:
    """Make the next pending step due (after its delay, new token) and enqueue it on commit; or finish the run."""
    following = (
        WorkflowRunStep.objects.select_for_update()
        .filter(run_id=run.pk, position__gt=after.position, status=StepStatus.PENDING)
        .order_by("position")
        .first()
    )
    if following is None:
        _finish(run, now)
        return
    following.due_at = now + timedelta(seconds=following.delay_seconds)
    following.task_token, following.redriven_at = uuid4(), None
    following.save(update_fields=["due_at", "task_token", "redriven_at", "updated_at"])
    steps_enqueue([(following.pk, str(following.task_token), following.due_at)])


def step_run(*, step_id: int, token: str, now: datetime | None = None) -> bool:
    """Run one step if `token` is its current one, it is pending and due; returns whether it ran.

    In one transaction: lock the step (skip it if another runner holds it), lock the run's incident, run the
    action (or skip the step with the reason), record the outcome on the step and the incident's timeline, make
    the next step due with a new token (or finish the run), and enqueue it after commit.
    """
    now = now or timezone.now()
    with transaction.atomic():
        step = (
            WorkflowRunStep.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("run", "run__organization")
            .filter(pk=step_id)
            .first()
        )
        if step is None or str(step.task_token) != str(token) or step.status != StepStatus.PENDING:
            return False
        if step.due_at is None:
            return False
        if step.due_at - now > EARLY_TOLERANCE:
            steps_enqueue([(step.pk, str(step.task_token), step.due_at)])  # same token: it runs at its due time
            return False
        run = step.run
        if run.status != RunStatus.RUNNING:
            return False
        incident = None
        if run.incident_id is not None:
            incident = (
                Incident.objects.select_for_update(of=("self",))
                .select_related("organization", "severity")
                .filter(pk=run.incident_id)
                .first()
            )
        reason = _moved_on(run, step, incident)
        if reason:
            _skip_rest(run, step, incident, reason, now)
            return True
        outcome = _execute(run, step, incident, now)
        _record(run, step, incident, outcome, now)
        _advance(run, step, now)
    return True


def _skip_rest(run: WorkflowRun, step: WorkflowRunStep, incident: Incident | None, reason: str, now: datetime) -> None:
    """The incident moved on while the run waited: this step and every later pending one are skipped with the
    reason (one timeline entry), and the run is over."""
    rest = WorkflowRunStep.objects.filter(run_id=run.pk, position__gte=step.position, status=StepStatus.PENDING)
    count = rest.update(status=StepStatus.SKIPPED, outcome=reason[:500], finished_at=now, updated_at=now)
    if incident is not None:
        more = f" ({count} steps skipped)" if count > 1 else ""
        _timeline(run, incident, f"{reason}{more}")
    _finish(run, now)


def steps_run(*, pairs: list[tuple[int, str]], now: datetime | None = None) -> int:
    """Run the steps named by (id, token) pairs, each in its own transaction; returns how many ran."""
    return sum(1 for pk, token in pairs if step_run(step_id=int(pk), token=str(token), now=now))


# --- the sweeper ------------------------------------------------------------------------------------------------


def steps_sweep(*, now: datetime | None = None) -> int:
    """Re-send the task of pending steps more than WORKFLOW_SWEEP_GRACE_SECONDS past due (lost message, dead
    worker, flushed Redis), with the same token: whichever copy runs first does the step, the other finds it done.
    A step is re-sent at most every WORKFLOW_SWEEP_REDRIVE_SECONDS; nothing is re-sent while the default queue
    holds more than ONCALL_SWEEP_MAX_BACKLOG messages. Batches, skipping rows another runner holds; returns how
    many were re-sent."""
    backlog = queue_backlog("default")
    if backlog > _setting("ONCALL_SWEEP_MAX_BACKLOG", 1000):
        logger.warning("workflow sweeper: %d messages queued; due steps are waiting in line, not lost", backlog)
        return 0
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=_setting("WORKFLOW_SWEEP_GRACE_SECONDS", 10.0))
    resend_cutoff = now - timedelta(seconds=_setting("WORKFLOW_SWEEP_REDRIVE_SECONDS", 60.0))
    batch_size = int(_setting("ONCALL_SWEEP_BATCH", 500))
    last_pk = 0
    redriven = 0
    while True:
        with transaction.atomic():
            batch = list(
                WorkflowRunStep.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=StepStatus.PENDING, due_at__lte=cutoff, pk__gt=last_pk, run__status=RunStatus.RUNNING)
                .exclude(redriven_at__gt=resend_cutoff)
                .order_by("pk")
                .only("pk", "due_at", "task_token", "redriven_at")[:batch_size]
            )
            if not batch:
                return redriven
            for step in batch:
                step.redriven_at = now
            WorkflowRunStep.objects.bulk_update(batch, ["redriven_at"])
            steps_enqueue([(s.pk, str(s.task_token), None) for s in batch])
        last_pk = batch[-1].pk
        redriven += len(batch)
        logger.warning("workflow sweeper re-sent %d overdue step(s)", len(batch))


# --- canceling ---------------------------------------------------------------------------------------------------


def _cancel(run: WorkflowRun, reason: str, now: datetime, actor: Actor | None = None) -> int:
    pending = list(
        WorkflowRunStep.objects.select_for_update()
        .filter(run_id=run.pk, status=StepStatus.PENDING)
        .values_list("pk", flat=True)
    )
    WorkflowRunStep.objects.filter(pk__in=pending).update(
        status=StepStatus.CANCELED, outcome=reason[:500], finished_at=now, updated_at=now
    )
    _finish(run, now, RunStatus.CANCELED)
    if run.incident_id is not None:
        incident = Incident.objects.select_related("organization").filter(pk=run.incident_id).first()
        if incident is not None:
            _timeline(run, incident, f"Run canceled: {reason}"[:500])
    return len(pending)


@transaction.atomic
def run_cancel(*, run: WorkflowRun, actor: Actor, reason: str) -> WorkflowRun:
    """Cancel a running run: its pending steps are canceled with the reason; audited."""
    reason = (reason or "").strip()[:300] or "Canceled"
    run = WorkflowRun.objects.select_for_update().select_related("organization").get(pk=run.pk)
    if run.status != RunStatus.RUNNING:
        raise ValidationError({"run": "This run is not running any more."})
    count = _cancel(run, reason, timezone.now(), actor)
    org_actions.audit_record(
        organization=run.organization,
        actor=actor,
        action="workflow_run.canceled",
        target_type="workflow_run",
        target_id=str(run.uuid),
        target_label=str(run)[:200],
        changes={"reason": reason, "steps_canceled": count},
    )
    return run


@transaction.atomic
def runs_cancel(*, incident_id: int, reason: str) -> int:
    """Cancel every running run of an incident (a drill halted, for example); returns how many."""
    runs = list(
        WorkflowRun.objects.select_for_update()
        .select_related("organization")
        .filter(incident_id=incident_id, status=RunStatus.RUNNING)
    )
    now = timezone.now()
    for run in runs:
        _cancel(run, (reason or "Canceled")[:300], now)
    return len(runs)

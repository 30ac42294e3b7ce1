# ruff: noqa: F811 - the fixtures imported from engine_support
"""Running a workflow's steps: outcomes on the step, the run and the incident's timeline; tokens (a stale or
duplicate task does nothing); delays (due times, skipped when the incident moved on); the sweeper; cancel."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import actions as incident_actions
from incidents.models import TimelineEvent, TimelineKind
from orgs.models import AuditEvent
from orgs.tenancy import Actor
from tests.factories import ScheduleFactory
from tests.workflows.engine_support import (  # noqa: F401 - fixtures
    acme,
    declare,
    executed,
    fire,
    make_workflow,
    note_step,
    responder,
    run_all,
    run_due,
)
from workflows import actions
from workflows.actions import runs
from workflows.models import RunStatus, StepStatus, WorkflowRun
from workflows.tasks.runs import workflow_step_run, workflow_steps_sweep

pytestmark = pytest.mark.django_db

STEP_TASK = "workflows.tasks.workflow_step_run"


def post_note(body: str, delay: int = 0) -> dict:
    return {"action": "post_note", "params": {"body": body}, "delay_seconds": delay, "enabled": True}


def test_a_run_posts_its_note_records_the_outcome_and_completes(acme, responder):
    workflow = make_workflow(acme, name="Note it", actions=[post_note("Declared {{ incident.reference }}")])
    incident = declare(acme, responder)
    run = WorkflowRun.objects.get(workflow=workflow)
    step = run.steps.get()
    assert workflow_step_run(step.pk, str(step.task_token)) is True
    step.refresh_from_db()
    run.refresh_from_db()
    reference = f"INC-{incident.number}"
    assert step.status == StepStatus.SUCCEEDED
    assert step.attempts == 1
    assert step.finished_at is not None
    assert reference in step.outcome
    assert run.status == RunStatus.COMPLETED
    assert run.finished_at == step.finished_at
    note = TimelineEvent.objects.get(incident=incident, kind=TimelineKind.NOTE)
    assert note.body == f"Declared {reference}"
    assert note.actor_label == "Workflow “Note it”"
    entry = TimelineEvent.objects.get(incident=incident, kind=TimelineKind.WORKFLOW)
    assert entry.payload == {
        "workflow": "Note it",
        "path": f"/o/{acme.slug}/workflows/runs/{run.uuid}/",
        "outcome": step.outcome,
        "error": "",
    }


def test_a_stale_or_repeated_task_does_nothing(acme, responder):
    workflow = make_workflow(acme, actions=[post_note("Once")])
    incident = declare(acme, responder)
    step = WorkflowRun.objects.get(workflow=workflow).steps.get()
    token = str(step.task_token)
    assert workflow_step_run(step.pk, "00000000-0000-0000-0000-000000000000") is False  # stale token
    assert not TimelineEvent.objects.filter(incident=incident, kind=TimelineKind.NOTE).exists()
    assert workflow_step_run(step.pk, token) is True
    assert workflow_step_run(step.pk, token) is False  # the same message again (redelivered, or the sweeper's copy)
    assert TimelineEvent.objects.filter(incident=incident, kind=TimelineKind.NOTE).count() == 1
    step.refresh_from_db()
    assert step.attempts == 1


def test_steps_run_in_order_each_after_its_delay(acme, responder, enqueued, django_capture_on_commit_callbacks):
    workflow = make_workflow(acme, actions=[post_note("First"), post_note("Ten minutes later", delay=600)])
    declare(acme, responder)
    run = WorkflowRun.objects.get(workflow=workflow)
    first, second = run.steps.order_by("position")
    assert first.due_at == run.started_at
    assert second.due_at is None
    old_token = second.task_token
    finished = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        runs.step_run(step_id=first.pk, token=str(first.task_token), now=finished)
    second.refresh_from_db()
    assert second.due_at == finished + timedelta(seconds=600)
    assert second.task_token != old_token
    assert enqueued.calls[-1] == (STEP_TASK, (second.pk, str(second.task_token)), {})
    assert enqueued.options[-1]["eta"] == second.due_at
    # Its task arriving early (clock skew, a copy) runs nothing and sends it again for its due time.
    enqueued.calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        early = finished + timedelta(seconds=60)
        assert runs.step_run(step_id=second.pk, token=str(second.task_token), now=early) is False
    assert enqueued.messages(STEP_TASK) == [(second.pk, str(second.task_token))]
    assert enqueued.options[-1]["eta"] == second.due_at
    assert runs.step_run(step_id=second.pk, token=str(second.task_token), now=second.due_at) is True
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED
    assert list(run.steps.values_list("status", flat=True)) == ["succeeded", "succeeded"]


def test_a_delayed_step_is_skipped_when_the_incident_was_resolved_before_the_delay_ended(acme, responder):
    workflow = make_workflow(
        acme, name="Nag", actions=[post_note("Now"), post_note("In 30 min", delay=1800), post_note("Then")]
    )
    incident = declare(acme, responder)
    run = WorkflowRun.objects.get(workflow=workflow)
    first = run.steps.get(position=1)
    run_due(first)
    incident_actions.incident_transition(incident=incident, status="resolved", actor=Actor(user=responder))
    second = run.steps.get(position=2)
    assert runs.step_run(step_id=second.pk, token=str(second.task_token), now=second.due_at) is True
    reason = f"INC-{incident.number} was resolved before the delay ended"
    assert list(run.steps.order_by("position").values_list("status", "outcome")) == [
        ("succeeded", first.__class__.objects.get(pk=first.pk).outcome),
        ("skipped", reason),
        ("skipped", reason),
    ]
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED
    notes = TimelineEvent.objects.filter(incident=incident, kind=TimelineKind.NOTE).values_list("body", flat=True)
    assert list(notes) == ["Now"]
    last = TimelineEvent.objects.filter(incident=incident, kind=TimelineKind.WORKFLOW).latest("id")
    assert last.payload["outcome"] == f"{reason} (2 steps skipped)"


def test_a_run_started_on_resolution_runs_its_delayed_steps(acme, responder):
    workflow = make_workflow(acme, trigger="incident.status_changed", actions=[post_note("Later", delay=60)])
    incident = declare(acme, responder)
    incident_actions.incident_transition(incident=incident, status="resolved", actor=Actor(user=responder))
    run = WorkflowRun.objects.get(workflow=workflow)
    run_all(run)
    assert run.steps.get().status == StepStatus.SUCCEEDED


def test_a_failed_step_fails_the_run_after_the_others_ran(acme, responder, executed):
    fail = {"action": "engine_fail", "params": {}, "delay_seconds": 0, "enabled": True}
    workflow = make_workflow(acme, actions=[fail, note_step("After the failure")])
    incident = declare(acme, responder)
    run = WorkflowRun.objects.get(workflow=workflow)
    run_all(run)
    run.refresh_from_db()
    failed, after = run.steps.order_by("position")
    assert (failed.status, failed.error) == ("failed", "The tracker refused it")
    assert failed.outcome == "Step 1 (engine_fail) failed"
    assert after.status == StepStatus.SUCCEEDED
    assert run.status == RunStatus.FAILED
    # The failing action's own write was rolled back with it; the next step's note is there.
    bodies = list(
        TimelineEvent.objects.filter(incident=incident, kind=TimelineKind.NOTE).values_list("body", flat=True)
    )
    assert bodies == ["After the failure"]
    entry = TimelineEvent.objects.filter(incident=incident, kind=TimelineKind.WORKFLOW).earliest("id")
    assert entry.payload["error"] == "The tracker refused it"


def test_disabled_steps_are_skipped_at_once(acme, responder, executed):
    workflow = make_workflow(acme, actions=[note_step("Off", enabled=False), note_step("On", delay=30)])
    declare(acme, responder)
    run = WorkflowRun.objects.get(workflow=workflow)
    off, on = run.steps.order_by("position")
    assert (off.status, off.outcome) == ("skipped", "Disabled until configured")
    assert on.due_at == run.started_at + timedelta(seconds=30)


def test_a_step_that_needs_an_incident_is_skipped_on_a_run_without_one(acme, executed):
    echo = {"action": "engine_echo", "params": {}, "delay_seconds": 0, "enabled": True}
    workflow = make_workflow(acme, trigger="schedule.handoff", actions=[note_step("Needs one"), echo])
    schedule = ScheduleFactory(organization=acme)
    fire(
        "schedule.handoff",
        acme,
        schedule_id=schedule.pk,
        schedule_slug=schedule.slug,
        schedule_name=schedule.name,
        at=timezone.now(),
    )
    run = WorkflowRun.objects.get(workflow=workflow)
    run_all(run)
    first, second = run.steps.order_by("position")
    assert first.status == StepStatus.SKIPPED
    assert "needs an incident" in first.outcome
    assert second.status == StepStatus.SUCCEEDED
    assert [name for name, _ in executed] == ["engine_echo"]


def test_the_sweeper_re_sends_a_lost_step_once_per_interval(
    acme, responder, enqueued, django_capture_on_commit_callbacks
):
    workflow = make_workflow(acme, actions=[post_note("Lost message")])
    declare(acme, responder)
    step = WorkflowRun.objects.get(workflow=workflow).steps.get()
    enqueued.calls.clear()
    assert runs.steps_sweep(now=step.due_at + timedelta(seconds=1)) == 0  # not late enough to be lost
    later = step.due_at + timedelta(seconds=30)
    with django_capture_on_commit_callbacks(execute=True):
        assert runs.steps_sweep(now=later) == 1
    assert enqueued.messages(STEP_TASK) == [(step.pk, str(step.task_token))]  # same token: one copy acts
    assert runs.steps_sweep(now=later + timedelta(seconds=5)) == 0  # re-sent already, recently
    assert runs.steps_sweep(now=later + timedelta(seconds=120)) == 1
    # The re-sent message runs it; the original one, arriving late, finds it done.
    assert workflow_step_run(*enqueued.messages(STEP_TASK)[0]) is True
    assert workflow_step_run(step.pk, str(step.task_token)) is False
    assert workflow_steps_sweep() == 0


def test_cancel_a_run(acme, responder):
    workflow = make_workflow(acme, actions=[post_note("Now"), post_note("Later", delay=600)])
    incident = declare(acme, responder)
    run = WorkflowRun.objects.get(workflow=workflow)
    run_due(run.steps.get(position=1))
    actions.run_cancel(run=run, actor=Actor(user=responder), reason="Not needed")
    run.refresh_from_db()
    later = run.steps.get(position=2)
    assert run.status == RunStatus.CANCELED
    assert (later.status, later.outcome) == ("canceled", "Not needed")
    assert runs.step_run(step_id=later.pk, token=str(later.task_token), now=later.due_at) is False
    assert AuditEvent.objects.filter(organization=acme, action="workflow_run.canceled").count() == 1
    last = TimelineEvent.objects.filter(incident=incident, kind=TimelineKind.WORKFLOW).latest("id")
    assert last.payload["outcome"] == "Run canceled: Not needed"


def test_runs_cancel_for_an_incident(acme, responder):
    first = make_workflow(acme, name="A", actions=[post_note("Later", delay=600)])
    second = make_workflow(acme, name="B", actions=[post_note("Later", delay=600)])
    incident = declare(acme, responder)
    assert runs.runs_cancel(incident_id=incident.pk, reason="The drill was halted") == 2
    assert set(WorkflowRun.objects.filter(workflow__in=[first, second]).values_list("status", flat=True)) == {
        "canceled"
    }


def test_a_workflow_does_not_trigger_itself_through_its_own_change(acme, responder):
    """A workflow on severity changes that changes the severity runs once per outside change, never in a loop."""
    workflow = make_workflow(
        acme,
        trigger="incident.severity_changed",
        actions=[{"action": "change_severity", "params": {"severity": "SEV1"}, "delay_seconds": 0, "enabled": True}],
    )
    other = make_workflow(
        acme,
        name="Back down",
        trigger="incident.severity_changed",
        actions=[{"action": "change_severity", "params": {"severity": "SEV3"}, "delay_seconds": 0, "enabled": True}],
    )
    incident = declare(acme, responder, "SEV2")
    from incidents.models import Severity

    incident_actions.incident_update(
        incident=incident, actor=Actor(user=responder), severity=Severity.objects.get(organization=acme, name="SEV4")
    )
    for _ in range(10):
        pending = [r for r in WorkflowRun.objects.filter(status=RunStatus.RUNNING)]
        if not pending:
            break
        for run in pending:
            run_all(run)
    assert WorkflowRun.objects.filter(status=RunStatus.RUNNING).count() == 0
    # The outside change started both; each one's change started the other once; then each met itself.
    assert WorkflowRun.objects.filter(workflow=workflow).count() <= 3
    assert WorkflowRun.objects.filter(workflow=other).count() <= 3
    assert WorkflowRun.objects.count() <= 6


def test_a_halted_drill_cancels_its_incidents_runs(acme, responder):
    workflow = make_workflow(acme, run_in_drills=True, actions=[post_note("Later", delay=600)])
    incident = declare(acme, responder, is_drill=True)
    fire("drill.halted", acme, drill_run_id=3, incident_ids=(incident.pk,), reason="Real incident under way")
    run = WorkflowRun.objects.get(workflow=workflow)
    assert run.status == RunStatus.CANCELED
    assert run.steps.get().outcome == "The drill was halted: Real incident under way"

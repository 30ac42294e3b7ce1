# ruff: noqa: F811 - the fixtures imported from engine_support
"""Each trigger starts a run from its real event: subject, incident, event_key, the recorded context, and the first
step due and enqueued after commit."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents import actions as incident_actions
from incidents.models import IncidentRole, Severity, StatusUpdateVisibility, TimelineEvent, TimelineKind
from orgs.tenancy import Actor
from tests.factories import (
    AlertGroupFactory,
    FollowUpFactory,
    MembershipFactory,
    RetrospectiveFactory,
    ScheduleFactory,
)
from tests.workflows.engine_support import (  # noqa: F401 - fixtures
    acme,
    declare,
    executed,
    fire,
    make_workflow,
    note_step,
    responder,
)
from workflows import triggers
from workflows.models import RunStatus, StepStatus, WorkflowRun

pytestmark = pytest.mark.django_db(transaction=False)

STEP_TASK = "workflows.tasks.workflow_step_run"


def only_run(workflow):
    runs = list(WorkflowRun.objects.filter(workflow=workflow))
    assert len(runs) == 1
    return runs[0]


def test_incident_declared_starts_a_run_with_its_first_step_enqueued(
    acme, responder, executed, enqueued, django_capture_on_commit_callbacks
):
    workflow = make_workflow(acme, trigger="incident.declared", actions=[note_step("Declared!")])
    with django_capture_on_commit_callbacks(execute=True):
        incident = declare(acme, responder, "SEV2")
    run = only_run(workflow)
    assert (run.subject_kind, run.subject_id, run.incident_id) == ("incident", incident.pk, incident.pk)
    assert run.event_key == f"incident:{incident.pk}:declared"
    assert run.trigger == "incident.declared"
    assert run.status == RunStatus.RUNNING
    assert run.event["severity"] == "SEV2"
    assert run.event["status"] == "investigating"
    assert run.event["incident"]["reference"] == f"INC-{incident.number}"
    assert run.event["event"]["name"] == "incident.declared"
    step = run.steps.get()
    assert (step.position, step.action, step.params, step.status) == (
        1,
        "engine_note",
        {"body": "Declared!"},
        "pending",
    )
    assert step.due_at == run.started_at
    assert enqueued.messages(STEP_TASK) == [(step.pk, str(step.task_token))]


def test_incident_status_changed_keys_the_run_by_the_change(acme, responder, executed):
    workflow = make_workflow(acme, trigger="incident.status_changed")
    incident = declare(acme, responder)
    incident_actions.incident_transition(incident=incident, status="identified", actor=Actor(user=responder))
    entry = TimelineEvent.objects.filter(incident=incident, kind=TimelineKind.STATUS_CHANGED).latest("id")
    run = only_run(workflow)
    assert run.event_key == f"incident:{incident.pk}:status:{entry.pk}"
    assert run.event["status"] == "identified"
    assert run.event["event"]["before"] == "investigating"
    assert run.event["event"]["after"] == "identified"


def test_incident_severity_changed(acme, responder, executed):
    workflow = make_workflow(acme, trigger="incident.severity_changed")
    incident = declare(acme, responder, "SEV3")
    sev1 = Severity.objects.get(organization=acme, name="SEV1")
    incident_actions.incident_update(incident=incident, actor=Actor(user=responder), severity=sev1)
    entry = TimelineEvent.objects.filter(incident=incident, kind=TimelineKind.SEVERITY_CHANGED).latest("id")
    run = only_run(workflow)
    assert run.event_key == f"incident:{incident.pk}:severity:{entry.pk}"
    assert run.event["severity"] == "SEV1"
    assert run.event["severity_major"] is True


def test_incident_role_assigned(acme, responder, executed):
    workflow = make_workflow(acme, trigger="incident.role_assigned")
    incident = declare(acme, responder)
    WorkflowRun.objects.filter(workflow=workflow).delete()  # declaring assigned the commander: a run of its own
    other = MembershipFactory(organization=acme).user
    role = IncidentRole.objects.get(organization=acme, slug="communications-lead")
    assignment = incident_actions.role_assign(incident=incident, role=role, user=other, actor=Actor(user=responder))
    run = only_run(workflow)
    assert run.event_key == f"incident:{incident.pk}:role:{assignment.pk}"
    assert run.event["event"]["role"] == "Communications Lead"


def test_status_update_posted(acme, responder, executed):
    workflow = make_workflow(acme, trigger="status_update.posted")
    incident = declare(acme, responder)
    update = incident_actions.status_update_post(
        incident=incident,
        message="Still looking",
        actor=Actor(user=responder),
        visibility=StatusUpdateVisibility.INTERNAL,
    )
    run = only_run(workflow)
    assert run.event_key == f"incident:{incident.pk}:update:{update.pk}"
    assert run.event["event"]["visibility"] == "internal"


def test_alert_group_triggered_without_incident(acme, executed):
    workflow = make_workflow(
        acme,
        trigger="alert_group.triggered",
        actions=[{"action": "engine_echo", "params": {}, "delay_seconds": 0, "enabled": True}],
        conditions=[{"field": "alert_severity", "operator": "is", "value": "critical"}],
    )
    group = AlertGroupFactory(organization=acme, severity="critical")
    fire(
        "alert_group.triggered",
        acme,
        alert_group_id=group.pk,
        service_id=group.service_id,
        integration_id=group.integration_id,
        title=group.title,
        alert_severity="critical",
        incident_id=None,
    )
    run = only_run(workflow)
    assert (run.subject_kind, run.subject_id, run.incident_id) == ("alert_group", group.pk, None)
    assert run.event_key == f"alert_group:{group.pk}:triggered"
    assert run.event["services"] == [group.service.slug]
    assert run.matched == [{"field": "alert_severity", "operator": "is", "value": "critical", "held": True}]


def test_alert_group_unanswered_follows_escalation_unanswered_of_alert_groups_only(acme, executed):
    workflow = make_workflow(acme, trigger="alert_group.unanswered", actions=[])
    group = AlertGroupFactory(organization=acme)
    fire("escalation.unanswered", acme, escalation_id=77, subject_kind="other", subject_id=group.pk, steps_run=3)
    assert not WorkflowRun.objects.filter(workflow=workflow).exists()
    fire("escalation.unanswered", acme, escalation_id=77, subject_kind="alert_group", subject_id=group.pk, steps_run=3)
    run = only_run(workflow)
    assert run.event_key == f"alert_group:{group.pk}:unanswered:77"
    assert run.status == RunStatus.COMPLETED  # no steps: over at once


def test_follow_up_overdue_runs_for_its_incident(acme, responder, executed):
    workflow = make_workflow(acme, trigger="follow_up.overdue")
    incident = declare(acme, responder)
    follow_up = FollowUpFactory(organization=acme, incident=incident, priority="high", due_date=date(2026, 12, 1))
    fire(
        "follow_up.overdue",
        acme,
        follow_up_id=follow_up.pk,
        incident_id=incident.pk,
        due_date=date(2026, 12, 1),
        priority="high",
        assignee_id=None,
        number=follow_up.number,
        title=follow_up.title,
    )
    run = only_run(workflow)
    assert (run.subject_kind, run.subject_id, run.incident_id) == ("follow_up", follow_up.pk, incident.pk)
    assert run.event_key == f"follow_up:{follow_up.pk}:overdue:2026-12-01"
    assert run.event["priority"] == "high"


def test_retrospective_published_runs_for_the_retros_incident(acme, responder, executed):
    workflow = make_workflow(acme, trigger="retrospective.published")
    incident = declare(acme, responder)
    retro = RetrospectiveFactory(organization=acme, incident=incident)
    fire(
        "retrospective.published",
        acme,
        retrospective_id=retro.pk,
        incident_id=incident.pk,
        published_count=1,
        title=retro.title,
        path=f"/o/{acme.slug}/retrospectives/{incident.number}/",
    )
    run = only_run(workflow)
    assert (run.subject_kind, run.subject_id, run.incident_id) == ("incident", incident.pk, incident.pk)
    assert run.event_key == f"retrospective:{retro.pk}:published:1"


def test_drill_started_runs_even_without_run_in_drills(acme, responder, executed):
    workflow = make_workflow(acme, trigger="drill.started")
    incident = declare(acme, responder, is_drill=True)
    fire("drill.started", acme, drill_run_id=5, incident_id=incident.pk, scenario="Database failover")
    run = only_run(workflow)
    assert (run.subject_kind, run.subject_id, run.incident_id, run.is_drill) == ("drill_run", 5, incident.pk, True)
    assert run.event_key == "drill_run:5:started"


def test_schedule_handoff_has_no_incident(acme, executed):
    workflow = make_workflow(
        acme,
        trigger="schedule.handoff",
        conditions=[{"field": "schedule", "operator": "is", "value": "primary"}],
        actions=[{"action": "engine_echo", "params": {}, "delay_seconds": 0, "enabled": True}],
    )
    schedule = ScheduleFactory(organization=acme, slug="primary")
    at = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    fire(
        "schedule.handoff",
        acme,
        schedule_id=schedule.pk,
        schedule_slug=schedule.slug,
        schedule_name=schedule.name,
        at=at,
    )
    run = only_run(workflow)
    assert (run.subject_kind, run.subject_id, run.incident_id) == ("schedule", schedule.pk, None)
    assert run.event_key == f"schedule:{schedule.pk}:handoff:2026-12-07T09:00:00+00:00"


def test_disabled_workflows_and_other_orgs_start_nothing(acme, responder, executed, other_org):
    make_workflow(acme, trigger="incident.declared", is_enabled=False)
    make_workflow(other_org, trigger="incident.declared")
    declare(acme, responder)
    assert WorkflowRun.objects.count() == 0


def test_drill_incidents_run_only_workflows_that_opt_in(acme, responder, executed):
    plain = make_workflow(acme, name="Plain", trigger="incident.declared")
    drills = make_workflow(acme, name="Drills too", trigger="incident.declared", run_in_drills=True)
    incident = declare(acme, responder, is_drill=True)
    assert list(WorkflowRun.objects.values_list("workflow__name", "is_drill")) == [("Drills too", True)]
    assert not WorkflowRun.objects.filter(workflow=plain).exists()
    assert WorkflowRun.objects.get(workflow=drills).incident == incident


def test_the_same_event_twice_starts_one_run(acme, responder, executed):
    from incidents.events import IncidentDeclared

    workflow = make_workflow(acme, trigger="incident.declared")
    incident = declare(acme, responder)
    again = IncidentDeclared(
        organization_id=acme.pk,
        incident_id=incident.pk,
        is_drill=False,
        services_health="operational",
        number=incident.number,
        title=incident.title,
        severity="SEV1",
        status=incident.status,
    )
    triggers.runs_start_for_event(again)
    triggers.runs_start_for_event(again)
    run = only_run(workflow)
    assert run.steps.count() == 1
    assert run.steps.get().status == StepStatus.PENDING


def test_conditions_that_do_not_hold_start_nothing(acme, responder, executed):
    workflow = make_workflow(
        acme, trigger="incident.declared", conditions=[{"field": "severity", "operator": "at_least", "value": "SEV2"}]
    )
    declare(acme, responder, "SEV3")
    assert not WorkflowRun.objects.filter(workflow=workflow).exists()
    declare(acme, responder, "SEV2")
    assert WorkflowRun.objects.filter(workflow=workflow).count() == 1


def test_a_hundred_workflows_cost_one_query_on_a_status_change(acme, responder, executed):
    for n in range(100):
        make_workflow(
            acme,
            name=f"W{n}",
            trigger="incident.status_changed",
            conditions=[{"field": "status", "operator": "is", "value": "closed"}],
        )
    incident = declare(acme, responder)
    with CaptureQueriesContext(connection) as queries:
        triggers.runs_start_for_event(
            _status_event(acme, incident, before="investigating", after="identified", timeline_event_id=1)
        )
    assert len(queries) == 1  # the workflows; `status` comes with the event, so no context query
    assert WorkflowRun.objects.count() == 0


def _status_event(org, incident, **fields):
    from incidents.events import IncidentStatusChanged

    return IncidentStatusChanged(
        organization_id=org.pk,
        incident_id=incident.pk,
        is_drill=False,
        services_health="operational",
        number=incident.number,
        **fields,
    )

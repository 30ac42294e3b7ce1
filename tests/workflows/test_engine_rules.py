# ruff: noqa: F811 - the fixtures imported from engine_support
"""Workflow CRUD (validated, audited, names unique), enabling, deleting (runs keep the name), and the dry run
(what would happen, nothing written)."""

import pytest
from django.core.exceptions import ValidationError

from incidents.models import TimelineEvent
from orgs.models import AuditEvent
from orgs.tenancy import Actor
from tests.workflows.engine_support import acme, declare, executed, note_step, responder  # noqa: F401 - fixtures
from workflows import actions, selectors
from workflows.models import Workflow, WorkflowRun

pytestmark = pytest.mark.django_db

MAJOR = [{"field": "severity_major", "operator": "is", "value": True}]


def create(org, user, **fields):
    fields.setdefault("name", "Major incidents")
    fields.setdefault("trigger", "incident.declared")
    fields.setdefault("conditions", MAJOR)
    fields.setdefault("actions", [note_step("Major!")])
    return actions.workflow_create(organization=org, actor=Actor(user=user), **fields)


def test_create_validates_and_audits(acme, responder, executed):
    workflow = create(acme, responder, description="  For SEV1/SEV2  ")
    assert workflow.created_by == responder
    assert workflow.description == "For SEV1/SEV2"
    assert workflow.actions == [note_step("Major!")]
    audit = AuditEvent.objects.get(organization=acme, action="workflow.created")
    assert audit.target_id == str(workflow.uuid)
    assert audit.changes["conditions"] == MAJOR


def test_create_refuses_a_taken_name_and_reports_every_error(acme, responder, executed):
    create(acme, responder)
    with pytest.raises(ValidationError) as caught:
        create(
            acme,
            responder,
            name="major INCIDENTS",
            conditions=[{"field": "severity", "operator": "is", "value": "SEV9"}],
            actions=[{"action": "engine_note", "params": {}}],
        )
    assert caught.value.message_dict == {
        "name": ["A workflow named “major INCIDENTS” already exists."],
        "conditions[0].value": ["SEV9 is not a severity of this organization."],
        "actions[0].params.body": ["Write the note."],
    }
    assert Workflow.objects.filter(organization=acme).count() == 1
    with pytest.raises(ValidationError) as caught:
        create(acme, responder, name="x" * 121)
    assert caught.value.message_dict == {"name": ["At most 120 characters."]}


def test_update_audits_what_changed_and_keeps_runs_under_way(acme, responder, executed):
    workflow = create(acme, responder)
    declare(acme, responder)
    run = WorkflowRun.objects.get(workflow=workflow)
    updated = actions.workflow_update(
        workflow=workflow, actor=Actor(user=responder), name="Big ones", actions=[note_step("Changed")]
    )
    assert updated.name == "Big ones"
    audit = AuditEvent.objects.filter(organization=acme, action="workflow.updated").get()
    assert set(audit.changes) == {"name", "actions"}
    assert audit.changes["name"] == {"from": "Major incidents", "to": "Big ones"}
    assert run.steps.get().params == {"body": "Major!"}  # the run copied its steps
    with pytest.raises(ValidationError) as caught:
        actions.workflow_update(workflow=workflow, actor=Actor(user=responder), trigger="schedule.handoff")
    assert caught.value.message_dict == {
        "conditions[0].field": ["Severity is major cannot be tested on “On-call hand-off”."]
    }
    # Nothing changed: no audit entry.
    actions.workflow_update(workflow=updated, actor=Actor(user=responder), name="Big ones")
    assert AuditEvent.objects.filter(organization=acme, action="workflow.updated").count() == 1


def test_disable_enable_and_delete(acme, responder, executed):
    workflow = create(acme, responder)
    actions.workflow_set_enabled(workflow=workflow, actor=Actor(user=responder), enabled=False)
    declare(acme, responder)
    assert not WorkflowRun.objects.exists()
    actions.workflow_set_enabled(workflow=workflow, actor=Actor(user=responder), enabled=True)
    declare(acme, responder)
    run = WorkflowRun.objects.get()
    actions.workflow_delete(workflow=workflow, actor=Actor(user=responder))
    run.refresh_from_db()
    assert run.workflow is None
    assert run.workflow_name == "Major incidents"
    assert AuditEvent.objects.filter(organization=acme, action="workflow.deleted").count() == 1
    assert list(selectors.run_list(acme)) == [run]


def test_selectors_are_scoped_to_the_org(acme, responder, executed, other_org):
    workflow = create(acme, responder)
    assert selectors.workflow_get(acme, workflow.uuid) == workflow
    with pytest.raises(Workflow.DoesNotExist):
        selectors.workflow_get(other_org, workflow.uuid)
    with pytest.raises(Workflow.DoesNotExist):
        selectors.workflow_get(acme, "not-a-uuid")
    assert list(selectors.workflow_list(acme, search="major")) == [workflow]
    assert list(selectors.workflow_list(acme, search="minor")) == []


def test_the_dry_run_shows_what_would_happen_and_writes_nothing(acme, responder, executed):
    workflow = create(
        acme,
        responder,
        actions=[
            {"action": "post_note", "params": {"body": "Hello {{ incident.reference }}"}},
            note_step("Later", enabled=False),
        ],
    )
    workflow.is_enabled = False
    workflow.save()
    incident = declare(acme, responder, "SEV1")
    timeline = TimelineEvent.objects.count()
    audits = AuditEvent.objects.count()
    result = actions.workflow_dry_run(workflow=workflow, incident=incident)
    assert result.matched is True
    assert result.conditions == [{"field": "severity_major", "operator": "is", "value": True, "held": True}]
    assert [(s["position"], s["action"], s["enabled"]) for s in result.steps] == [
        (1, "post_note", True),
        (2, "engine_note", False),
    ]
    assert result.steps[0]["outcome"]["status"] == "succeeded"
    assert f"INC-{incident.number}" in result.steps[0]["outcome"]["outcome"]
    assert result.steps[1]["outcome"] == {"status": "skipped", "outcome": "Disabled until configured", "result": {}}
    assert (TimelineEvent.objects.count(), AuditEvent.objects.count()) == (timeline, audits)
    assert not WorkflowRun.objects.exists()

    minor = declare(acme, responder, "SEV4")
    assert actions.workflow_dry_run(workflow=workflow, incident=minor).matched is False
    drill = declare(acme, responder, "SEV1", is_drill=True)
    dry = actions.workflow_dry_run(workflow=workflow, incident=drill)
    assert dry.matched is False
    assert dry.reason == f"INC-{drill.number} is a drill, and this workflow does not run in drills"

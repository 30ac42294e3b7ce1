"""The workflows API: /api/v1/workflows/ (CRUD by id, POST …/{id}/dry-run/) and /api/v1/workflow-runs/ (read with
filters), with exact bodies, the 400s that name the bad part, roles (any token reads and dry-runs, admin tokens
write) and another org's objects as 404."""

from datetime import UTC, datetime

import pytest

from incidents.models import TimelineEvent
from orgs.models import AuditEvent
from tests.factories import (
    IncidentFactory,
    SeverityFactory,
    WorkflowFactory,
    WorkflowRunFactory,
    WorkflowRunStepFactory,
)
from workflows.models import RunStatus, StepStatus, Trigger, Workflow

pytestmark = pytest.mark.django_db

STARTED = datetime(2026, 12, 6, 20, 55, tzinfo=UTC)
NOTE = {
    "action": "post_note",
    "params": {"body": "Kickoff for {{ incident.reference }}"},
    "delay_seconds": 0,
    "enabled": True,
}


@pytest.fixture
def severities(org):
    return [
        SeverityFactory(organization=org, name="SEV1", rank=1, is_major=True),
        SeverityFactory(organization=org, name="SEV2", rank=2, is_major=True),
        SeverityFactory(organization=org, name="SEV3", rank=3, is_major=False),
    ]


@pytest.fixture
def workflow(org, severities):
    return WorkflowFactory(
        organization=org,
        name="Major incident kickoff",
        trigger=Trigger.INCIDENT_DECLARED,
        conditions=[{"field": "severity", "operator": "at_least", "value": "SEV2"}],
        actions=[NOTE],
    )


def body_of(workflow: Workflow, **changes):
    return {
        "id": str(workflow.uuid),
        "name": workflow.name,
        "description": workflow.description,
        "trigger": workflow.trigger,
        "condition_mode": workflow.condition_mode,
        "conditions": workflow.conditions,
        "actions": workflow.actions,
        "is_enabled": workflow.is_enabled,
        "run_in_drills": workflow.run_in_drills,
        "is_seeded": bool(workflow.seed_key),
        "created_at": workflow.created_at.isoformat().replace("+00:00", "Z"),
        "updated_at": workflow.updated_at.isoformat().replace("+00:00", "Z"),
        **changes,
    }


def test_list_and_retrieve(api_client, workflow, org):
    WorkflowFactory(organization=org, name="Another", actions=[])

    listed = api_client.get("/api/v1/workflows/")
    one = api_client.get(f"/api/v1/workflows/{workflow.uuid}/")

    assert listed.status_code == 200
    assert [w["name"] for w in listed.json()["results"]] == ["Another", "Major incident kickoff"]
    assert one.status_code == 200
    assert one.json() == body_of(workflow)


def test_create_with_conditions_and_actions(api_client, org, severities):
    payload = {
        "name": "Page the lead on SEV1",
        "description": "Big ones need the lead.",
        "trigger": "incident.severity_changed",
        "condition_mode": "any",
        "conditions": [
            {"field": "severity", "operator": "is", "value": "SEV1"},
            {"field": "is_drill", "operator": "is", "value": False},
        ],
        "actions": [{**NOTE, "delay_seconds": 300}],
        "run_in_drills": True,
    }

    response = api_client.post("/api/v1/workflows/", payload, format="json")

    assert response.status_code == 201, response.json()
    workflow = Workflow.objects.get(organization=org)
    assert response.json() == body_of(workflow)
    assert response.json()["conditions"] == payload["conditions"]
    assert response.json()["actions"] == [{**NOTE, "delay_seconds": 300}]
    assert (workflow.trigger, workflow.condition_mode, workflow.is_enabled, workflow.run_in_drills) == (
        "incident.severity_changed",
        "any",
        True,
        True,
    )
    assert AuditEvent.objects.filter(organization=org, action="workflow.created", target_id=str(workflow.uuid)).exists()


def test_create_refuses_a_value_that_does_not_exist_naming_the_row(api_client, org, severities):
    payload = {
        "name": "Bad",
        "trigger": "incident.declared",
        "conditions": [{"field": "severity", "operator": "is", "value": "SEV9"}],
        "actions": [{"action": "post_note", "params": {}}],
    }

    response = api_client.post("/api/v1/workflows/", payload, format="json")

    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert fields["conditions[0].value"] == ["SEV9 is not a severity of this organization."]
    assert list(fields) == ["conditions[0].value", "actions[0].params.body"]
    assert Workflow.objects.filter(organization=org).exists() is False


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"trigger": "incident.declared"}, {"name": ["This field is required."]}),
        (
            {"name": "x" * 121, "trigger": "incident.declared"},
            {"name": ["Ensure this field has no more than 120 characters."]},
        ),
        ({"name": "Odd", "trigger": "lunch.served"}, {"trigger": ['"lunch.served" is not a valid choice.']}),
        (
            {"name": "Odd", "trigger": "incident.declared", "actions": [{"action": "post_note", "delay_seconds": -1}]},
            {"actions": {"0": {"delay_seconds": ["Ensure this value is greater than or equal to 0."]}}},
        ),
        (
            {"name": "Odd", "trigger": "incident.declared", "conditions": "severity is SEV1"},
            {"conditions": ['Expected a list of items but got type "str".']},
        ),
    ],
)
def test_create_refuses_a_bad_shape(api_client, org, payload, fields):
    response = api_client.post("/api/v1/workflows/", payload, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == fields
    assert Workflow.objects.filter(organization=org).exists() is False


def test_create_refuses_a_taken_name(api_client, workflow):
    response = api_client.post(
        "/api/v1/workflows/", {"name": "major incident kickoff", "trigger": "incident.declared"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"name": ["A workflow named “major incident kickoff” already exists."]}


def test_patch_changes_only_what_is_sent(api_client, workflow):
    response = api_client.patch(f"/api/v1/workflows/{workflow.uuid}/", {"is_enabled": False}, format="json")

    assert response.status_code == 200
    workflow.refresh_from_db()
    assert workflow.is_enabled is False
    assert response.json() == body_of(workflow)
    assert workflow.conditions == [{"field": "severity", "operator": "at_least", "value": "SEV2"}]


def test_put_replaces_and_defaults_what_is_left_out(api_client, workflow):
    response = api_client.put(
        f"/api/v1/workflows/{workflow.uuid}/",
        {"name": "Kickoff", "trigger": "incident.status_changed", "actions": [NOTE]},
        format="json",
    )

    assert response.status_code == 200
    workflow.refresh_from_db()
    assert (workflow.name, workflow.trigger, workflow.conditions, workflow.actions) == (
        "Kickoff",
        "incident.status_changed",
        [],
        [NOTE],
    )


def test_patch_refuses_a_bad_condition_and_changes_nothing(api_client, workflow):
    before = Workflow.objects.values().get(pk=workflow.pk)

    response = api_client.patch(
        f"/api/v1/workflows/{workflow.uuid}/",
        {"conditions": [{"field": "severity", "operator": "between", "value": "SEV1"}]},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["conditions[0].operator"]
    assert Workflow.objects.values().get(pk=workflow.pk) == before


def test_delete_keeps_the_runs(api_client, workflow):
    run = WorkflowRunFactory(workflow=workflow)

    response = api_client.delete(f"/api/v1/workflows/{workflow.uuid}/")

    assert response.status_code == 204
    assert Workflow.objects.filter(pk=workflow.pk).exists() is False
    run.refresh_from_db()
    assert (run.workflow, run.workflow_name) == (None, "Major incident kickoff")


@pytest.mark.parametrize("role", ["viewer", "responder"])
def test_tokens_below_admin_read_but_do_not_write(api_client_for, org, workflow, role):
    client = api_client_for(org, role)
    before = Workflow.objects.values().get(pk=workflow.pk)

    assert client.get(f"/api/v1/workflows/{workflow.uuid}/").status_code == 200
    answers = [
        client.post("/api/v1/workflows/", {"name": "New", "trigger": "incident.declared"}, format="json"),
        client.patch(f"/api/v1/workflows/{workflow.uuid}/", {"is_enabled": False}, format="json"),
        client.put(f"/api/v1/workflows/{workflow.uuid}/", {"name": "X", "trigger": "incident.declared"}, format="json"),
        client.delete(f"/api/v1/workflows/{workflow.uuid}/"),
    ]

    assert [a.status_code for a in answers] == [403, 403, 403, 403]
    assert answers[0].json()["error"]["message"] == (
        f"This needs a token with the admin role or higher; this token is {role}."
    )
    assert list(Workflow.objects.filter(organization=org).values()) == [before]


def test_another_orgs_workflow_is_404(api_client, other_org):
    theirs = WorkflowFactory(organization=other_org)

    answers = [
        api_client.get(f"/api/v1/workflows/{theirs.uuid}/"),
        api_client.patch(f"/api/v1/workflows/{theirs.uuid}/", {"is_enabled": False}, format="json"),
        api_client.delete(f"/api/v1/workflows/{theirs.uuid}/"),
        api_client.post(f"/api/v1/workflows/{theirs.uuid}/dry-run/", {"incident": 1}, format="json"),
    ]

    assert [a.status_code for a in answers] == [404, 404, 404, 404]
    theirs.refresh_from_db()
    assert theirs.is_enabled is True


# --- dry run --------------------------------------------------------------------------------------------------------


def test_dry_run_says_what_would_happen_for_a_past_incident(api_client_for, org, workflow, severities):
    incident = IncidentFactory(organization=org, severity=severities[0], title="Checkout down")
    client = api_client_for(org, "viewer")

    response = client.post(f"/api/v1/workflows/{workflow.uuid}/dry-run/", {"incident": incident.number}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["matched"] is True
    assert body["reason"] == ""
    assert body["conditions"] == [{"field": "severity", "operator": "at_least", "value": "SEV2", "held": True}]
    assert [(s["position"], s["action"], s["enabled"], s["outcome"]["status"]) for s in body["steps"]] == [
        (1, "post_note", True, "succeeded")
    ]
    assert TimelineEvent.objects.filter(incident=incident).exists() is False


def test_dry_run_of_a_minor_incident_does_not_match(api_client, org, workflow, severities):
    incident = IncidentFactory(organization=org, severity=severities[2])

    body = api_client.post(
        f"/api/v1/workflows/{workflow.uuid}/dry-run/", {"incident": incident.number}, format="json"
    ).json()

    assert body["matched"] is False
    assert body["conditions"] == [{"field": "severity", "operator": "at_least", "value": "SEV2", "held": False}]


def test_dry_run_of_an_unknown_or_foreign_incident_is_a_400(api_client, org, other_org, workflow):
    theirs = IncidentFactory(organization=other_org)

    response = api_client.post(
        f"/api/v1/workflows/{workflow.uuid}/dry-run/", {"incident": theirs.number}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "incident": [f"There is no incident {theirs.number} in this organization."]
    }


# --- runs -----------------------------------------------------------------------------------------------------------


def test_runs_list_with_steps_and_filters(api_client, org, workflow, severities):
    incident = IncidentFactory(organization=org, severity=severities[0])
    run = WorkflowRunFactory(
        workflow=workflow,
        incident=incident,
        status=RunStatus.FAILED,
        started_at=STARTED,
        matched=[{"field": "severity", "operator": "at_least", "value": "SEV2", "held": True}],
        event={"severity": "SEV1"},
    )
    WorkflowRunStepFactory(
        run=run, position=1, status=StepStatus.FAILED, outcome="", error="Nobody holds the role", due_at=STARTED
    )
    other = WorkflowRunFactory(workflow=WorkflowFactory(organization=org, name="Other"), status=RunStatus.COMPLETED)

    everything = api_client.get("/api/v1/workflow-runs/").json()["results"]
    by_workflow = api_client.get(f"/api/v1/workflow-runs/?workflow={workflow.uuid}").json()["results"]
    by_incident = api_client.get(f"/api/v1/workflow-runs/?incident={incident.number}").json()["results"]
    by_status = api_client.get("/api/v1/workflow-runs/?status=completed").json()["results"]

    assert {r["id"] for r in everything} == {str(run.uuid), str(other.uuid)}
    assert [r["id"] for r in by_workflow] == [str(run.uuid)]
    assert [r["id"] for r in by_incident] == [str(run.uuid)]
    assert [r["id"] for r in by_status] == [str(other.uuid)]
    assert by_workflow[0] == {
        "id": str(run.uuid),
        "workflow": str(workflow.uuid),
        "workflow_name": "Major incident kickoff",
        "trigger": "incident.declared",
        "status": "failed",
        "incident": incident.number,
        "subject_kind": "incident",
        "is_drill": False,
        "event": {"severity": "SEV1"},
        "matched": [{"field": "severity", "operator": "at_least", "value": "SEV2", "held": True}],
        "started_at": "2026-12-06T20:55:00Z",
        "finished_at": None,
        "steps": [
            {
                "position": 1,
                "action": "post_note",
                "params": {"body": "Workflow note"},
                "delay_seconds": 0,
                "status": "failed",
                "outcome": "",
                "error": "Nobody holds the role",
                "due_at": "2026-12-06T20:55:00Z",
                "finished_at": None,
            }
        ],
    }


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("workflow=not-a-uuid", {"workflow": ["Object with uuid=not-a-uuid does not exist."]}),
        ("status=sleeping", {"status": ['"sleeping" is not a valid choice.']}),
        ("incident=0", {"incident": ["Ensure this value is greater than or equal to 1."]}),
    ],
)
def test_runs_filters_refuse_bad_values(api_client, query, fields):
    response = api_client.get(f"/api/v1/workflow-runs/?{query}")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == fields


def test_runs_of_another_org_are_not_seen(api_client, other_org):
    theirs = WorkflowRunFactory(workflow=WorkflowFactory(organization=other_org))

    assert api_client.get("/api/v1/workflow-runs/").json()["results"] == []
    assert api_client.get(f"/api/v1/workflow-runs/{theirs.uuid}/").status_code == 404
    filtered = api_client.get(f"/api/v1/workflow-runs/?workflow={theirs.workflow.uuid}")
    assert filtered.status_code == 400

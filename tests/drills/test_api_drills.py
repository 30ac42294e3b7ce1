"""The drills API: /api/v1/drill-scenarios/ (CRUD by id, POST …/{id}/approve/ by someone other than the author)
and /api/v1/drill-runs/ (create with `scenario` and optional `scheduled_for`, POST …/{id}/start/, POST …/{id}/halt/;
a run's answer carries its status, incidents (numbers), alert groups (ids) and scorecard rows). Any token reads;
admin tokens write; what the domain refuses is a 400 with the error body naming the field."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from drills.models import DrillInject, DrillRun, InjectStatus, Scenario, ScenarioStatus
from orgs import actions as org_actions
from orgs.tenancy import Actor
from tests.drills.engine_support import PD_PAYLOAD, approved_scenario, drill_org, inbound  # noqa: F401  (fixtures)
from tests.factories import DrillLinkFactory, ScenarioFactory

pytestmark = pytest.mark.django_db

SCENARIOS = "/api/v1/drill-scenarios/"
RUNS = "/api/v1/drill-runs/"


def client_of(org, user, role="admin"):
    """A client with a token `user` made (so the token writes as that person)."""
    _, raw = org_actions.api_token_create(
        organization=org, name=f"{user.email} {role}", role=role, actor=Actor(user=user)
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def env(drill_org):  # noqa: F811
    drill_org.eve_api = client_of(drill_org.org, drill_org.eve)
    drill_org.olu_api = client_of(drill_org.org, drill_org.olu)
    return drill_org


SCENARIO_BODY = {
    "title": "Checkout outage",
    "hypothesis": "On-call acknowledges within 5 minutes.",
    "severity": "SEV2",
    "services": ["checkout"],
    "injects": [
        {"offset_seconds": 0, "kind": "alert", "format": "pagerduty", "service": "checkout", "payload": PD_PAYLOAD},
        {"offset_seconds": 90, "kind": "prompt", "text": "The CFO asks for an ETA."},
    ],
    "expected_responses": [{"kind": "declare", "target_seconds": 600}, {"kind": "acknowledge", "target_seconds": 300}],
    "abort_conditions": "A real incident on checkout.",
}


def test_create_read_and_approve_a_scenario(env):
    created = env.eve_api.post(SCENARIOS, SCENARIO_BODY, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    scenario = Scenario.objects.get(uuid=body["id"])
    assert {k: body[k] for k in ("title", "severity", "services", "status", "abort_conditions")} == {
        "title": "Checkout outage",
        "severity": "SEV2",
        "services": ["checkout"],
        "status": "draft",
        "abort_conditions": "A real incident on checkout.",
    }
    assert body["injects"] == [
        {"offset_seconds": 0, "kind": "alert", "format": "pagerduty", "service": "checkout", "payload": PD_PAYLOAD},
        {"offset_seconds": 90, "kind": "prompt", "text": "The CFO asks for an ETA."},
    ]
    assert body["expected_responses"] == [
        {"kind": "acknowledge", "target_seconds": 300},
        {"kind": "declare", "target_seconds": 600},
    ]
    assert body["created_by"]["email"] == "eve@acme.test"
    assert body["approved_by"] is None

    refused = env.eve_api.post(f"{SCENARIOS}{scenario.uuid}/approve/")
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {"scenario": ["Someone other than the author must approve it."]}

    approved = env.olu_api.post(f"{SCENARIOS}{scenario.uuid}/approve/")
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert approved.json()["approved_by"]["email"] == "olu@acme.test"

    listed = env.eve_api.get(SCENARIOS).json()
    assert [row["title"] for row in listed["results"]] == ["Checkout outage"]


def test_a_bad_inject_is_a_400_naming_it_and_nothing_is_saved(env):
    body = {
        **SCENARIO_BODY,
        "injects": [
            SCENARIO_BODY["injects"][0],
            {"offset_seconds": 30, "kind": "alert", "format": "pagerduty", "service": "billing", "payload": PD_PAYLOAD},
        ],
    }
    response = env.eve_api.post(SCENARIOS, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"injects": ["Inject 2: choose a service of this organization."]}
    shape = env.eve_api.post(SCENARIOS, {**body, "injects": [{"offset_seconds": -5, "kind": "alert"}]}, format="json")
    assert shape.status_code == 400
    assert shape.json()["error"]["fields"] == {
        "injects": {"0": {"offset_seconds": ["Ensure this value is greater than or equal to 0."]}}
    }
    assert not Scenario.objects.exists()


def test_patch_returns_an_approved_scenario_to_draft_and_delete(env):
    scenario = approved_scenario(env)
    changed = env.eve_api.patch(
        f"{SCENARIOS}{scenario.uuid}/",
        {"expected_responses": [{"kind": "mitigate", "target_seconds": 1800}]},
        format="json",
    )
    assert changed.status_code == 200
    assert changed.json()["status"] == "draft"
    assert changed.json()["expected_responses"] == [{"kind": "mitigate", "target_seconds": 1800}]
    assert env.eve_api.delete(f"{SCENARIOS}{scenario.uuid}/").status_code == 204
    assert not Scenario.objects.exists()


def test_run_create_start_read_and_halt(env, inbound):  # noqa: F811  (the fixture: no HTTP leaves the test)
    scenario = approved_scenario(env)
    created = env.eve_api.post(RUNS, {"scenario": str(scenario.uuid)}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["reference"], body["status"], body["scheduled_for"]) == ("DR-1", "scheduled", None)
    assert body["facilitator"]["email"] == "eve@acme.test"
    assert body["scorecard"] == [
        {
            "kind": "acknowledge",
            "label": "Acknowledged",
            "target_seconds": 300,
            "actual_seconds": None,
            "reached_at": None,
            "result": "not_reached",
        },
        {
            "kind": "declare",
            "label": "Incident declared",
            "target_seconds": 600,
            "actual_seconds": None,
            "reached_at": None,
            "result": "not_reached",
        },
    ]

    started = env.eve_api.post(f"{RUNS}{body['id']}/start/")
    assert started.status_code == 200
    run = DrillRun.objects.get(uuid=body["id"])
    assert started.json()["status"] == "running"
    assert [(i["position"], i["kind"], i["status"], i["text"]) for i in started.json()["injects"]] == [
        (0, "alert", "pending", ""),
        (1, "hint", "pending", ""),  # a hint's text shows once it is due
    ]

    group_link = DrillLinkFactory(run=run, organization=env.org)
    read = env.eve_api.get(f"{RUNS}{run.uuid}/").json()
    assert read["alert_groups"] == [str(group_link.alert_group.uuid)]
    assert read["incidents"] == []

    halted = env.eve_api.post(f"{RUNS}{run.uuid}/halt/", {"reason": "A real outage"}, format="json")
    assert halted.status_code == 200
    assert (halted.json()["status"], halted.json()["halt_reason"]) == ("halted", "A real outage")
    assert halted.json()["halted_by"]["email"] == "eve@acme.test"
    assert set(DrillInject.objects.filter(run=run).values_list("status", flat=True)) == {InjectStatus.CANCELED}

    again = env.eve_api.post(f"{RUNS}{run.uuid}/halt/", {"reason": "again"}, format="json")
    assert again.status_code == 400
    assert again.json()["error"]["fields"] == {"status": ["DR-1 is halted; only a running drill halts."]}


def test_run_of_a_draft_scenario_and_a_past_time_are_refused(env):
    draft = ScenarioFactory(organization=env.org, title="Draft", status=ScenarioStatus.DRAFT)
    response = env.eve_api.post(RUNS, {"scenario": str(draft.uuid)}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "scenario": ["The scenario must be approved (by someone other than its author) first."]
    }
    scenario = approved_scenario(env, title="Approved")
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    response = env.eve_api.post(RUNS, {"scenario": str(scenario.uuid), "scheduled_for": past}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"scheduled_for": ["Choose a time in the future."]}
    unknown = env.eve_api.post(RUNS, {"scenario": "not-a-uuid"}, format="json")
    assert unknown.status_code == 400
    assert not DrillRun.objects.exists()


def test_scheduled_run_and_filters(env):
    scenario = approved_scenario(env)
    later = timezone.now() + timedelta(days=1)
    response = env.eve_api.post(
        RUNS,
        {
            "scenario": str(scenario.uuid),
            "scheduled_for": later.isoformat(),
            "recurrence": "weekly",
            "announced": False,
        },
        format="json",
    )
    assert response.status_code == 201
    assert (response.json()["recurrence"], response.json()["announced"]) == ("weekly", False)
    assert [r["reference"] for r in env.eve_api.get(RUNS, {"status": "scheduled"}).json()["results"]] == ["DR-1"]
    assert env.eve_api.get(RUNS, {"status": "running"}).json()["results"] == []


def test_tokens_below_admin_read_only(env, api_client_for):
    scenario = approved_scenario(env)
    responder = api_client_for(env.org, "responder")
    assert responder.get(f"{SCENARIOS}{scenario.uuid}/").status_code == 200
    assert responder.post(SCENARIOS, SCENARIO_BODY, format="json").status_code == 403
    assert responder.post(RUNS, {"scenario": str(scenario.uuid)}, format="json").status_code == 403
    assert responder.post(f"{SCENARIOS}{scenario.uuid}/approve/").status_code == 403


def test_another_orgs_objects_are_not_found(env, other_org, api_client_for):
    scenario = approved_scenario(env)
    theirs = api_client_for(other_org, "admin")
    assert theirs.get(f"{SCENARIOS}{scenario.uuid}/").status_code == 404
    response = theirs.post(RUNS, {"scenario": str(scenario.uuid)}, format="json")
    assert response.status_code == 400
    assert not DrillRun.objects.exists()

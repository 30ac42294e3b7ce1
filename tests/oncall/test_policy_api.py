"""/api/v1/escalation-policies/: one document with nested steps and targets, by slug, admin writes."""

import pytest

from oncall.actions import policies as actions
from oncall.models import EscalationPolicy
from orgs.models import AuditEvent
from orgs.tenancy import Actor
from services import actions as service_actions
from services.models import Service
from tests.oncall.policy_helpers import member, schedule, step, team, user_target

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system()
URL = "/api/v1/escalation-policies/"


@pytest.fixture
def ana(org):
    return member(org, "ana@acme.test", "Ana Lima").user


def person(user) -> dict:
    return {"id": str(user.uuid), "name": user.display_name, "email": user.email}


def test_create_with_nested_steps_returns_the_document(org, ana, api_client):
    # Given a schedule and a team of the org
    schedule(org, "Payments primary", [ana])
    team(org, "Platform", [ana])

    # When a policy is posted with targets named by slug, email and id
    response = api_client.post(
        URL,
        {
            "name": "Payments escalation",
            "repeat_count": 2,
            "steps": [
                {"wait_minutes": 5, "targets": [{"kind": "schedule", "schedule": "payments-primary"}]},
                {
                    "wait_minutes": 10,
                    "targets": [{"kind": "user", "user": "ANA@acme.test"}, {"kind": "team", "team": "platform"}],
                },
            ],
        },
        format="json",
    )

    # Then it is stored and answered as one document
    assert response.status_code == 201
    policy = EscalationPolicy.objects.get()
    assert response.json() == {
        "id": str(policy.uuid),
        "slug": "payments-escalation",
        "name": "Payments escalation",
        "description": "",
        "owner_team": None,
        "repeat_count": 2,
        "steps": [
            {
                "position": 1,
                "wait_minutes": 5,
                "targets": [{"kind": "schedule", "user": None, "schedule": "payments-primary", "team": None}],
            },
            {
                "position": 2,
                "wait_minutes": 10,
                "targets": [
                    {"kind": "user", "user": person(ana), "schedule": None, "team": None},
                    {"kind": "team", "user": None, "schedule": None, "team": "platform"},
                ],
            },
        ],
        "services": [],
    }
    assert AuditEvent.objects.for_org(org).get(action="escalation_policy.created").actor_label == (
        "API token “admin token”"
    )


def test_create_refuses_references_outside_the_org_and_saves_nothing(org, other_org, other_member, api_client):
    schedule(other_org, "Globex primary", [other_member.user])

    response = api_client.post(
        URL,
        {
            "name": "Leaky",
            "steps": [
                {
                    "wait_minutes": 5,
                    "targets": [
                        {"kind": "user", "user": str(other_member.user.uuid)},
                        {"kind": "schedule", "schedule": "globex-primary"},
                    ],
                }
            ],
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "steps": {
            "0": {
                "targets": {
                    "0": {"user": ["No member of this organization matches."]},
                    "1": {"schedule": ["Object with slug=globex-primary does not exist."]},
                }
            }
        }
    }
    assert EscalationPolicy.objects.exists() is False


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"name": "No steps", "steps": []}, {"steps": {"non_field_errors": ["This list may not be empty."]}}),
        (
            {"name": "No targets", "steps": [{"wait_minutes": 5, "targets": []}]},
            {"steps": {"0": {"targets": {"non_field_errors": ["This list may not be empty."]}}}},
        ),
        (
            {"name": "Zero wait", "steps": [{"wait_minutes": 0, "targets": [{"kind": "user", "user": "ana@acme.test"}]}]},  # noqa: E501
            {"steps": {"0": {"wait_minutes": ["Ensure this value is greater than or equal to 1."]}}},
        ),
        (
            {"name": "Unnamed", "steps": [{"wait_minutes": 5, "targets": [{"kind": "user"}]}]},
            {"steps": {"0": {"targets": {"0": {"user": ["A user target names its user."]}}}}},
        ),
    ],
)  # fmt: skip
def test_bad_documents_are_a_clear_400(ana, api_client, body, fields):
    response = api_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert response.json()["error"]["fields"] == fields
    assert EscalationPolicy.objects.exists() is False


def test_patch_replaces_steps_or_leaves_them(org, ana, api_client):
    ben = member(org, "ben@acme.test", "Ben Ode").user
    policy = actions.policy_create(organization=org, actor=SYSTEM, name="P", steps=[step(5, user_target(ana))])

    renamed = api_client.patch(f"{URL}p/", {"name": "Renamed"}, format="json")
    replaced = api_client.patch(
        f"{URL}p/",
        {"steps": [{"wait_minutes": 7, "targets": [{"kind": "user", "user": str(ben.uuid)}]}]},
        format="json",
    )

    assert renamed.status_code == 200
    assert renamed.json()["steps"][0]["targets"][0]["user"] == person(ana)
    assert replaced.status_code == 200
    assert replaced.json()["steps"] == [
        {
            "position": 1,
            "wait_minutes": 7,
            "targets": [{"kind": "user", "user": person(ben), "schedule": None, "team": None}],
        }
    ]
    policy.refresh_from_db()
    assert policy.name == "Renamed"


def test_delete_leaves_services_with_no_policy(org, ana, api_client):
    policy = actions.policy_create(organization=org, actor=SYSTEM, name="P", steps=[step(5, user_target(ana))])
    ledger = service_actions.service_create(organization=org, actor=SYSTEM, name="Ledger", escalation_policy=policy)

    listed = api_client.get(URL)
    response = api_client.delete(f"{URL}p/")

    assert listed.json()["results"][0]["services"] == ["ledger"]
    assert response.status_code == 204
    assert EscalationPolicy.objects.exists() is False
    assert Service.objects.get(pk=ledger.pk).escalation_policy_id is None


def test_now_lists_who_each_step_pages(org, ana, api_client):
    actions.policy_create(
        organization=org,
        actor=SYSTEM,
        name="P",
        steps=[step(5, {"kind": "team", "team": team(org, "Ghosts", [])}), step(10, user_target(ana))],
    )

    response = api_client.get(f"{URL}p/now/")

    assert response.status_code == 200
    assert response.json() == [
        {"position": 1, "wait_minutes": 5, "users": []},
        {"position": 2, "wait_minutes": 10, "users": [person(ana)]},
    ]


def test_responder_and_viewer_tokens_read_but_cannot_write(org, ana, api_client_for):
    actions.policy_create(organization=org, actor=SYSTEM, name="P", steps=[step(5, user_target(ana))])
    body = {"name": "Q", "steps": [{"wait_minutes": 5, "targets": [{"kind": "user", "user": "ana@acme.test"}]}]}

    for role in ("responder", "viewer"):
        client = api_client_for(org, role)
        assert client.get(URL).status_code == 200
        assert client.post(URL, body, format="json").status_code == 403
        assert client.patch(f"{URL}p/", {"name": "Hacked"}, format="json").status_code == 403
        assert client.delete(f"{URL}p/").status_code == 403
    assert list(EscalationPolicy.objects.values_list("name", flat=True)) == ["P"]


def test_another_orgs_token_gets_404(org, other_org, ana, api_client_for):
    actions.policy_create(organization=org, actor=SYSTEM, name="P", steps=[step(5, user_target(ana))])
    outsider = api_client_for(other_org, "admin")

    assert outsider.get(f"{URL}p/").status_code == 404
    assert outsider.patch(f"{URL}p/", {"name": "Hacked"}, format="json").status_code == 404
    assert outsider.delete(f"{URL}p/").status_code == 404
    assert outsider.get(URL).json()["results"] == []
    assert EscalationPolicy.objects.get().name == "P"

"""Merging a duplicate incident (triage → merged) into another open incident: action, API and page."""

import pytest
from django.core.exceptions import ValidationError

from incidents import actions
from incidents.models import Incident, Severity, TimelineEvent
from orgs.tenancy import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(org, owner):
    actions.organization_defaults_ensure(organization=org)
    severity = Severity.objects.for_org(org).get(name="SEV3")
    actor = Actor(user=owner.user)
    main = actions.incident_declare(organization=org, actor=actor, title="Checkout down", severity=severity)
    duplicate = actions.incident_declare(
        organization=org, actor=actor, title="Payments errors", severity=severity, status="triage"
    )
    return main, duplicate, actor


def test_merge_finishes_the_duplicate_and_records_it_on_both_timelines(pair):
    main, duplicate, actor = pair

    merged = actions.incident_transition(incident=duplicate, status="merged", actor=actor, merged_into=main)

    assert (merged.status, merged.merged_into_id) == ("merged", main.pk)
    assert TimelineEvent.objects.get(incident=duplicate, kind="status_changed").payload == {
        "from": "triage",
        "to": "merged",
        "into": "INC-1",
    }
    assert TimelineEvent.objects.get(incident=main, kind="incident_merged").payload == {
        "incident": "INC-2",
        "title": "Payments errors",
        "number": 2,
    }


@pytest.mark.parametrize("target", ["none", "self", "closed", "other_org"])
def test_merge_needs_an_open_incident_of_the_org(pair, other_org, other_member, target):
    main, duplicate, actor = pair
    if target == "closed":
        actions.incident_transition(incident=main, status="closed", actor=actor)
    if target == "other_org":
        actions.organization_defaults_ensure(organization=other_org)
        main = actions.incident_declare(
            organization=other_org,
            actor=Actor(user=other_member.user),
            title="Theirs",
            severity=Severity.objects.for_org(other_org).first(),
        )
    into = {"none": None, "self": duplicate}.get(target, main)

    with pytest.raises(ValidationError) as error:
        actions.incident_transition(incident=duplicate, status="merged", actor=actor, merged_into=into)

    assert list(error.value.message_dict) == ["merged_into"]
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into_id) == ("triage", None)
    assert TimelineEvent.objects.filter(kind="incident_merged").exists() is False


def test_api_merges_by_number_and_refuses_unknown_numbers(org, pair, api_client_for):
    client = api_client_for(org, "responder")

    unknown = client.post("/api/v1/incidents/2/transition/", {"status": "merged", "merged_into": 99}, format="json")
    missing = client.post("/api/v1/incidents/2/transition/", {"status": "merged"}, format="json")
    merged = client.post("/api/v1/incidents/2/transition/", {"status": "merged", "merged_into": 1}, format="json")

    assert (unknown.status_code, unknown.json()["error"]["fields"]) == (400, {"merged_into": ["There is no INC-99."]})
    assert (missing.status_code, list(missing.json()["error"]["fields"])) == (400, ["merged_into"])
    assert merged.status_code == 200
    assert (merged.json()["status"], merged.json()["merged_into"]) == ("merged", "INC-1")


def test_page_merges_into_the_chosen_incident(pair, member_client, make_member, org, client_for):
    main, duplicate, _ = pair

    form = member_client.get("/o/acme/incidents/2/merge/")
    response = member_client.post("/o/acme/incidents/2/merge/", {"into": "1"})
    viewer = client_for(make_member(org, "viewer")).post("/o/acme/incidents/1/merge/", {"into": "2"})

    assert form.status_code == 200
    assert [str(choice) for choice, _ in form.context["form"].fields["into"].choices if choice] == ["1"]
    assert (response.status_code, response["Location"]) == (302, "/o/acme/incidents/1/")
    assert Incident.objects.get(pk=duplicate.pk).merged_into_id == main.pk
    assert viewer.status_code == 403

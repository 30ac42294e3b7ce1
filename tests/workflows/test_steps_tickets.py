"""create_follow_up: a follow-up of the run's incident (or of none), its title and description rendered,
owned by a member or the holder of a role."""

import pytest
from django.core.exceptions import ValidationError

from incidents import actions as incident_actions
from orgs.tenancy import Actor
from tests.workflows.steps_helpers import context, incident_of, org_ready, person, role
from ticketing.models import FollowUp
from workflows.steps import ACTIONS

pytestmark = pytest.mark.django_db

FOLLOW_UP = ACTIONS["create_follow_up"]
PARAMS = {
    "title": "Review the alerting of {{ incident.reference }}",
    "description": "Raised by {{ workflow }} for {{ incident.title }}.",
    "priority": "high",
    "assignee": {"kind": "role", "role": "incident-commander"},
}


@pytest.fixture
def acme(org):
    return org_ready(org)


def test_follow_up_of_the_incident_owned_by_the_commander(acme):
    ana = person(acme, "Ana Ruiz")
    incident = incident_of(acme, title="Checkout is down")
    incident_actions.role_assign(
        incident=incident, role=role(acme, "incident-commander"), user=ana, actor=Actor.system()
    )
    ctx = context(acme, "create_follow_up", PARAMS, incident=incident)
    ref = incident.reference

    plan = FOLLOW_UP.plan(ctx)
    assert (
        plan.outcome
        == f"Would open a follow-up “Review the alerting of {ref}” (high) on {ref} for Ana Ruiz (Incident Commander)"
    )
    assert not FollowUp.objects.exists()
    outcome = FOLLOW_UP.execute(ctx)

    follow_up = FollowUp.objects.get()
    assert (follow_up.title, follow_up.description, follow_up.priority, follow_up.owner, follow_up.incident) == (
        f"Review the alerting of {ref}",
        "Raised by Declaration process for Checkout is down.",
        "high",
        ana,
        incident,
    )
    assert outcome.outcome == (
        f"Opened {follow_up.reference} “Review the alerting of {ref}” (high) on {ref} for Ana Ruiz (Incident Commander)"
    )
    assert outcome.result == {"follow_up": str(follow_up.uuid), "number": follow_up.number}


def test_a_run_without_incident_opens_an_unowned_follow_up(acme):
    ctx = context(acme, "create_follow_up", {"title": "Check the {{ workflow }} hand-off"})

    outcome = FOLLOW_UP.execute(ctx)

    follow_up = FollowUp.objects.get()
    assert (follow_up.title, follow_up.priority, follow_up.owner, follow_up.incident) == (
        "Check the Declaration process hand-off",
        "medium",
        None,
        None,
    )
    assert (
        outcome.outcome == f"Opened {follow_up.reference} “Check the Declaration process hand-off” (medium), unassigned"
    )


def test_describe_and_validate(acme, other_org):
    org_ready(other_org)
    outsider = person(other_org, "Olga Other")
    assert FOLLOW_UP.describe(acme, FOLLOW_UP.validate(acme, PARAMS)) == (
        "Open a high follow-up “Review the alerting of {{ incident.reference }}” owned by the Incident Commander"
    )
    cases = [
        ({**PARAMS, "priority": "asap"}, {"priority": ["Choose one of urgent, high, medium, low."]}),
        (
            {**PARAMS, "assignee": {"kind": "user", "user": str(outsider.uuid)}},
            {"assignee": [f"“{outsider.uuid}” is not a member of this organization."]},
        ),
        (
            {**PARAMS, "assignee": {"kind": "role", "role": "captain"}},
            {"assignee": ["“captain” is not an incident role of this organization."]},
        ),
        ({"description": "x"}, {"title": ["Title is required."]}),
    ]
    for params, errors in cases:
        with pytest.raises(ValidationError) as caught:
            FOLLOW_UP.validate(acme, params)
        assert caught.value.message_dict == errors, params

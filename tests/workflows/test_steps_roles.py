"""assign_role: a member, a schedule's on-call now, or the on-call now of the incident's first service gets the
role through incidents' role_assign (the holder, the checklist as their tasks, the timeline)."""

import pytest
from django.core.exceptions import ValidationError

from incidents import actions as incident_actions
from incidents.models import IncidentTask, RoleAssignment, TimelineEvent, TimelineKind
from orgs.tenancy import Actor
from tests.factories import OrganizationFactory, ServiceFactory
from tests.oncall.policy_helpers import schedule
from tests.workflows.steps_helpers import context, incident_of, org_ready, person, role, service_with_oncall
from workflows.steps import ACTIONS

pytestmark = pytest.mark.django_db

ASSIGN = ACTIONS["assign_role"]


@pytest.fixture
def acme(org):
    return org_ready(org)


@pytest.fixture
def ana(acme):
    return person(acme, "Ana Ruiz")


def holders(incident):
    return list(
        RoleAssignment.objects.filter(incident=incident, released_at=None).values_list("role__slug", "user__full_name")
    )


def test_service_oncall_gets_the_role_with_the_checklist_as_their_tasks(acme, ana):
    checkout = service_with_oncall(acme, "checkout", [ana])
    incident = incident_of(acme, services=[checkout])
    ctx = context(
        acme, "assign_role", {"role": "incident-commander", "to": {"kind": "service_oncall"}}, incident=incident
    )

    outcome = ASSIGN.execute(ctx)

    assert (outcome.status, outcome.outcome) == (
        "succeeded",
        "Ana Ruiz is now Incident Commander (on call for checkout now)",
    )
    assert holders(incident) == [("incident-commander", "Ana Ruiz")]
    commander = role(acme, "incident-commander")
    assert sorted(IncidentTask.objects.filter(incident=incident).values_list("title", "assignee__full_name")) == sorted(
        (item, "Ana Ruiz") for item in commander.checklist
    )
    entry = TimelineEvent.objects.get(incident=incident, kind=TimelineKind.ROLE_ASSIGNED)
    assert entry.payload["user"] == "Ana Ruiz"
    assert entry.actor_label == "Workflow “Declaration process”"


def test_plan_says_who_would_get_it_and_writes_nothing(acme, ana):
    checkout = service_with_oncall(acme, "checkout", [ana])
    incident = incident_of(acme, services=[checkout])
    ctx = context(
        acme, "assign_role", {"role": "incident-commander", "to": {"kind": "service_oncall"}}, incident=incident
    )

    outcome = ASSIGN.plan(ctx)

    assert (outcome.status, outcome.outcome) == (
        "succeeded",
        "Would assign Incident Commander to Ana Ruiz (on call for checkout now)",
    )
    assert holders(incident) == []
    assert not TimelineEvent.objects.filter(incident=incident).exists()


def test_a_schedule_oncall_and_a_member(acme, ana):
    ben = person(acme, "Ben Ode")
    schedule(acme, "Primary", [ben])
    incident = incident_of(acme)

    by_schedule = context(
        acme, "assign_role", {"role": "scribe", "to": {"kind": "schedule", "schedule": "primary"}}, incident=incident
    )
    assert ASSIGN.execute(by_schedule).outcome == "Ben Ode is now Scribe (on call on Primary now)"
    by_member = context(
        acme,
        "assign_role",
        {"role": "communications-lead", "to": {"kind": "user", "user": str(ana.uuid)}},
        incident=incident,
    )
    assert ASSIGN.execute(by_member).outcome == "Ana Ruiz is now Communications Lead"
    assert sorted(holders(incident)) == [("communications-lead", "Ana Ruiz"), ("scribe", "Ben Ode")]
    # the same step again changes nothing
    again = ASSIGN.execute(by_member)
    assert (again.status, again.outcome) == ("skipped", "Ana Ruiz is already Communications Lead")


def test_nobody_on_call_or_no_service_is_a_skip_with_the_reason(acme):
    nobody = service_with_oncall(acme, "search", [])
    params = {"role": "incident-commander", "to": {"kind": "service_oncall"}}

    ctx = context(acme, "assign_role", params, incident=incident_of(acme, services=[nobody]))
    assert (ASSIGN.execute(ctx).status, ASSIGN.execute(ctx).outcome) == ("skipped", "Nobody is on call for search now")
    bare = incident_of(acme)
    ctx = context(acme, "assign_role", params, incident=bare)
    assert ASSIGN.execute(ctx).outcome == f"{bare.reference} has no affected service"
    assert RoleAssignment.objects.count() == 0


def test_no_incident_is_a_skip(acme, ana):
    ctx = context(acme, "assign_role", {"role": "scribe", "to": {"kind": "user", "user": str(ana.uuid)}})
    assert (ASSIGN.execute(ctx).status, ASSIGN.execute(ctx).outcome) == ("skipped", "needs an incident")


def test_describe(acme, ana):
    schedule(acme, "Primary", [ana])
    assert (
        ASSIGN.describe(acme, {"role": "incident-commander", "to": {"kind": "service_oncall"}})
        == "Assign Incident Commander to the on-call of the incident's first service"
    )
    assert (
        ASSIGN.describe(acme, {"role": "scribe", "to": {"kind": "schedule", "schedule": "primary"}})
        == "Assign Scribe to the on-call of schedule Primary"
    )


def test_validate_refuses_what_the_org_does_not_have(acme, other_org):
    org_ready(other_org)
    outsider = person(other_org, "Olga Other")
    schedule(other_org, "Theirs", [outsider])
    ServiceFactory(organization=other_org)
    incident_actions.incident_role_create(organization=other_org, actor=Actor.system(), name="Captain")
    cases = [
        (
            {"role": "captain", "to": {"kind": "service_oncall"}},
            {"role": ["“captain” is not an incident role of this organization."]},
        ),
        (
            {"role": "scribe", "to": {"kind": "user", "user": str(outsider.uuid)}},
            {"to": [f"“{outsider.uuid}” is not a member of this organization."]},
        ),
        (
            {"role": "scribe", "to": {"kind": "schedule", "schedule": "theirs"}},
            {"to": ["“theirs” is not a schedule of this organization."]},
        ),
        ({"role": "scribe", "to": {"kind": "team"}}, {"to": ["Choose a member, a schedule or the service's on-call."]}),
        ({"role": "scribe"}, {"to": ["Assign to is required."]}),
        (
            {"role": "scribe", "to": {"kind": "service_oncall"}, "extra": 1},
            {"extra": ["“extra” is not a param of this action."]},
        ),
    ]
    for params, errors in cases:
        with pytest.raises(ValidationError) as caught:
            ASSIGN.validate(acme, params)
        assert caught.value.message_dict == errors, params
    assert ASSIGN.validate(acme, {"role": "scribe", "to": {"kind": "service_oncall", "junk": 1}}) == {
        "role": "scribe",
        "to": {"kind": "service_oncall"},
    }


def test_a_step_not_filled_in_yet_is_described_by_its_label_not_an_error():
    from workflows.steps import ACTIONS

    assign = ACTIONS["assign_role"]
    organization = OrganizationFactory()

    assert assign.describe(organization, {}) == assign.label
    assert assign.describe(organization, {"role": "", "to": {"kind": "service_oncall"}}) == assign.label
    assert assign.describe(organization, {"role": "captain", "to": {"kind": "service_oncall"}}) == (
        f"{assign.label}: “captain” is not an incident role of this organization."
    )

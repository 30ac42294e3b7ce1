"""page: a member, a schedule's on-call, a policy's first reachable step, a team or a role's holder is paged
through oncall's manual paging: Notification rows (one per planned channel) and one "paged" timeline entry;
a drill's pages say [DRILL] in their subject."""

import pytest
from django.core.exceptions import ValidationError

from incidents import actions as incident_actions
from incidents.models import TimelineEvent, TimelineKind
from notifications.models import Notification, NotificationReason
from orgs.tenancy import Actor
from tests.oncall.policy_helpers import schedule, team
from tests.workflows.steps_helpers import context, incident_of, org_ready, person, role, service_with_oncall
from workflows.steps import ACTIONS

pytestmark = pytest.mark.django_db

PAGE = ACTIONS["page"]
COMMS = {
    "target": {"kind": "role", "role": "communications-lead"},
    "message": "You are needed as Communications Lead on {{ incident.reference }}",
}


@pytest.fixture
def acme(org):
    return org_ready(org)


@pytest.fixture
def ana(acme):
    return person(acme, "Ana Ruiz")


def pages(incident):
    return sorted(
        Notification.objects.filter(incident=incident).values_list("user__full_name", "subject", "message", "reason")
    )


def test_the_role_holder_is_paged_with_the_rendered_message(acme, ana):
    incident = incident_of(acme, title="Checkout is down")
    incident_actions.role_assign(
        incident=incident, role=role(acme, "communications-lead"), user=ana, actor=Actor.system()
    )
    ctx = context(acme, "page", COMMS, incident=incident)

    outcome = PAGE.execute(ctx)

    assert (outcome.status, outcome.outcome) == ("succeeded", "Paged Ana Ruiz (Communications Lead)")
    ref = incident.reference
    assert pages(incident) == [
        (
            "Ana Ruiz",
            f"Paged: {ref} Checkout is down",
            f"You are needed as Communications Lead on {ref}",
            NotificationReason.MANUAL_PAGE,
        )
    ]
    entry = TimelineEvent.objects.get(incident=incident, kind=TimelineKind.PAGED)
    assert entry.payload["targets"] == ["Ana Ruiz"]
    assert entry.actor_label == "Workflow “Declaration process”"


def test_a_drill_page_is_marked(acme, ana):
    drill = incident_of(acme, title="Game day", is_drill=True)
    incident_actions.role_assign(incident=drill, role=role(acme, "communications-lead"), user=ana, actor=Actor.system())

    outcome = PAGE.execute(context(acme, "page", COMMS, incident=drill))

    assert outcome.outcome == "Paged Ana Ruiz (Communications Lead), marked [DRILL]"
    assert [subject for _, subject, _, _ in pages(drill)] == [f"[DRILL] Paged: {drill.reference} Game day"]


def test_an_unheld_role_is_a_skip_and_pages_nobody(acme):
    incident = incident_of(acme)

    outcome = PAGE.execute(context(acme, "page", COMMS, incident=incident))

    assert (outcome.status, outcome.outcome) == ("skipped", "Nobody is Communications Lead yet")
    assert pages(incident) == []


def test_plan_names_who_would_be_paged_and_sends_nothing(acme, ana):
    ben = person(acme, "Ben Ode")
    schedule(acme, "Primary", [ben])
    incident = incident_of(acme)
    ctx = context(
        acme,
        "page",
        {"target": {"kind": "schedule", "schedule": "primary"}, "message": "Join the bridge"},
        incident=incident,
    )

    outcome = PAGE.plan(ctx)

    assert (outcome.status, outcome.outcome) == (
        "succeeded",
        "Would page Ben Ode (on call on Primary now): “Join the bridge”",
    )
    assert pages(incident) == []


def test_schedule_team_policy_and_member_targets(acme, ana):
    ben, cleo = person(acme, "Ben Ode"), person(acme, "Cleo Park")
    schedule(acme, "Primary", [ben])
    team(acme, "Payments", [ana, cleo])
    service_with_oncall(acme, "checkout", [cleo])  # policy "checkout-policy": step 1 = schedule "checkout primary"
    incident = incident_of(acme)

    def run(target):
        return PAGE.execute(context(acme, "page", {"target": target}, incident=incident)).outcome

    assert run({"kind": "schedule", "schedule": "primary"}) == "Paged Ben Ode (on call on Primary now)"
    assert run({"kind": "team", "team": "payments"}) == "Paged Ana Ruiz, Cleo Park (team Payments)"
    assert (
        run({"kind": "policy", "policy": "checkout-policy"})
        == "Paged Cleo Park (escalation policy checkout policy, step 1)"
    )
    assert run({"kind": "user", "user": str(ana.uuid)}) == "Paged Ana Ruiz"
    assert sorted(n for n, _, _, _ in pages(incident)) == ["Ana Ruiz", "Ana Ruiz", "Ben Ode", "Cleo Park", "Cleo Park"]
    # no message: the workflow says who needs them
    assert {m for _, _, m, _ in pages(incident)} == {
        f"Workflow “Declaration process” needs you on {incident.reference}: {incident.title}"
    }


def test_nobody_on_call_is_a_skip(acme):
    schedule(acme, "Empty", [])
    outcome = PAGE.execute(
        context(acme, "page", {"target": {"kind": "schedule", "schedule": "empty"}}, incident=incident_of(acme))
    )
    assert (outcome.status, outcome.outcome) == ("skipped", "Nobody is on call on Empty now")


def test_describe(acme):
    assert PAGE.describe(acme, COMMS) == "Page the Communications Lead"


def test_validate_refuses_what_the_org_does_not_have(acme, other_org):
    org_ready(other_org)
    outsider = person(other_org, "Olga Other")
    schedule(other_org, "Theirs", [outsider])
    team(other_org, "Their team", [outsider])
    service_with_oncall(other_org, "billing", [outsider])
    cases = [
        ({"kind": "user", "user": str(outsider.uuid)}, f"“{outsider.uuid}” is not a member of this organization."),
        ({"kind": "schedule", "schedule": "theirs"}, "“theirs” is not a schedule of this organization."),
        ({"kind": "team", "team": "their-team"}, "“their-team” is not a team of this organization."),
        (
            {"kind": "policy", "policy": "billing-policy"},
            "“billing-policy” is not an escalation policy of this organization.",
        ),
        ({"kind": "role", "role": "captain"}, "“captain” is not an incident role of this organization."),
        ({"kind": "everyone"}, "Choose a member, a schedule, a policy, a team or a role to page."),
    ]
    for target, error in cases:
        with pytest.raises(ValidationError) as caught:
            PAGE.validate(acme, {"target": target})
        assert caught.value.message_dict == {"target": [error]}, target
    with pytest.raises(ValidationError) as caught:
        PAGE.validate(acme, {"target": COMMS["target"], "message": "{% include 'secrets.txt' %}"})
    assert caught.value.message_dict == {
        "message": [
            "The template cannot be used: unknown tag “include” (templates can use {% if %} and {% for %} only)."
        ]
    }

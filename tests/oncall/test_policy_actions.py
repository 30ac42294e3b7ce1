"""Escalation policy writes: create with ordered steps, validation (all or nothing), replace steps, delete."""

import pytest
from django.core.exceptions import ValidationError

from oncall.actions import policies as actions
from oncall.models import EscalationPolicy, EscalationStep, EscalationStepTarget
from orgs.models import AuditEvent
from orgs.tenancy import Actor
from services import actions as service_actions
from services.models import Service
from tests.factories import TeamFactory
from tests.oncall.policy_helpers import member, schedule, schedule_target, step, team, team_target, user_target

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system()


def stored_steps(policy: EscalationPolicy) -> list[tuple[int, int, list[str]]]:
    return [
        (s.position, s.wait_minutes, [actions.target_label(t) for t in s.targets.order_by("pk")])
        for s in EscalationStep.objects.filter(policy=policy).order_by("position")
    ]


def test_create_stores_ordered_steps_with_their_targets_and_audits(org, owner):
    # Given a person, a team and a schedule of the org
    ana = member(org, "ana@acme.test", "Ana Lima").user
    platform = team(org, "Platform", [ana])
    primary = schedule(org, "Payments primary", [ana])

    # When a policy is created with two steps
    policy = actions.policy_create(
        organization=org,
        actor=Actor(user=owner.user),
        name="  Payments escalation ",
        repeat_count=2,
        steps=[step(5, schedule_target(primary)), step(10, user_target(ana), team_target(platform))],
    )

    # Then the steps keep their order and targets, and the audit log names them
    assert (policy.name, policy.slug, policy.repeat_count) == ("Payments escalation", "payments-escalation", 2)
    assert stored_steps(policy) == [
        (0, 5, ["schedule:payments-primary"]),
        (1, 10, ["user:ana@acme.test", "team:platform"]),
    ]
    event = AuditEvent.objects.for_org(org).get(action="escalation_policy.created")
    assert event.actor_label == "owner@acme.test"
    assert event.changes["steps"] == {
        "before": None,
        "after": [
            {"wait_minutes": 5, "targets": ["schedule:payments-primary"]},
            {"wait_minutes": 10, "targets": ["user:ana@acme.test", "team:platform"]},
        ],
    }


def test_create_drops_a_target_named_twice_in_a_step(org):
    ana = member(org, "ana@acme.test", "Ana Lima").user

    policy = actions.policy_create(
        organization=org, actor=SYSTEM, name="Twice", steps=[step(5, user_target(ana), user_target(ana))]
    )

    assert stored_steps(policy) == [(0, 5, ["user:ana@acme.test"])]


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        ([], ["Add at least one step: who is notified first."]),
        ([step(5)], ["Step 1: choose at least one person, schedule or team to notify."]),
        ([{"wait_minutes": 0, "targets": []}], [
            "Step 1: wait between 1 and 1440 minutes for an acknowledgement.",
            "Step 1: choose at least one person, schedule or team to notify.",
        ]),
        ([{"wait_minutes": 1441, "targets": []}], [
            "Step 1: wait between 1 and 1440 minutes for an acknowledgement.",
            "Step 1: choose at least one person, schedule or team to notify.",
        ]),
        ([{"wait_minutes": 5, "targets": [{"kind": "pager"}]}], ["Step 1: “pager” is not a target kind (user, schedule or team)."]),  # noqa: E501
    ],
)  # fmt: skip
def test_create_refuses_bad_steps_and_saves_nothing(org, steps, expected):
    with pytest.raises(ValidationError) as raised:
        actions.policy_create(organization=org, actor=SYSTEM, name="Broken", steps=steps)

    assert raised.value.message_dict == {"steps": expected}
    assert EscalationPolicy.objects.exists() is False
    assert AuditEvent.objects.filter(action="escalation_policy.created").exists() is False


def test_create_refuses_targets_of_another_org_and_saves_nothing(org, other_org):
    # Given a person, a team and a schedule that belong to another organization only
    outsider = member(other_org, "eve@globex.test", "Eve Globex").user
    their_team = TeamFactory(organization=other_org, name="Globex Ops", slug="globex-ops")
    their_schedule = schedule(other_org, "Globex primary", [outsider])

    # When a policy of this org names them
    with pytest.raises(ValidationError) as raised:
        actions.policy_create(
            organization=org,
            actor=SYSTEM,
            name="Leaky",
            steps=[
                step(5, user_target(outsider)),
                step(5, team_target(their_team)),
                step(5, schedule_target(their_schedule)),
            ],
        )

    # Then each is refused by step and nothing is stored
    assert raised.value.message_dict == {
        "steps": [
            "Step 1: eve@globex.test is not a member of this organization.",
            "Step 2: choose a team of this organization.",
            "Step 3: choose a schedule of this organization.",
        ]
    }
    assert EscalationPolicy.objects.exists() is False
    assert EscalationStepTarget.objects.exists() is False


def test_create_refuses_a_duplicate_or_reserved_slug_and_a_bad_repeat(org):
    ana = member(org, "ana@acme.test", "Ana Lima").user
    actions.policy_create(organization=org, actor=SYSTEM, name="Payments", steps=[step(5, user_target(ana))])

    with pytest.raises(ValidationError) as duplicate:
        actions.policy_create(
            organization=org, actor=SYSTEM, name="Payments", repeat_count=11, steps=[step(5, user_target(ana))]
        )
    with pytest.raises(ValidationError) as reserved:
        actions.policy_create(organization=org, actor=SYSTEM, name="New", steps=[step(5, user_target(ana))])

    assert duplicate.value.message_dict == {
        "slug": ["A policy with the slug “payments” already exists."],
        "repeat_count": ["Repeat the policy 0 to 10 times."],
    }
    assert reserved.value.message_dict == {"slug": ["“new” is reserved; choose another."]}
    assert list(EscalationPolicy.objects.values_list("slug", flat=True)) == ["payments"]


def test_the_same_slug_is_fine_in_another_org(org, other_org):
    ana = member(org, "ana@acme.test", "Ana Lima").user
    eve = member(other_org, "eve@globex.test", "Eve Globex").user
    actions.policy_create(organization=org, actor=SYSTEM, name="Payments", steps=[step(5, user_target(ana))])

    theirs = actions.policy_create(
        organization=other_org, actor=SYSTEM, name="Payments", steps=[step(5, user_target(eve))]
    )

    assert theirs.slug == "payments"


def test_update_replaces_the_steps_as_a_whole(org):
    ana = member(org, "ana@acme.test", "Ana Lima").user
    ben = member(org, "ben@acme.test", "Ben Ode").user
    policy = actions.policy_create(
        organization=org, actor=SYSTEM, name="P", steps=[step(5, user_target(ana)), step(10, user_target(ben))]
    )

    actions.policy_update(policy=policy, actor=SYSTEM, steps=[step(3, user_target(ben), user_target(ana))])

    assert stored_steps(policy) == [(0, 3, ["user:ben@acme.test", "user:ana@acme.test"])]
    event = AuditEvent.objects.for_org(org).get(action="escalation_policy.updated")
    assert list(event.changes) == ["steps"]


def test_a_refused_update_keeps_the_old_steps_and_name(org):
    ana = member(org, "ana@acme.test", "Ana Lima").user
    policy = actions.policy_create(organization=org, actor=SYSTEM, name="P", steps=[step(5, user_target(ana))])

    with pytest.raises(ValidationError):
        actions.policy_update(policy=policy, actor=SYSTEM, name="Renamed", steps=[step(5, user_target(ana)), step(5)])

    policy.refresh_from_db()
    assert policy.name == "P"
    assert stored_steps(policy) == [(0, 5, ["user:ana@acme.test"])]
    assert AuditEvent.objects.filter(action="escalation_policy.updated").exists() is False


def test_update_without_a_change_writes_nothing(org):
    ana = member(org, "ana@acme.test", "Ana Lima").user
    policy = actions.policy_create(organization=org, actor=SYSTEM, name="P", steps=[step(5, user_target(ana))])
    step_ids = list(EscalationStep.objects.values_list("pk", flat=True))

    actions.policy_update(policy=policy, actor=SYSTEM, name="P", repeat_count=0, steps=[step(5, user_target(ana))])

    assert list(EscalationStep.objects.values_list("pk", flat=True)) == step_ids
    assert AuditEvent.objects.filter(action="escalation_policy.updated").exists() is False


def test_delete_leaves_its_services_with_no_policy(org):
    ana = member(org, "ana@acme.test", "Ana Lima").user
    policy = actions.policy_create(organization=org, actor=SYSTEM, name="P", steps=[step(5, user_target(ana))])
    ledger = service_actions.service_create(organization=org, actor=SYSTEM, name="Ledger", escalation_policy=policy)

    services = actions.policy_delete(policy=policy, actor=SYSTEM)

    assert services == [ledger]
    assert Service.objects.get(pk=ledger.pk).escalation_policy_id is None
    assert EscalationPolicy.objects.exists() is False
    assert EscalationStep.objects.exists() is False
    event = AuditEvent.objects.for_org(org).get(action="escalation_policy.deleted")
    assert event.changes["services"] == {"before": ["ledger"], "after": []}
    assert event.changes["name"] == {"before": "P", "after": None}

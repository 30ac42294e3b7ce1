"""Who a policy's steps reach at an instant, and the paging hygiene reads built on that."""

from datetime import timedelta

import pytest
from django.utils import timezone

from oncall.actions import policies as actions
from oncall.models import EscalationStepTarget, ScheduleLayer
from oncall.selectors import policies as selectors
from orgs.models import Membership
from orgs.tenancy import Actor
from services import actions as service_actions
from tests.oncall.policy_helpers import member, schedule, schedule_target, step, team, team_target, user_target

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system()


def first_targets(policy) -> list[EscalationStepTarget]:
    return list(policy.steps.get(position=0).targets.order_by("pk"))


def test_step_target_users_resolves_a_person_a_team_and_a_schedule(org):
    # Given a person, a team of two and a schedule with Ben on call
    ana = member(org, "ana@acme.test", "Ana Lima").user
    ben = member(org, "ben@acme.test", "Ben Ode").user
    platform = team(org, "Platform", [ana, ben])
    primary = schedule(org, "Primary", [ben])
    policy = actions.policy_create(
        organization=org,
        actor=SYSTEM,
        name="P",
        steps=[step(5, user_target(ana), team_target(platform), schedule_target(primary))],
    )
    person, whole_team, oncall = first_targets(policy)
    now = timezone.now()

    # When each target is resolved now, then each gives its people
    assert selectors.step_target_users(target=person, at=now) == [ana]
    assert selectors.step_target_users(target=whole_team, at=now) == [ana, ben]
    assert selectors.step_target_users(target=oncall, at=now) == [ben]


def test_people_who_left_the_org_or_are_deactivated_are_not_reached(org):
    ana = member(org, "ana@acme.test", "Ana Lima").user
    ben = member(org, "ben@acme.test", "Ben Ode").user
    platform = team(org, "Platform", [ana, ben])
    policy = actions.policy_create(
        organization=org, actor=SYSTEM, name="P", steps=[step(5, user_target(ana), team_target(platform))]
    )
    person, whole_team = first_targets(policy)

    Membership.objects.filter(user=ana).delete()
    ben.is_active = False
    ben.save(update_fields=["is_active"])

    assert selectors.step_target_users(target=person, at=timezone.now()) == []
    assert selectors.step_target_users(target=whole_team, at=timezone.now()) == []


def test_a_schedule_with_nobody_on_call_reaches_nobody(org):
    empty = schedule(org, "Empty", [])
    policy = actions.policy_create(organization=org, actor=SYSTEM, name="P", steps=[step(5, schedule_target(empty))])

    assert selectors.step_target_users(target=first_targets(policy)[0], at=timezone.now()) == []
    assert selectors.policy_reachable(policy=policy, at=timezone.now()) is False


def test_policy_now_lists_who_each_step_would_page(org):
    ana = member(org, "ana@acme.test", "Ana Lima").user
    ben = member(org, "ben@acme.test", "Ben Ode").user
    empty_team = team(org, "Nobody", [])
    policy = actions.policy_create(
        organization=org,
        actor=SYSTEM,
        name="P",
        steps=[step(5, team_target(empty_team)), step(10, user_target(ben), user_target(ana), user_target(ben))],
    )
    policy = selectors.policy_get(organization=org, slug="p")

    steps = selectors.policy_now(policy=policy, at=timezone.now())

    assert [(s.step.position, [[u.email for u in users] for _, users in s.targets]) for s in steps] == [
        (0, [[]]),
        (1, [["ben@acme.test"], ["ana@acme.test"]]),
    ]
    assert [u.email for u in steps[1].users] == ["ben@acme.test", "ana@acme.test"]
    assert selectors.policy_reachable(policy=policy, at=timezone.now()) is True


def test_services_unreachable_names_services_with_no_policy_or_a_policy_reaching_nobody(org):
    # Given one service per case: no policy, a policy reaching nobody, a working policy, and an archived one
    ana = member(org, "ana@acme.test", "Ana Lima").user
    working = actions.policy_create(organization=org, actor=SYSTEM, name="Working", steps=[step(5, user_target(ana))])
    hollow = actions.policy_create(
        organization=org, actor=SYSTEM, name="Hollow", steps=[step(5, team_target(team(org, "Ghosts", [])))]
    )
    create = service_actions.service_create
    create(organization=org, actor=SYSTEM, name="Orphan", tier=2)
    create(organization=org, actor=SYSTEM, name="Hollow svc", tier=1, escalation_policy=hollow)
    create(organization=org, actor=SYSTEM, name="Fine", tier=1, escalation_policy=working)
    archived = create(organization=org, actor=SYSTEM, name="Old", tier=1)
    service_actions.service_archive(service=archived, actor=SYSTEM)

    # When hygiene asks who would be paged for nobody
    found = selectors.services_unreachable(organization=org, at=timezone.now())

    # Then the live unreachable ones are listed, most critical first, with the reason
    assert [(s.slug, s.paging_gap) for s in found] == [("hollow-svc", "unreachable"), ("orphan", "no_policy")]


def test_service_oncall_now_is_the_first_step_that_reaches_someone(org):
    ana = member(org, "ana@acme.test", "Ana Lima").user
    ben = member(org, "ben@acme.test", "Ben Ode").user
    primary = schedule(org, "Primary", [])
    policy = actions.policy_create(
        organization=org,
        actor=SYSTEM,
        name="P",
        steps=[step(5, schedule_target(primary)), step(5, user_target(ben), user_target(ana))],
    )
    ledger = service_actions.service_create(organization=org, actor=SYSTEM, name="Ledger", escalation_policy=policy)
    orphan = service_actions.service_create(organization=org, actor=SYSTEM, name="Orphan")

    assert selectors.service_oncall_now(service=ledger, at=timezone.now()) == [ben, ana]
    assert selectors.service_oncall_now(service=orphan, at=timezone.now()) == []


def test_schedules_with_gaps_finds_schedules_with_nobody_on_call_in_the_window(org):
    # Given a staffed schedule, an empty one, and one whose only layer ends in three days
    ana = member(org, "ana@acme.test", "Ana Lima").user
    schedule(org, "Staffed", [ana])
    schedule(org, "Empty", [])
    ending = schedule(org, "Ending", [ana])
    ScheduleLayer.objects.filter(schedule=ending).update(end_date=timezone.now().date() + timedelta(days=3))
    start = timezone.now()

    # When hygiene looks two weeks ahead
    found = selectors.schedules_with_gaps(organization=org, start=start)

    # Then the empty schedule is a gap from now to the end, and the ending one gaps after its end
    assert [item.schedule.slug for item in found] == ["empty", "ending"]
    assert found[0].gaps == [(start, start + timedelta(days=14))]
    assert found[1].gaps[-1][1] == start + timedelta(days=14)

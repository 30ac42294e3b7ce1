"""schedule.handoff: the minute beat that tells people their shift started (oncall.tasks.handoffs_notify) also
publishes one event per schedule and hand-off, in the transaction that moves the schedule's
`handoffs_notified_until` past it: a rerun for the same minute (or any later one) publishes nothing more."""

from datetime import UTC, date, datetime, time

import pytest
import time_machine

from core import events
from oncall import tasks
from oncall.actions import schedules as actions
from oncall.events import ScheduleHandoff
from oncall.models import Schedule
from orgs.models import MembershipRole
from orgs.tenancy import Actor

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def override(schedule, user, starts_at: datetime, ends_at: datetime) -> None:
    """Made the day before (an override must end in the future when it is made)."""
    with time_machine.travel(utc(2025, 6, 2), tick=False):
        actions.override_create(schedule=schedule, actor=SYSTEM, user=user, starts_at=starts_at, ends_at=ends_at)


@pytest.fixture
def people(org, owner, make_member):
    alice = make_member(org, MembershipRole.RESPONDER, email="alice@acme.test").user
    bob = make_member(org, MembershipRole.RESPONDER, email="bob@acme.test").user
    return alice, bob


@pytest.fixture
def schedule(org, people):
    """Alice and Bob take turns daily at 09:00 London (08:00 UTC in June): Bob from June 3rd."""
    schedule = actions.schedule_create(
        organization=org, actor=SYSTEM, name="Payments primary", time_zone="Europe/London"
    )
    actions.layer_create(
        schedule=schedule,
        actor=SYSTEM,
        users=list(people),
        name="Primary",
        rotation="daily",
        handoff_time=time(9),
        start_date=date(2025, 6, 2),
    )
    Schedule.objects.filter(pk=schedule.pk).update(handoffs_notified_until=utc(2025, 6, 3, 7, 59))
    return schedule


def handoffs(published: list) -> list[ScheduleHandoff]:
    return [e for e in published if isinstance(e, ScheduleHandoff)]


def test_the_minute_task_publishes_the_handoff_once(org, people, schedule, published):
    alice, bob = people

    with time_machine.travel(utc(2025, 6, 3, 8, 0, 30), tick=False):
        assert tasks.handoffs_notify() == 1
        assert tasks.handoffs_notify() == 0  # the same minute again
    with time_machine.travel(utc(2025, 6, 3, 8, 1, 30), tick=False):
        assert tasks.handoffs_notify() == 0

    assert handoffs(published) == [
        ScheduleHandoff(
            organization_id=org.pk,
            schedule_id=schedule.pk,
            schedule_slug="payments-primary",
            schedule_name="Payments primary",
            at=utc(2025, 6, 3, 8, 0),
            user_ids=(bob.pk,),
            previous_user_ids=(alice.pk,),
        )
    ]

    published.clear()
    with time_machine.travel(utc(2025, 6, 4, 8, 0, 10), tick=False):  # the next day's hand-off, back to Alice
        Schedule.objects.filter(pk=schedule.pk).update(handoffs_notified_until=utc(2025, 6, 4, 7, 59))
        tasks.handoffs_notify()
    assert [(e.at, e.user_ids, e.previous_user_ids) for e in handoffs(published)] == [
        (utc(2025, 6, 4, 8, 0), (alice.pk,), (bob.pk,))
    ]


def test_an_override_hands_off_twice_and_a_window_with_none_publishes_nothing(org, people, schedule, published):
    alice, bob = people
    override(schedule, alice, utc(2025, 6, 3, 12), utc(2025, 6, 3, 14))
    Schedule.objects.filter(pk=schedule.pk).update(handoffs_notified_until=utc(2025, 6, 3, 11, 30))

    actions.handoffs_notify(now=utc(2025, 6, 3, 11, 45))  # no shift starts in (11:30, 11:45]
    assert handoffs(published) == []
    actions.handoffs_notify(now=utc(2025, 6, 3, 12, 0, 20))
    actions.handoffs_notify(now=utc(2025, 6, 3, 13, 0))
    actions.handoffs_notify(now=utc(2025, 6, 3, 14, 0, 5))

    assert [(e.at, e.user_ids, e.previous_user_ids) for e in handoffs(published)] == [
        (utc(2025, 6, 3, 12), (alice.pk,), (bob.pk,)),
        (utc(2025, 6, 3, 14), (bob.pk,), (alice.pk,)),
    ]


def test_the_same_person_continuing_is_no_handoff(org, people, published):
    alice, _ = people
    solo = actions.schedule_create(organization=org, actor=SYSTEM, name="Solo", time_zone="UTC")
    actions.layer_create(
        schedule=solo, actor=SYSTEM, users=[alice], name="Only", rotation="daily", handoff_time=time(9),
        start_date=date(2025, 6, 2),
    )  # fmt: skip
    override(solo, alice, utc(2025, 6, 3, 9), utc(2025, 6, 3, 10))
    Schedule.objects.filter(pk=solo.pk).update(handoffs_notified_until=utc(2025, 6, 3, 8, 59))

    actions.handoffs_notify(now=utc(2025, 6, 3, 9, 0, 30))  # Alice's override starts while Alice is on call
    actions.handoffs_notify(now=utc(2025, 6, 3, 10, 0, 30))  # back to Alice's layer shift

    assert handoffs(published) == []


def test_the_first_shift_after_nobody_hands_off_from_no_one(org, people, published):
    alice, _ = people
    late = actions.schedule_create(organization=org, actor=SYSTEM, name="Starts later", time_zone="UTC")
    actions.layer_create(
        schedule=late, actor=SYSTEM, users=[alice], name="Only", rotation="daily", handoff_time=time(9),
        start_date=date(2025, 6, 3),
    )  # fmt: skip
    Schedule.objects.filter(pk=late.pk).update(handoffs_notified_until=utc(2025, 6, 3, 8, 59))

    actions.handoffs_notify(now=utc(2025, 6, 3, 9, 0, 30))

    assert [(e.schedule_slug, e.user_ids, e.previous_user_ids) for e in handoffs(published)] == [
        ("starts-later", (alice.pk,), ())
    ]


@pytest.mark.django_db(transaction=True)
def test_the_event_and_the_stamp_commit_together(org, people, schedule):
    """An in-transaction reaction that fails undoes the stamp too: the next minute announces the hand-off."""
    seen: list[datetime] = []

    def refuse(event: ScheduleHandoff) -> None:
        raise RuntimeError("the reaction failed")

    with events.isolated_subscriptions():
        events.subscribe("schedule.handoff", refuse, when="in_transaction")
        with pytest.raises(RuntimeError):
            actions.handoffs_notify(now=utc(2025, 6, 3, 8, 0, 30))
    assert Schedule.objects.get(pk=schedule.pk).handoffs_notified_until == utc(2025, 6, 3, 7, 59)

    with events.isolated_subscriptions():
        events.subscribe("schedule.handoff", lambda e: seen.append(e.at), when="in_transaction")
        actions.handoffs_notify(now=utc(2025, 6, 3, 8, 1, 30))
        actions.handoffs_notify(now=utc(2025, 6, 3, 8, 1, 30))
    assert seen == [utc(2025, 6, 3, 8, 0)]

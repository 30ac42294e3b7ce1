"""Schedule actions and selectors on the database: validation and tenancy of every person named, who is on
call from stored rows (removed members drop out), "my shifts", deleting a schedule a policy pages, calendar
feed secrets, and hand-off notices (idempotent, bounded)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from notifications.models import Notification
from oncall import ical
from oncall.actions import schedules as actions
from oncall.models import (
    EscalationPolicy,
    EscalationStep,
    EscalationStepTarget,
    Schedule,
    ScheduleLayer,
    ScheduleOverride,
)
from oncall.selectors import schedules as selectors
from orgs.models import AuditEvent, Membership, MembershipRole
from orgs.tenancy import Actor
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def people(org, owner, make_member):
    alice = make_member(org, MembershipRole.RESPONDER, email="alice@acme.test").user
    bob = make_member(org, MembershipRole.RESPONDER, email="bob@acme.test").user
    return alice, bob


def make_schedule(org, name="Payments primary", time_zone="Europe/London", **fields):
    return actions.schedule_create(organization=org, actor=SYSTEM, name=name, time_zone=time_zone, **fields)


def add_layer(schedule, users, **fields):
    defaults = {"name": "Primary", "rotation": "daily", "handoff_time": time(9), "start_date": date(2025, 1, 6)}
    return actions.layer_create(schedule=schedule, actor=SYSTEM, users=users, **{**defaults, **fields})


# --- schedules -------------------------------------------------------------------------------------------


def test_create_derives_the_slug_and_records_an_audit_event(org):
    schedule = make_schedule(org, name="Payments Primary!")

    assert (schedule.slug, schedule.time_zone) == ("payments-primary", "Europe/London")
    assert (
        AuditEvent.objects.filter(organization=org, action="schedule.created", target_id=str(schedule.uuid)).count()
        == 1
    )


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"name": "  "}, {"name": ["Name the schedule, e.g. “Payments primary”."]}),
        (
            {"name": "X", "time_zone": "Mars/Olympus"},
            {"time_zone": ["“Mars/Olympus” is not a time zone name (for example Europe/London)."]},
        ),
        ({"name": "X", "slug": "new"}, {"slug": ["“new” is reserved; choose another slug."]}),
    ],
)
def test_create_refuses_bad_input_and_saves_nothing(org, fields, errors):
    with pytest.raises(ValidationError) as caught:
        actions.schedule_create(organization=org, actor=SYSTEM, **fields)

    assert caught.value.message_dict == errors
    assert Schedule.objects.for_org(org).exists() is False


def test_create_refuses_a_taken_slug_and_another_orgs_team(org, other_org):
    make_schedule(org)

    with pytest.raises(ValidationError) as caught:
        make_schedule(org, owner_team=TeamFactory(organization=other_org))

    assert caught.value.message_dict == {
        "slug": ["A schedule with the slug “payments-primary” already exists."],
        "owner_team": ["Choose a team of this organization."],
    }
    assert Schedule.objects.for_org(org).count() == 1


def test_update_records_what_changed(org):
    schedule = make_schedule(org)

    schedule = actions.schedule_update(schedule=schedule, actor=SYSTEM, time_zone="America/New_York", name="Payments")

    event = AuditEvent.objects.get(organization=org, action="schedule.updated")
    assert (schedule.name, schedule.slug, schedule.time_zone) == ("Payments", "payments-primary", "America/New_York")
    assert event.changes == {
        "name": {"before": "Payments primary", "after": "Payments"},
        "time_zone": {"before": "Europe/London", "after": "America/New_York"},
    }


def test_delete_is_refused_while_a_policy_pages_the_schedule(org):
    schedule = make_schedule(org)
    policy = EscalationPolicy.objects.create(organization=org, name="Payments escalation", slug="payments")
    step = EscalationStep.objects.create(organization=org, policy=policy, position=0)
    EscalationStepTarget.objects.create(organization=org, step=step, kind="schedule", schedule=schedule)

    with pytest.raises(ValidationError) as caught:
        actions.schedule_delete(schedule=schedule, actor=SYSTEM)

    assert caught.value.messages == [
        "Escalation policies page this schedule: Payments escalation. Change their steps first, so that no page "
        "goes nowhere."
    ]
    assert Schedule.objects.filter(pk=schedule.pk).exists() is True


def test_delete_removes_layers_and_overrides(org, people):
    alice, bob = people
    schedule = make_schedule(org)
    add_layer(schedule, [alice])
    actions.override_create(
        schedule=schedule,
        actor=SYSTEM,
        user=bob,
        starts_at=timezone.now() + timedelta(hours=1),
        ends_at=timezone.now() + timedelta(hours=2),
    )

    actions.schedule_delete(schedule=schedule, actor=SYSTEM)

    assert (ScheduleLayer.objects.for_org(org).count(), ScheduleOverride.objects.for_org(org).count()) == (0, 0)


# --- layers ----------------------------------------------------------------------------------------------


def test_layer_keeps_participants_in_turn_order_and_stacks_on_top(org, people):
    alice, bob = people
    schedule = make_schedule(org)

    bottom = add_layer(schedule, [bob, alice])
    top = add_layer(
        schedule,
        [alice],
        name="Business hours",
        restrictions=[{"weekdays": [4, 0, 0], "start": "08:00", "end": "18:00"}],
    )

    assert [m.user for m in bottom.members.order_by("position")] == [bob, alice]
    assert (bottom.position, top.position) == (0, 1)
    assert top.restrictions == [{"weekdays": [0, 4], "start": "08:00", "end": "18:00"}]


def test_layer_refuses_a_person_of_another_org_and_saves_nothing(org, people, other_member):
    alice, _ = people
    schedule = make_schedule(org)

    with pytest.raises(ValidationError) as caught:
        add_layer(schedule, [alice, other_member.user])

    assert caught.value.message_dict == {"members": ["Choose members of this organization."]}
    assert ScheduleLayer.objects.for_org(org).exists() is False


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"restrictions": [{"weekdays": [7], "start": "08:00", "end": "18:00"}]},
            {"restrictions": ["Window 1: weekdays is a non-empty list of 0 (Monday) to 6 (Sunday)."]},
        ),
        (
            {"restrictions": [{"weekdays": [1], "start": "8am", "end": "18:00"}]},
            {"restrictions": ["Window 1: start and end are times as HH:MM (24-hour)."]},
        ),
        (
            {"restrictions": "weekdays"},
            {
                "restrictions": [
                    'A list of windows such as {"weekdays": [0, 1, 2, 3, 4], "start": "08:00", "end": "18:00"}.'
                ]
            },
        ),
        (
            {"end_date": date(2025, 1, 6)},
            {"end_date": ["The end date must be after the start date (or leave it empty)."]},
        ),
        ({"rotation": "custom", "shift_hours": 0}, {"shift_hours": ["A custom rotation's shift is 1 to 672 hours."]}),
    ],
)
def test_layer_refuses_bad_input(org, people, fields, errors):
    schedule = make_schedule(org)

    with pytest.raises(ValidationError) as caught:
        add_layer(schedule, [people[0]], **fields)

    assert caught.value.message_dict == errors
    assert ScheduleLayer.objects.for_org(org).exists() is False


def test_layer_update_replaces_participants_and_move_swaps_positions(org, people):
    alice, bob = people
    schedule = make_schedule(org)
    first = add_layer(schedule, [alice])
    second = add_layer(schedule, [bob], name="Second")

    actions.layer_update(layer=first, actor=SYSTEM, users=[bob, alice], rotation="weekly")
    actions.layer_move(layer=first, actor=SYSTEM, up=True)

    first.refresh_from_db()
    second.refresh_from_db()
    assert [m.user for m in first.members.order_by("position")] == [bob, alice]
    assert (first.rotation, first.position, second.position) == ("weekly", 1, 0)


# --- overrides -------------------------------------------------------------------------------------------


def test_override_refuses_bad_times_self_cover_and_outsiders(org, people, other_member):
    alice, _ = people
    schedule = make_schedule(org)
    later = timezone.now() + timedelta(hours=2)

    with pytest.raises(ValidationError) as caught:
        actions.override_create(
            schedule=schedule,
            actor=SYSTEM,
            user=alice,
            covers=alice,
            starts_at=later,
            ends_at=later - timedelta(hours=1),
        )
    with pytest.raises(ValidationError) as outsider:
        actions.override_create(
            schedule=schedule,
            actor=SYSTEM,
            user=other_member.user,
            starts_at=later,
            ends_at=later + timedelta(hours=1),
        )
    with pytest.raises(ValidationError) as past:
        actions.override_create(
            schedule=schedule, actor=SYSTEM, user=alice, starts_at=utc(2020, 1, 1), ends_at=utc(2020, 1, 2)
        )

    assert caught.value.message_dict == {
        "ends_at": ["The end must be after the start."],
        "covers": ["A person cannot cover themselves; leave “covers” empty or pick someone else."],
    }
    assert outsider.value.message_dict == {"user": ["Choose members of this organization."]}
    assert past.value.message_dict == {"ends_at": ["This override would be over already; pick a time in the future."]}
    assert ScheduleOverride.objects.for_org(org).exists() is False


# --- who is on call from the rows ------------------------------------------------------------------------


def test_oncall_users_apply_layers_and_overrides_from_the_database(org, people):
    alice, bob = people
    schedule = make_schedule(org, time_zone="UTC")
    add_layer(schedule, [alice, bob], start_date=date(2025, 1, 6), handoff_time=time(0))
    ScheduleOverride.objects.create(
        organization=org,
        schedule=schedule,
        user=alice,
        covers=bob,
        starts_at=utc(2025, 1, 7, 12),
        ends_at=utc(2025, 1, 7, 14),
    )

    assert selectors.schedule_oncall_users(schedule=schedule, at=utc(2025, 1, 6, 12)) == [alice]
    assert selectors.schedule_oncall_users(schedule=schedule, at=utc(2025, 1, 7, 11)) == [bob]
    assert selectors.schedule_oncall_users(schedule=schedule, at=utc(2025, 1, 7, 13)) == [alice]
    assert selectors.schedule_oncall_users(schedule=schedule, at=utc(2025, 1, 5, 12)) == []


def test_a_member_removed_from_the_org_leaves_every_rotation(org, people):
    alice, bob = people
    schedule = make_schedule(org, time_zone="UTC")
    add_layer(schedule, [alice, bob], start_date=date(2025, 1, 6), handoff_time=time(0))

    Membership.objects.filter(organization=org, user=bob).delete()

    # Bob's day (the 7th) now goes to Alice, the only participant left
    assert selectors.schedule_oncall_users(schedule=schedule, at=utc(2025, 1, 7, 12)) == [alice]


def test_schedule_with_no_layer_has_nobody_and_one_gap(org):
    schedule = make_schedule(org)

    assert selectors.schedule_oncall_users(schedule=schedule, at=timezone.now()) == []
    assert selectors.schedule_gaps(schedule=schedule, start=utc(2025, 1, 1), end=utc(2025, 1, 2)) == [
        (utc(2025, 1, 1), utc(2025, 1, 2))
    ]


def test_user_shifts_lists_one_persons_shifts_across_schedules_by_time(org, people, other_org):
    alice, bob = people
    days = make_schedule(org, name="Days", time_zone="UTC")
    nights = make_schedule(org, name="Nights", time_zone="UTC")
    add_layer(days, [alice, bob], start_date=date(2025, 1, 6), handoff_time=time(8))
    add_layer(nights, [bob, alice], start_date=date(2025, 1, 6), handoff_time=time(20))

    found = selectors.user_shifts(organization=org, user=alice, start=utc(2025, 1, 6), end=utc(2025, 1, 8))

    assert [(s.name, shift.starts_at, shift.ends_at) for s, shift in found] == [
        ("Days", utc(2025, 1, 6, 8), utc(2025, 1, 7, 8)),
        ("Nights", utc(2025, 1, 7, 20), utc(2025, 1, 8)),
    ]
    assert selectors.user_shifts(organization=other_org, user=alice, start=utc(2025, 1, 6), end=utc(2025, 1, 8)) == []


# --- calendar feed secrets -------------------------------------------------------------------------------


def test_regenerating_the_feed_secret_invalidates_the_old_url(org, people):
    alice, _ = people
    profile = actions.feed_regenerate(organization=org, user=alice, actor=SYSTEM)
    old = ical.feed_token(profile)

    profile = actions.feed_regenerate(organization=org, user=alice, actor=SYSTEM)
    new = ical.feed_token(profile)

    assert new != old
    assert selectors.profile_for_feed_token(token=old) is None
    assert selectors.profile_for_feed_token(token=new) == profile
    assert selectors.profile_for_feed_token(token=new[:-1] + ("A" if new[-1] != "A" else "B")) is None
    assert selectors.profile_for_feed_token(token="not-a-token") is None


def test_feed_secret_stops_working_when_the_member_leaves(org, people):
    alice, _ = people
    token = ical.feed_token(actions.feed_regenerate(organization=org, user=alice, actor=SYSTEM))

    Membership.objects.filter(organization=org, user=alice).delete()

    assert selectors.profile_for_feed_token(token=token) is None


# --- hand-off notices ------------------------------------------------------------------------------------


@pytest.fixture
def handoff_schedule(org, people):
    alice, bob = people
    schedule = make_schedule(org, time_zone="Europe/London")
    add_layer(schedule, [alice, bob], start_date=date(2025, 6, 2), handoff_time=time(9))  # 08:00 UTC in BST
    return schedule


def test_handoff_tells_the_incoming_person_once(
    org, people, handoff_schedule, enqueued, django_capture_on_commit_callbacks
):
    _, bob = people
    Schedule.objects.filter(pk=handoff_schedule.pk).update(handoffs_notified_until=utc(2025, 6, 3, 7, 59))

    with django_capture_on_commit_callbacks(execute=True):
        told = actions.handoffs_notify(now=utc(2025, 6, 3, 8, 0, 30))
    again = actions.handoffs_notify(now=utc(2025, 6, 3, 8, 1, 30))

    notification = Notification.objects.get(organization=org)
    assert (told, again) == (1, 0)
    assert (notification.user, notification.reason, notification.channel, notification.address) == (
        bob,
        "handoff",
        "email",
        "bob@acme.test",
    )
    assert (
        notification.idempotency_key
        == f"handoff:{handoff_schedule.uuid}:2025-06-03T08:00:00+00:00:{bob.pk}:account-email"
    )
    assert notification.subject == (
        "You are on call for Payments primary from Tue 03 Jun 09:00 to Wed 04 Jun 09:00 (Europe/London)"
    )
    assert enqueued.names == ["notifications.tasks.notification_deliver"]
    handoff_schedule.refresh_from_db()
    assert handoff_schedule.handoffs_notified_until == utc(2025, 6, 3, 8, 1, 30)


def test_handoff_replayed_after_a_crash_creates_no_second_notice(
    org, handoff_schedule, enqueued, django_capture_on_commit_callbacks
):
    Schedule.objects.filter(pk=handoff_schedule.pk).update(handoffs_notified_until=utc(2025, 6, 3, 7, 59))
    actions.handoffs_notify(now=utc(2025, 6, 3, 8, 0, 30))
    # the stamp is lost (e.g. the worker died before committing it elsewhere): the same window runs again
    Schedule.objects.filter(pk=handoff_schedule.pk).update(handoffs_notified_until=utc(2025, 6, 3, 7, 59))

    with django_capture_on_commit_callbacks(execute=True):
        actions.handoffs_notify(now=utc(2025, 6, 3, 8, 0, 30))

    assert Notification.objects.filter(organization=org).count() == 1
    assert enqueued.calls == []


def test_handoff_looks_back_at_most_an_hour(org, handoff_schedule):
    # The beat was down for three hours: the 08:00 UTC hand-off is more than an hour old and is not announced
    Schedule.objects.filter(pk=handoff_schedule.pk).update(handoffs_notified_until=utc(2025, 6, 3, 6))

    told = actions.handoffs_notify(now=utc(2025, 6, 3, 9, 30))

    assert told == 0
    assert Notification.objects.filter(organization=org).exists() is False


def test_first_run_looks_back_five_minutes(org, people, handoff_schedule):
    _, bob = people

    assert actions.handoffs_notify(now=utc(2025, 6, 3, 8, 6)) == 0  # (08:01, 08:06]: the 08:00 hand-off is older
    Schedule.objects.filter(pk=handoff_schedule.pk).update(handoffs_notified_until=None)
    assert actions.handoffs_notify(now=utc(2025, 6, 3, 8, 4)) == 1
    assert Notification.objects.get(organization=org).user == bob

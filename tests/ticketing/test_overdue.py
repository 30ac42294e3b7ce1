"""follow_up.overdue: the hourly beat task announces each open follow-up whose due date passed (due_date < today in
UTC), once per due date: a rerun announces nothing more, a moved due date is announced again once it passes, and
the mark and the event commit together."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from core import events
from ticketing import actions, tasks
from ticketing.events import FollowUpOverdue
from ticketing.models import FollowUp

pytestmark = pytest.mark.django_db


def overdue(published: list) -> list[FollowUpOverdue]:
    return [e for e in published if isinstance(e, FollowUpOverdue)]


def announcement(follow_up: FollowUp) -> FollowUpOverdue:
    return FollowUpOverdue(
        organization_id=follow_up.organization_id,
        follow_up_id=follow_up.pk,
        number=follow_up.number,
        title=follow_up.title,
        due_date=follow_up.due_date,
        incident_id=follow_up.incident_id,
        assignee_id=follow_up.owner_id,
        priority=follow_up.priority,
    )


def create(scene, title: str, due: date | None, **fields) -> FollowUp:
    return actions.follow_up_create(organization=scene.org, actor=scene.actor(), title=title, due_date=due, **fields)


@time_machine.travel(datetime(2026, 12, 7, 0, 30, tzinfo=UTC), tick=False)
def test_the_task_announces_open_follow_ups_past_their_due_date_once(scene, other_org, published):
    incident = scene.declare()
    yesterday, today = date(2026, 12, 6), date(2026, 12, 7)
    late = create(scene, "Add a canary", yesterday, incident=incident, owner=scene.owner.user, priority="high")
    create(scene, "Due today", today)
    done = create(scene, "Done already", yesterday - timedelta(days=3))
    actions.follow_up_update(follow_up=done, actor=scene.actor(), status="done")
    create(scene, "No due date", None)
    started = create(scene, "Rotate the keys", yesterday - timedelta(days=2), status="in_progress")
    elsewhere = actions.follow_up_create(
        organization=other_org, actor=scene.actor(), title="Globex's", due_date=yesterday
    )
    updated_at = FollowUp.objects.get(pk=late.pk).updated_at
    published.clear()

    assert tasks.follow_ups_overdue_announce() == 3

    assert overdue(published) == [announcement(late), announcement(started), announcement(elsewhere)]
    assert overdue(published)[0] == FollowUpOverdue(
        organization_id=scene.org.pk,
        follow_up_id=late.pk,
        number=1,
        title="Add a canary",
        due_date=date(2026, 12, 6),
        incident_id=incident.pk,
        assignee_id=scene.owner.user.pk,
        priority="high",
    )
    assert (overdue(published)[1].incident_id, overdue(published)[1].assignee_id) == (None, None)
    marked = dict(FollowUp.objects.values_list("title", "overdue_announced_for"))
    assert marked == {
        "Add a canary": yesterday,
        "Due today": None,
        "Done already": None,
        "No due date": None,
        "Rotate the keys": date(2026, 12, 4),
        "Globex's": yesterday,
    }
    assert FollowUp.objects.get(pk=late.pk).updated_at == updated_at  # bookkeeping, not an edit

    published.clear()
    assert tasks.follow_ups_overdue_announce() == 0
    assert tasks.follow_ups_overdue_announce() == 0
    assert overdue(published) == []


def test_a_moved_due_date_is_announced_again_once_it_passes(scene, published):
    late = create(scene, "Add a canary", date(2026, 12, 6))
    assert actions.follow_ups_overdue_announce(today=date(2026, 12, 7)) == 1

    late = actions.follow_up_update(follow_up=late, actor=scene.actor(), due_date=date(2026, 12, 10))
    published.clear()
    assert actions.follow_ups_overdue_announce(today=date(2026, 12, 10)) == 0  # not passed yet (due today)
    assert actions.follow_ups_overdue_announce(today=date(2026, 12, 11)) == 1
    assert actions.follow_ups_overdue_announce(today=date(2026, 12, 12)) == 0
    assert overdue(published) == [announcement(FollowUp.objects.get(pk=late.pk))]
    assert overdue(published)[0].due_date == date(2026, 12, 10)


def test_closed_then_reopened_is_announced_only_for_a_due_date_not_announced_yet(scene, published):
    late = create(scene, "Add a canary", date(2026, 12, 6))
    actions.follow_up_update(follow_up=late, actor=scene.actor(), status="wont_do")
    assert actions.follow_ups_overdue_announce(today=date(2026, 12, 7)) == 0
    actions.follow_up_update(follow_up=late, actor=scene.actor(), status="open")
    assert actions.follow_ups_overdue_announce(today=date(2026, 12, 8)) == 1
    actions.follow_up_update(follow_up=late, actor=scene.actor(), status="done")
    actions.follow_up_update(follow_up=late, actor=scene.actor(), status="open")
    assert actions.follow_ups_overdue_announce(today=date(2026, 12, 9)) == 0  # this due date was announced


def test_batches_announce_every_follow_up_exactly_once(scene, published):
    made = [create(scene, f"Item {n}", date(2026, 12, 1) + timedelta(days=n % 3)) for n in range(7)]

    assert actions.follow_ups_overdue_announce(today=date(2026, 12, 7), batch_size=2) == 7
    assert sorted(e.follow_up_id for e in overdue(published)) == sorted(f.pk for f in made)
    assert actions.follow_ups_overdue_announce(today=date(2026, 12, 7), batch_size=2) == 0


@pytest.mark.django_db(transaction=True)
def test_the_mark_and_the_event_commit_together(scene):
    """A subscriber that fails in the transaction undoes the mark: the next run announces the follow-up again."""
    late = create(scene, "Add a canary", date(2026, 12, 6))
    seen: list[int] = []

    def refuse(event: FollowUpOverdue) -> None:
        raise RuntimeError("the reaction failed")

    def record(event: FollowUpOverdue) -> None:
        seen.append(event.follow_up_id)

    with events.isolated_subscriptions():
        events.subscribe("follow_up.overdue", refuse, when="in_transaction")
        with pytest.raises(RuntimeError):
            actions.follow_ups_overdue_announce(today=date(2026, 12, 7))
    assert FollowUp.objects.get(pk=late.pk).overdue_announced_for is None

    with events.isolated_subscriptions():
        events.subscribe("follow_up.overdue", record, when="in_transaction")
        assert actions.follow_ups_overdue_announce(today=date(2026, 12, 7)) == 1
        assert actions.follow_ups_overdue_announce(today=date(2026, 12, 7)) == 0
    assert seen == [late.pk]
    assert FollowUp.objects.get(pk=late.pk).overdue_announced_for == date(2026, 12, 6)

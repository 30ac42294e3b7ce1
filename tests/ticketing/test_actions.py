"""Follow-up actions: per-org numbers, the incident's timeline, completion stamps, org checks, and the order
lists use (overdue first)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents.models import TimelineEvent, TimelineKind
from orgs.models import AuditEvent
from orgs.tenancy import Actor
from ticketing import actions, selectors
from ticketing.models import FollowUp

pytestmark = pytest.mark.django_db


def create(scene, title="Add a canary stage", **fields):
    return actions.follow_up_create(organization=scene.org, actor=scene.actor(), title=title, **fields)


def test_follow_ups_are_numbered_per_org_and_recorded_on_the_incident(scene, other_org):
    incident = scene.declare()

    first = create(scene, incident=incident, owner=scene.owner.user, priority="high")
    second = create(scene, "Document the rollback")
    elsewhere = actions.follow_up_create(organization=other_org, actor=Actor.system(), title="Globex task")

    assert (first.reference, second.reference, elsewhere.reference) == ("FU-1", "FU-2", "FU-1")
    event = TimelineEvent.objects.get(incident=incident, kind=TimelineKind.FOLLOW_UP_ADDED)
    assert event.payload == {
        "title": "Add a canary stage",
        "reference": "FU-1",
        "path": "/o/acme/follow-ups/1/",
        "assignee": scene.owner.user.display_name,
    }
    assert list(AuditEvent.objects.for_org(scene.org).filter(action="follow_up.created").order_by("id").values_list(
        "target_type", "target_id")) == [("incident", "1"), ("follow_up", "2")]  # fmt: skip


def test_an_action_item_of_a_retrospective_belongs_to_its_incident(scene):
    incident = scene.declare()
    retrospective = scene.retro(incident)

    follow_up = create(scene, incident=retrospective.incident, source="retrospective")

    assert (follow_up.incident, follow_up.source, follow_up.is_action_item) == (incident, "retrospective", True)
    with pytest.raises(ValidationError) as refused:
        create(scene, source="retrospective")
    assert refused.value.message_dict == {"incident": ["An action item belongs to the incident it came from."]}


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"title": "  "}, {"title": ["Say what needs to be done."]}),
        ({"priority": "p0"}, {"priority": ["Choose one of urgent, high, medium, low."]}),
        ({"status": "closed"}, {"status": ["Choose one of open, in_progress, done, wont_do."]}),
    ],
)
def test_invalid_follow_ups_are_refused_and_nothing_is_saved(scene, fields, errors):
    with pytest.raises(ValidationError) as refused:
        actions.follow_up_create(organization=scene.org, actor=scene.actor(), **{"title": "Fix it", **fields})

    assert refused.value.message_dict == errors
    assert FollowUp.objects.exists() is False


def test_other_orgs_people_and_incidents_are_refused(scene, other_org, other_member):
    foreign_incident = scene.declare()
    foreign_incident.organization = other_org  # as if it were Globex's

    with pytest.raises(ValidationError) as person:
        create(scene, owner=other_member.user)
    with pytest.raises(ValidationError) as incident:
        create(scene, incident=foreign_incident)

    assert person.value.message_dict == {"owner": ["Choose a member of this organization."]}
    assert incident.value.message_dict == {"incident": ["Choose an incident of this organization."]}
    assert FollowUp.objects.exists() is False


def test_done_and_wont_do_stamp_completion_and_reopening_clears_it(scene):
    follow_up = create(scene)

    done = actions.follow_up_update(follow_up=follow_up, actor=scene.actor(), status="done")
    stamp = done.completed_at
    wont = actions.follow_up_update(follow_up=follow_up, actor=scene.actor(), status="wont_do")
    reopened = actions.follow_up_update(follow_up=follow_up, actor=scene.actor(), status="in_progress")

    assert stamp is not None
    assert wont.completed_at == stamp  # still finished: the first finish time stays
    assert reopened.completed_at is None
    assert AuditEvent.objects.filter(action="follow_up.updated").order_by("id").first().changes == {
        "status": {"before": "open", "after": "done"}
    }


def test_an_action_item_cannot_move_to_another_incident(scene):
    retrospective = scene.retro()
    other = scene.declare("Other")
    follow_up = create(scene, incident=retrospective.incident, source="retrospective")

    with pytest.raises(ValidationError) as refused:
        actions.follow_up_update(follow_up=follow_up, actor=scene.actor(), incident=other)

    assert refused.value.message_dict == {"incident": ["An action item of a retrospective stays with its incident."]}


def test_lists_show_overdue_first_then_open_by_due_date_and_priority_then_finished(scene):
    today = timezone.now().date()
    create(scene, "finished earlier", due_date=today - timedelta(days=20), status="wont_do")
    later_low = create(scene, "later low", due_date=today + timedelta(days=5), priority="low")
    overdue = create(scene, "overdue", due_date=today - timedelta(days=1))
    undated = create(scene, "undated", priority="urgent")
    soon = create(scene, "soon", due_date=today + timedelta(days=1))
    finished = create(scene, "finished", due_date=today - timedelta(days=9), status="done")

    titles = [f.title for f in selectors.follow_up_list(organization=scene.org)]
    overdue_only = [f.title for f in selectors.follow_up_list(organization=scene.org, status="overdue")]

    assert titles == ["overdue", "soon", "later low", "undated", "finished", "finished earlier"]
    assert overdue_only == ["overdue"]
    assert (overdue.is_overdue, finished.is_overdue, undated.is_overdue, later_low.is_overdue, soon.is_overdue) == (
        True, False, False, False, False,
    )  # fmt: skip


def test_delete_is_audited(scene):
    follow_up = create(scene, due_date=date(2030, 1, 1))

    actions.follow_up_delete(follow_up=follow_up, actor=scene.actor())

    assert FollowUp.objects.exists() is False
    assert AuditEvent.objects.get(action="follow_up.deleted").target_label == "FU-1 Add a canary stage"

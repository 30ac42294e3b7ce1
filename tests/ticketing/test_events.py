"""follow_up.changed: what ticketing publishes on create, update and delete (exact payloads), and the incident
timeline's record of a new follow-up, written by the incidents app's subscriber in the same transaction."""

import pytest

from incidents.models import TimelineEvent
from ticketing import actions
from ticketing.events import FollowUpChanged

pytestmark = pytest.mark.django_db


def test_create_update_delete_are_published(scene, published):
    incident = scene.declare()
    published.clear()

    follow_up = actions.follow_up_create(
        organization=scene.org, actor=scene.actor(), title="Add a canary", incident=incident, owner=scene.owner.user
    )
    actions.follow_up_update(follow_up=follow_up, actor=scene.actor(), status="done", title="Add a canary stage")
    actions.follow_up_delete(follow_up=follow_up, actor=scene.actor())

    common = dict(
        organization_id=scene.org.pk,
        follow_up_id=follow_up.pk,
        number=1,
        reference="FU-1",
        path="/o/acme/follow-ups/1/",
        incident_id=incident.pk,
        owner=scene.owner.user.display_name,
        source="direct",
    )
    assert [e for e in published if isinstance(e, FollowUpChanged)] == [
        FollowUpChanged(change="created", title="Add a canary", **common),
        FollowUpChanged(change="updated", title="Add a canary stage", fields=("status", "title"), **common),
        FollowUpChanged(change="deleted", title="Add a canary stage", **common),
    ]


def test_only_a_new_follow_up_of_an_incident_goes_on_its_timeline(scene):
    incident = scene.declare()

    follow_up = actions.follow_up_create(organization=scene.org, actor=scene.actor(), title="Fix", incident=incident)
    actions.follow_up_update(follow_up=follow_up, actor=scene.actor(), status="in_progress")
    actions.follow_up_create(organization=scene.org, actor=scene.actor(), title="No incident")

    assert list(TimelineEvent.objects.filter(kind="follow_up_added").values_list("incident_id", "payload")) == [
        (incident.pk, {"title": "Fix", "reference": "FU-1", "path": "/o/acme/follow-ups/1/", "assignee": None})
    ]

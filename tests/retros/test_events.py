"""retrospective.created / retrospective.status_changed: what retros publishes (exact payloads); the incident's
timeline records them through the incidents app's subscriber, and retros opens a retrospective when an incident
resolves by subscribing to incident.status_changed."""

import pytest

from core import events
from incidents.events import IncidentStatusChanged
from retros import actions, subscribers
from retros.events import RetrospectiveCreated, RetrospectiveStatusChanged

pytestmark = pytest.mark.django_db


def test_opening_on_resolve_and_moving_are_published(scene, published):
    incident = scene.declare("Checkout failing", "SEV1")
    published.clear()

    scene.resolve(incident)
    retrospective = incident.retrospective
    actions.retrospective_transition(retrospective=retrospective, status="in_review", actor=scene.actor())

    path = f"/o/acme/retros/{incident.number}/"
    assert [e for e in published if isinstance(e, RetrospectiveCreated | RetrospectiveStatusChanged)] == [
        RetrospectiveCreated(
            organization_id=scene.org.pk,
            retrospective_id=retrospective.pk,
            incident_id=incident.pk,
            title="Checkout failing",
            path=path,
            owner="Rhea Responder",
            how="on resolve",
        ),
        RetrospectiveStatusChanged(
            organization_id=scene.org.pk,
            retrospective_id=retrospective.pk,
            incident_id=incident.pk,
            title="Checkout failing",
            path=path,
            before="draft",
            after="in_review",
            action="submitted for review",
        ),
    ]
    assert [type(e).__name__ for e in published].index("IncidentStatusChanged") < [
        type(e).__name__ for e in published
    ].index("RetrospectiveCreated")


def test_retros_subscribes_to_status_changes_in_their_transaction():
    assert [(s.event_name, s.when) for s in events.subscriptions(IncidentStatusChanged) if s.handler.__module__ == (
        subscribers.__name__)] == [("incident.status_changed", "in_transaction")]  # fmt: skip

"""The domain events incident actions publish (exact payloads), what the incidents app subscribes to, and a failing
after-commit reaction that is logged without failing the request."""

import logging

import pytest

from core import events
from incidents import actions, live, subscribers
from incidents.events import (
    IncidentDeclared,
    IncidentRoleAssigned,
    IncidentSeverityChanged,
    IncidentStatusChanged,
    IncidentUpdated,
    StatusUpdatePosted,
    TimelineEventAdded,
    TimelineEventPinned,
)
from incidents.models import Incident, IncidentRole, RoleAssignment, Severity, TimelineEvent
from orgs.models import Membership, Organization
from orgs.tenancy import Actor
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def org_defaults(org: Organization) -> None:
    actions.organization_defaults_ensure(organization=org)


@pytest.fixture
def actor(owner: Membership) -> Actor:
    return Actor(user=owner.user)


def severity(organization: Organization, name: str) -> Severity:
    return Severity.objects.for_org(organization).get(name=name)


def of_type(published: list, kind: type) -> list:
    return [event for event in published if isinstance(event, kind)]


def declare(org: Organization, actor: Actor, sev: str = "SEV2", **fields) -> Incident:
    return actions.incident_declare(
        organization=org, actor=actor, title="Checkout is down", severity=severity(org, sev), **fields
    )


def test_declaring_publishes_the_incident_and_its_impact(org, actor, published):
    api, web = ServiceFactory(organization=org, name="API"), ServiceFactory(organization=org, name="Web")

    incident = declare(org, actor, "SEV1", services=[web, api])

    assert of_type(published, IncidentDeclared) == [
        IncidentDeclared(
            organization_id=org.pk,
            incident_id=incident.pk,
            number=1,
            title="Checkout is down",
            severity="SEV1",
            status="investigating",
            is_drill=False,
            service_ids=tuple(sorted([api.pk, web.pk])),
            removed_service_ids=(),
            services_health="major_outage",
        )
    ]
    assert of_type(published, IncidentDeclared)[0].actor == actor
    commander = IncidentRole.objects.for_org(org).get(is_commander=True)
    assert of_type(published, IncidentRoleAssigned) == [
        IncidentRoleAssigned(
            organization_id=org.pk,
            incident_id=incident.pk,
            role_id=commander.pk,
            role="Incident Commander",
            user_id=actor.user.pk,
            assignment_id=RoleAssignment.objects.get(incident=incident).pk,
        )
    ]
    entries = TimelineEvent.objects.filter(incident=incident).order_by("id")
    assert [(e.timeline_event_id, e.kind) for e in of_type(published, TimelineEventAdded)] == [
        (entry.pk, entry.kind) for entry in entries
    ]


def test_a_drill_states_no_impact(org, actor, published):
    api = ServiceFactory(organization=org, name="API")

    declare(org, actor, "SEV1", services=[api], is_drill=True)

    [declared] = of_type(published, IncidentDeclared)
    assert (declared.is_drill, declared.service_ids, declared.services_health) == (True, (api.pk,), "operational")


def test_status_changes_carry_before_after_and_the_impact_left(org, actor, published):
    api = ServiceFactory(organization=org, name="API")
    incident = declare(org, actor, "SEV3", services=[api])
    into = declare(org, actor)
    other = declare(org, actor, status="triage")
    published.clear()

    actions.incident_transition(incident=incident, status="monitoring", actor=actor)
    actions.incident_transition(incident=incident, status="resolved", actor=actor)
    actions.incident_transition(incident=other, status="merged", actor=actor, merged_into=into)

    # Each change names its own timeline entry: the occurrence a reaction can tell from a repeat.
    to_monitoring, to_resolved, to_merged = TimelineEvent.objects.filter(kind="status_changed").order_by("id")
    assert of_type(published, IncidentStatusChanged) == [
        IncidentStatusChanged(
            organization_id=org.pk,
            incident_id=incident.pk,
            number=1,
            before="investigating",
            after="monitoring",
            is_drill=False,
            service_ids=(api.pk,),
            services_health="degraded_performance",
            timeline_event_id=to_monitoring.pk,
        ),
        IncidentStatusChanged(
            organization_id=org.pk,
            incident_id=incident.pk,
            number=1,
            before="monitoring",
            after="resolved",
            is_drill=False,
            service_ids=(api.pk,),
            services_health="operational",
            timeline_event_id=to_resolved.pk,
        ),
        IncidentStatusChanged(
            organization_id=org.pk,
            incident_id=other.pk,
            number=3,
            before="triage",
            after="merged",
            merged_into_id=into.pk,
            is_drill=False,
            service_ids=(),
            services_health="operational",
            timeline_event_id=to_merged.pk,
        ),
    ]


def test_an_edit_publishes_what_changed_and_only_severity_or_services_state_an_impact(org, actor, published):
    api, web = ServiceFactory(organization=org, name="API"), ServiceFactory(organization=org, name="Web")
    incident = declare(org, actor, "SEV2", services=[api])
    published.clear()

    actions.incident_update(incident=incident, actor=actor, title="Checkout down in EU", summary="Rolling back")
    actions.incident_update(incident=incident, actor=actor, severity=severity(org, "SEV1"), services=[web])
    actions.incident_update(incident=incident, actor=actor, title="Checkout down in EU")  # no change: no event

    assert of_type(published, IncidentUpdated) == [
        IncidentUpdated(
            organization_id=org.pk,
            incident_id=incident.pk,
            number=1,
            changed=("title", "summary"),
            is_drill=False,
            service_ids=(),
            services_health="partial_outage",
        ),
        IncidentUpdated(
            organization_id=org.pk,
            incident_id=incident.pk,
            number=1,
            changed=("severity", "services"),
            is_drill=False,
            service_ids=(web.pk,),
            removed_service_ids=(api.pk,),
            services_health="major_outage",
        ),
    ]
    assert of_type(published, IncidentSeverityChanged) == [
        IncidentSeverityChanged(
            organization_id=org.pk,
            incident_id=incident.pk,
            number=1,
            before="SEV2",
            after="SEV1",
            timeline_event_id=TimelineEvent.objects.get(kind="severity_changed").pk,
        )
    ]


def test_status_updates_and_pins_are_published(org, actor, published):
    incident = declare(org, actor)
    note = actions.note_add(incident=incident, body="Rolled back", actor=actor)
    published.clear()

    update = actions.status_update_post(incident=incident, message="Fixed", actor=actor, visibility="external")
    actions.timeline_event_pin(event=note, pinned=True, actor=actor)

    assert of_type(published, StatusUpdatePosted) == [
        StatusUpdatePosted(
            organization_id=org.pk,
            incident_id=incident.pk,
            status_update_id=update.pk,
            visibility="external",
            status="investigating",
        )
    ]
    assert of_type(published, TimelineEventPinned) == [
        TimelineEventPinned(organization_id=org.pk, incident_id=incident.pk, timeline_event_id=note.pk, is_pinned=True)
    ]


def test_what_the_incidents_app_subscribes_to():
    mine = {
        (s.event_name, s.when, s.handler.__name__)
        for s in events.subscriptions()
        if s.handler.__module__ == subscribers.__name__
    }

    assert mine >= {
        ("timeline_event.added", "on_commit", "timeline_push"),
        ("timeline_event.pinned", "on_commit", "timeline_push"),
        ("incident.declared", "on_commit", "incident_list_push"),
        ("incident.status_changed", "on_commit", "incident_list_push"),
        ("incident.updated", "on_commit", "incident_list_push"),
        ("organization.created", "in_transaction", "organization_defaults"),
        ("alert_group.attached", "in_transaction", "timeline_alerts_attached"),
        ("follow_up.changed", "in_transaction", "timeline_follow_up_added"),
        ("retrospective.created", "in_transaction", "timeline_retrospective_created"),
        ("retrospective.status_changed", "in_transaction", "timeline_retrospective_moved"),
    }


def test_the_list_push_follows_declare_transition_and_edit_after_commit(
    org, actor, monkeypatch, django_capture_on_commit_callbacks
):
    pushed: list[tuple[int, bool]] = []
    monkeypatch.setattr(live, "incident_list_broadcast", lambda *, incident_id, created=False: pushed.append(
        (incident_id, created)))  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        incident = declare(org, actor)
        assert pushed == []
    with django_capture_on_commit_callbacks(execute=True):
        actions.incident_transition(incident=incident, status="identified", actor=actor)
        actions.incident_update(incident=incident, actor=actor, title="Checkout is back")

    assert pushed == [(incident.pk, True), (incident.pk, False), (incident.pk, False)]


@pytest.mark.django_db(transaction=True)
def test_a_failing_push_is_logged_and_the_request_still_succeeds(org, owner, client_for, monkeypatch, caplog):
    incident = declare(org, Actor(user=owner.user))

    def broken(*, event_id: int) -> None:
        raise ConnectionError("channel layer down")

    monkeypatch.setattr(live, "timeline_broadcast", broken)

    with caplog.at_level(logging.ERROR, logger="core.events"):
        response = client_for(owner).post(f"/o/acme/incidents/{incident.number}/notes/", {"body": "Rolled back"})

    assert response.status_code in (200, 302)
    assert list(TimelineEvent.objects.filter(incident=incident, kind="note").values_list("body", flat=True)) == [
        "Rolled back"
    ]
    [record] = [r for r in caplog.records if r.name == "core.events"]
    assert (record.getMessage(), record.event, record.handler) == (
        "domain event handler failed",
        "timeline_event.added",
        "incidents.subscribers.timeline_push",
    )
    assert record.exc_info[0] is ConnectionError

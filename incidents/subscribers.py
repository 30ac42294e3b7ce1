"""What the incidents app does when domain events happen (registered in IncidentsConfig.ready()).

* its own events, after commit: live pushes of the timeline and of the org's incident list;
* ``organization.created`` (orgs, below: by type): the org gets the default severities and roles, in its transaction;
* events of the apps above it, by name so that incidents never imports them, in their transaction: the
  timeline records alert groups attached (alerting), follow-ups created (ticketing) and retrospectives
  created or moved (retros). Each subscriber reads only the event's fields named here.
"""

from dataclasses import asdict
from typing import Any

from core import events
from incidents import actions, live
from incidents.events import (
    IncidentDeclared,
    IncidentStatusChanged,
    IncidentUpdated,
    TimelineEventAdded,
    TimelineEventPinned,
)
from incidents.models import Incident, TimelineKind
from orgs.events import OrganizationCreated
from orgs.models import Organization

# --- live pushes (after commit) ---------------------------------------------------------------------------


def timeline_push(event: TimelineEventAdded | TimelineEventPinned) -> None:
    live.timeline_broadcast(event_id=event.timeline_event_id)


def incident_list_push(event: IncidentDeclared | IncidentStatusChanged | IncidentUpdated) -> None:
    live.incident_list_broadcast(incident_id=event.incident_id, created=isinstance(event, IncidentDeclared))


# --- other apps (in their transaction) -------------------------------------------------------------------


def organization_defaults(event: OrganizationCreated) -> None:
    """organization.created: the new org gets the default severities and roles (idempotent)."""
    actions.organization_defaults_ensure(organization=Organization.objects.get(pk=event.organization_id))


def _incident(incident_id: int) -> Incident:
    return Incident.objects.select_related("organization").get(pk=incident_id)


def timeline_alerts_attached(event: Any) -> None:
    """alert_group.attached: `incident_id`, `groups` (id, title, severity, service, alert_count, path)."""
    actions.incident_alerts_attached(
        incident=_incident(event.incident_id), groups=[asdict(group) for group in event.groups], actor=event.actor
    )


def timeline_follow_up_added(event: Any) -> None:
    """follow_up.changed: a follow-up created on an incident (`incident_id`, `title`, `reference`, `path`,
    `owner`) is recorded on its timeline; the timeline's audit entry is the follow-up's creation record."""
    if event.change != "created" or event.incident_id is None:
        return
    actions.timeline_event_add(
        incident=_incident(event.incident_id),
        kind=TimelineKind.FOLLOW_UP_ADDED,
        actor=event.actor,
        payload={"title": event.title, "reference": event.reference, "path": event.path, "assignee": event.owner},
        audit_action="follow_up.created",
    )


def timeline_retrospective_created(event: Any) -> None:
    """retrospective.created: `incident_id`, `title`, `path`, `owner`, `how`."""
    actions.timeline_event_add(
        incident=_incident(event.incident_id),
        kind=TimelineKind.RETROSPECTIVE,
        actor=event.actor,
        payload={"action": "created", "title": event.title, "path": event.path, "owner": event.owner, "how": event.how},
        audit_action="retrospective.created",
    )


def timeline_retrospective_moved(event: Any) -> None:
    """retrospective.status_changed: `incident_id`, `title`, `path`, `after` and `action` (in words)."""
    actions.timeline_event_add(
        incident=_incident(event.incident_id),
        kind=TimelineKind.RETROSPECTIVE,
        actor=event.actor,
        payload={"action": event.action, "title": event.title, "path": event.path},
        audit_action=f"retrospective.{event.after}",
    )


def register() -> None:
    events.subscribe(TimelineEventAdded, timeline_push, when="on_commit")
    events.subscribe(TimelineEventPinned, timeline_push, when="on_commit")
    for incident_event in (IncidentDeclared, IncidentStatusChanged, IncidentUpdated):
        events.subscribe(incident_event, incident_list_push, when="on_commit")
    events.subscribe(OrganizationCreated, organization_defaults, when="in_transaction")
    events.subscribe("alert_group.attached", timeline_alerts_attached, when="in_transaction")
    events.subscribe("follow_up.changed", timeline_follow_up_added, when="in_transaction")
    events.subscribe("retrospective.created", timeline_retrospective_created, when="in_transaction")
    events.subscribe("retrospective.status_changed", timeline_retrospective_moved, when="in_transaction")

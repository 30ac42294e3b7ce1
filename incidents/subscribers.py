"""What the incidents app does when domain events happen (registered in IncidentsConfig.ready()).

* its own events, after commit: live pushes of the timeline and of the org's incident list;
* ``organization.created`` (orgs, below: by type): the org gets the default severities and roles, in its transaction;
* events of the apps above it, by name so that incidents never imports them, in their transaction: the
  timeline records alert groups attached (alerting), follow-ups created (ticketing) and retrospectives
  created or moved (retros). Each subscriber reads only the event's fields named here.
* pages (oncall, below: by type), in their transaction: a step of an escalation whose subject belongs to an
  incident (`escalation.paged`), and a person paging people about the incident (`manual_page.sent`), are
  recorded on its timeline. oncall finds an incident by number through the finder registered here
  (oncall.subjects), for its manual paging page and API.
"""

from dataclasses import asdict
from typing import Any

from core import events
from incidents import actions, live, selectors
from incidents.events import (
    IncidentDeclared,
    IncidentStatusChanged,
    IncidentUpdated,
    TimelineEventAdded,
    TimelineEventPinned,
)
from incidents.models import Incident, TimelineKind
from oncall import subjects as oncall_subjects
from oncall.events import EscalationPaged, ManualPageSent
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


def timeline_escalation_paged(event: EscalationPaged) -> None:
    """escalation.paged of a subject that belongs to an incident: who the step paged, and for what."""
    if event.incident_id is None:
        return
    actions.timeline_event_add(
        incident=_incident(event.incident_id),
        kind=TimelineKind.PAGED,
        actor=event.actor,
        payload={
            "targets": [person.name for person in event.paged],
            "via": f"escalation step {event.step} for {event.subject_label}",
            "message": "",
        },
    )


def timeline_manual_page(event: ManualPageSent) -> None:
    """manual_page.sent: who a person paged about the incident, how they were found, and the message."""
    actions.timeline_event_add(
        incident=_incident(event.incident_id),
        kind=TimelineKind.PAGED,
        actor=event.actor,
        payload={"targets": [person.name for person in event.paged], "via": event.via, "message": event.message},
        occurred_at=event.occurred_at,
    )


def register() -> None:
    oncall_subjects.incident_finder_register(selectors.incident_by_number)
    events.subscribe(TimelineEventAdded, timeline_push, when="on_commit")
    events.subscribe(TimelineEventPinned, timeline_push, when="on_commit")
    for incident_event in (IncidentDeclared, IncidentStatusChanged, IncidentUpdated):
        events.subscribe(incident_event, incident_list_push, when="on_commit")
    events.subscribe(OrganizationCreated, organization_defaults, when="in_transaction")
    events.subscribe("alert_group.attached", timeline_alerts_attached, when="in_transaction")
    events.subscribe("follow_up.changed", timeline_follow_up_added, when="in_transaction")
    events.subscribe("retrospective.created", timeline_retrospective_created, when="in_transaction")
    events.subscribe("retrospective.status_changed", timeline_retrospective_moved, when="in_transaction")
    events.subscribe(EscalationPaged, timeline_escalation_paged, when="in_transaction")
    events.subscribe(ManualPageSent, timeline_manual_page, when="in_transaction")

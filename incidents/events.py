"""The domain events the incidents app publishes (core.events), inside the transaction of the change.

Higher apps (alerting, ticketing, retros) subscribe by type; lower ones (services) by name. Events that can
move a service's health (declared, status changed, updated) carry the incident's impact on its services in
the fields services reads (see services/subscribers.py): ``incident_id``, ``is_drill``, ``service_ids`` (the
affected services now), ``removed_service_ids`` (no longer affected) and ``services_health`` (the health
this incident implies for them: by severity while it is open, operational once it is not).
"""

from dataclasses import dataclass
from datetime import datetime

from core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class _Impact:
    incident_id: int
    is_drill: bool
    service_ids: tuple[int, ...] = ()
    removed_service_ids: tuple[int, ...] = ()
    services_health: str


@dataclass(frozen=True, kw_only=True)
class IncidentDeclared(_Impact, DomainEvent):
    name = "incident.declared"
    number: int
    title: str
    severity: str
    status: str


@dataclass(frozen=True, kw_only=True)
class IncidentStatusChanged(_Impact, DomainEvent):
    """Also published for a merge (``after`` is "merged", ``merged_into_id`` the incident it went into)."""

    name = "incident.status_changed"
    number: int
    before: str
    after: str
    merged_into_id: int | None = None
    # The change's own timeline entry: one per occurrence, so a reaction can tell a repeat from a new change.
    timeline_event_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class IncidentUpdated(_Impact, DomainEvent):
    """One edit of the incident (incident_update): which fields changed (title, summary, customer_impact,
    incident_type, severity, services). A severity change is also published as IncidentSeverityChanged."""

    name = "incident.updated"
    number: int
    changed: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class IncidentSeverityChanged(DomainEvent):
    name = "incident.severity_changed"
    incident_id: int
    number: int
    before: str
    after: str
    timeline_event_id: int | None = None  # the change's own timeline entry (one per occurrence)


@dataclass(frozen=True, kw_only=True)
class IncidentRoleAssigned(DomainEvent):
    name = "incident.role_assigned"
    incident_id: int
    role_id: int
    role: str
    user_id: int
    previous_user_id: int | None = None
    assignment_id: int | None = None  # the RoleAssignment made (one per occurrence)


@dataclass(frozen=True, kw_only=True)
class StatusUpdatePosted(DomainEvent):
    name = "status_update.posted"
    incident_id: int
    status_update_id: int
    visibility: str
    status: str


@dataclass(frozen=True, kw_only=True)
class TimelineEventAdded(DomainEvent):
    """A timeline entry was written (every incident change writes one): live pushes follow it."""

    name = "timeline_event.added"
    incident_id: int
    timeline_event_id: int
    kind: str
    occurred_at: datetime


@dataclass(frozen=True, kw_only=True)
class TimelineEventPinned(DomainEvent):
    name = "timeline_event.pinned"
    incident_id: int
    timeline_event_id: int
    is_pinned: bool

"""The normalised shape every inbound format is turned into before ingestion (InboundEvent), and the domain
events the alerting app publishes (core.events)."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.events import DomainEvent


@dataclass(frozen=True)
class InboundEvent:
    action: str  # trigger | acknowledge | resolve
    dedup_key: str
    summary: str = ""
    severity: str = "error"  # critical | error | warning | info
    source: str = ""
    labels: dict[str, Any] = field(default_factory=dict)
    link: str = ""
    timestamp: datetime | None = None
    payload: dict[str, Any] = field(default_factory=dict)


# --- domain events (core.events) the alerting app publishes, inside the transaction of the change ----------


@dataclass(frozen=True)
class AttachedGroup:
    """What the incident's timeline shows of an attached group."""

    id: str  # the group's uuid
    title: str
    severity: str
    service: str  # slug
    alert_count: int
    path: str


@dataclass(frozen=True, kw_only=True)
class AlertGroupsAttached(DomainEvent):
    """Alert groups now belong to an incident (attached by a person, escalated, or following a merged incident,
    then `previous_incident_id` is the incident they left)."""

    name = "alert_group.attached"
    incident_id: int
    previous_incident_id: int | None = None
    groups: tuple[AttachedGroup, ...]


@dataclass(frozen=True, kw_only=True)
class AlertGroupsChanged(DomainEvent):
    """These groups' rows changed (opened, acknowledged, resolved, silenced, merged, raised, attached): one event
    per organization and transaction, however many groups, so that reactions (the live queue) can batch."""

    name = "alert_groups.changed"
    group_ids: tuple[int, ...]


@dataclass(frozen=True)
class CountedGroup:
    organization_id: int
    uuid: uuid.UUID
    alert_count: int
    last_seen: datetime
    first_seen: datetime


@dataclass(frozen=True, kw_only=True)
class AlertsCounted(DomainEvent):
    """Repeated triggers only counted more alerts on these open groups (nothing else about them changed); the
    values are the groups' new count and times, so a reaction needs no query."""

    name = "alerts.counted"
    groups: tuple[CountedGroup, ...]


@dataclass(frozen=True, kw_only=True)
class AlertGroupTriggered(DomainEvent):
    """A trigger opened a new alert group (never a repeated trigger of an open one): one event per group, from
    the ingest batch that opened it. `alert_severity` is critical | error | warning | info as the batch left it,
    `labels` the group's labels as sorted (key, value) text pairs, `incident_id` None (a new group belongs to no
    incident yet; the field is there for the groups' later events)."""

    name = "alert_group.triggered"
    alert_group_id: int
    service_id: int
    integration_id: int
    title: str
    alert_severity: str
    incident_id: int | None = None
    labels: tuple[tuple[str, str], ...] = ()

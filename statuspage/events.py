"""The domain events the statuspage app publishes (core.events), inside the transaction of the change.

Nothing below statuspage imports it; higher apps (workflows, chat-ops) may subscribe to these by type.
"""

from dataclasses import dataclass

from core.events import DomainEvent

# --- status pages and their components (statuspage/actions/pages.py, components.py) ----------------------------


@dataclass(frozen=True, kw_only=True)
class StatusPageChanged(DomainEvent):
    """A status page was created, updated or deleted (`change`); `fields` names what an update changed (the logo and
    the viewer list included)."""

    name = "status_page.changed"
    change: str  # created | updated | deleted
    page_id: int
    slug: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ComponentGroupChanged(DomainEvent):
    """A component group of a page was created, updated, moved or deleted."""

    name = "component_group.changed"
    change: str  # created | updated | moved | deleted
    group_id: int
    page_id: int
    fields: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ComponentChanged(DomainEvent):
    """A component of a page was created, updated, moved, deleted or had its status overridden by hand
    (`status_overridden`: `status_override` is the new override, "" when cleared, and `reason` says why)."""

    name = "status_component.changed"
    change: str  # created | updated | moved | deleted | status_overridden
    component_id: int
    page_id: int
    fields: tuple[str, ...] = ()
    status_override: str = ""
    reason: str = ""


# --- scheduled maintenance (statuspage/actions/maintenances.py) ---------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class MaintenanceChanged(DomainEvent):
    """A maintenance was scheduled (announced: `update_id` is its first update), edited or deleted (cancelled)."""

    name = "maintenance.changed"
    change: str  # scheduled | updated | deleted
    maintenance_id: int
    page_id: int
    title: str
    update_id: int | None = None
    fields: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class MaintenanceStatusChanged(DomainEvent):
    """A maintenance moved along scheduled → in_progress → verifying → completed; `update_id` is the update
    posted with the move (what subscribers are told)."""

    name = "maintenance.status_changed"
    maintenance_id: int
    page_id: int
    before: str
    after: str
    update_id: int


@dataclass(frozen=True, kw_only=True)
class MaintenanceUpdatePosted(DomainEvent):
    """An update was posted on a maintenance without changing its status."""

    name = "maintenance_update.posted"
    maintenance_id: int
    page_id: int
    update_id: int
    status: str


# --- public incidents (statuspage/subscribers.py, statuspage/actions) ---------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PublicUpdatePosted(DomainEvent):
    """An update appeared on a public incident (from an external status update or written on the page):
    subscribers are mailed (statuspage/subscribing)."""

    name = "public_update.posted"
    public_update_id: int
    public_incident_id: int
    page_id: int
    status: str


@dataclass(frozen=True, kw_only=True)
class PublicIncidentChanged(DomainEvent):
    """A public incident's own fields moved with its incident (status, title, impact, components); `fields`
    names them."""

    name = "public_incident.changed"
    public_incident_id: int
    page_id: int
    fields: tuple[str, ...]

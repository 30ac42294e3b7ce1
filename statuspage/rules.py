"""The status page's rules, in one place (docs/statuspage.md, "Rules"): how an incident's severity and status
read in Statuspage's vocabulary, what a component shows, and the page's overall indicator."""

from incidents.models import IncidentStatus
from statuspage.models import ComponentStatus, MaintenanceStatus, PublicIncidentImpact, PublicIncidentStatus

# Worst first; the index is the rank used to pick the worst of several.
IMPACT_ORDER = (
    PublicIncidentImpact.CRITICAL,
    PublicIncidentImpact.MAJOR,
    PublicIncidentImpact.MINOR,
    PublicIncidentImpact.NONE,
)
COMPONENT_ORDER = (
    ComponentStatus.MAJOR_OUTAGE,
    ComponentStatus.PARTIAL_OUTAGE,
    ComponentStatus.DEGRADED_PERFORMANCE,
    ComponentStatus.UNDER_MAINTENANCE,
    ComponentStatus.OPERATIONAL,
)

# Incident status -> public status. Triage reads as investigating; every way out of an incident (resolved,
# closed, declined, canceled, merged) reads as resolved.
PUBLIC_STATUS = {
    IncidentStatus.TRIAGE: PublicIncidentStatus.INVESTIGATING,
    IncidentStatus.INVESTIGATING: PublicIncidentStatus.INVESTIGATING,
    IncidentStatus.IDENTIFIED: PublicIncidentStatus.IDENTIFIED,
    IncidentStatus.MONITORING: PublicIncidentStatus.MONITORING,
}
OPEN_PUBLIC_STATUSES = (
    PublicIncidentStatus.INVESTIGATING,
    PublicIncidentStatus.IDENTIFIED,
    PublicIncidentStatus.MONITORING,
)

# What an impact does to the components it names (Statuspage's own pairing of the two vocabularies).
IMPACT_COMPONENT_STATUS = {
    PublicIncidentImpact.CRITICAL: ComponentStatus.MAJOR_OUTAGE,
    PublicIncidentImpact.MAJOR: ComponentStatus.PARTIAL_OUTAGE,
    PublicIncidentImpact.MINOR: ComponentStatus.DEGRADED_PERFORMANCE,
    PublicIncidentImpact.NONE: ComponentStatus.OPERATIONAL,
}
# ...and back: a component's status as an indicator level (maintenance is shown apart, so it counts as none).
COMPONENT_INDICATOR = {
    ComponentStatus.MAJOR_OUTAGE: PublicIncidentImpact.CRITICAL,
    ComponentStatus.PARTIAL_OUTAGE: PublicIncidentImpact.MAJOR,
    ComponentStatus.DEGRADED_PERFORMANCE: PublicIncidentImpact.MINOR,
    ComponentStatus.UNDER_MAINTENANCE: PublicIncidentImpact.NONE,
    ComponentStatus.OPERATIONAL: PublicIncidentImpact.NONE,
}
INDICATOR_DESCRIPTION = {
    PublicIncidentImpact.NONE: "All Systems Operational",
    PublicIncidentImpact.MINOR: "Minor Service Outage",
    PublicIncidentImpact.MAJOR: "Partial System Outage",
    PublicIncidentImpact.CRITICAL: "Major Service Outage",
}
MAINTENANCE_DESCRIPTION = "Service Under Maintenance"
ACTIVE_MAINTENANCE_STATUSES = (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING)


def public_status(incident_status: str) -> str:
    """The public status an incident status reads as."""
    return PUBLIC_STATUS.get(incident_status, PublicIncidentStatus.RESOLVED)


def impact_for_severity(*, rank: int | None, is_major: bool) -> str:
    """Impact of a severity: rank 1 critical, any other major severity major, everything else minor (an
    incident that customers are told about always has some impact; `none` is set by hand)."""
    if rank == 1:
        return PublicIncidentImpact.CRITICAL
    if is_major:
        return PublicIncidentImpact.MAJOR
    return PublicIncidentImpact.MINOR


def worst_impact(impacts: list[str] | tuple[str, ...] | set[str]) -> str:
    """The worst of several impacts (none for none at all)."""
    return min(impacts, key=IMPACT_ORDER.index, default=PublicIncidentImpact.NONE)


def worst_component_status(statuses: list[str] | tuple[str, ...] | set[str]) -> str:
    """The worst of several component statuses (a group shows its worst member), operational for none."""
    return min(statuses, key=COMPONENT_ORDER.index, default=ComponentStatus.OPERATIONAL)


def component_status(*, override: str, under_maintenance: bool, service_health: str | None) -> str:
    """A component's effective status: the manual override, else under_maintenance while a maintenance naming it
    is in progress or verifying, else its service's health (the same vocabulary), else operational."""
    if override:
        return override
    if under_maintenance:
        return ComponentStatus.UNDER_MAINTENANCE
    return service_health or ComponentStatus.OPERATIONAL


def page_indicator(*, component_statuses: list[str], open_impacts: list[str]) -> str:
    """The page's overall indicator: the worst of the open public incidents' impacts and of the components'
    statuses read as levels (degraded_performance minor, partial_outage major, major_outage critical)."""
    return worst_impact([*open_impacts, *(COMPONENT_INDICATOR[s] for s in component_statuses)])


def page_description(*, indicator: str, maintenance_active: bool) -> str:
    """Statuspage's human description of an indicator; maintenance in progress on a page otherwise fine says so."""
    if indicator == PublicIncidentImpact.NONE and maintenance_active:
        return MAINTENANCE_DESCRIPTION
    return INDICATOR_DESCRIPTION[indicator]


# Path words under /status/<org-slug>/ that the default page's routes (and the subscriber pages) use: a page with
# one of these slugs could not be reached at /status/<org-slug>/<slug>/.
RESERVED_PAGE_SLUGS = frozenset(
    {"history", "history.atom", "incidents", "logo", "api", "subscribe", "subscription", "unsubscribe"}
)

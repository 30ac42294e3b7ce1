"""Template helpers of the incident pages and their live fragments (which render outside any view, so
everything here is viewer-independent: times go through `{% datetime %}`, core/timefmt.py)."""

from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html

from core import timefmt
from core.text import duration_text
from incidents.forms import MILESTONE_LABELS
from incidents.models import Incident, IncidentStatus, RoleAssignment, Severity, allowed_transitions

register = template.Library()


def incident_end(incident: Incident) -> datetime | None:
    """When the impact ended: resolved (or closed, for declined/canceled/merged ones); None while open."""
    if incident.is_open:
        return None
    return incident.resolved_at or incident.closed_at or incident.updated_at


@register.simple_tag
def incident_duration(incident: Incident) -> str:
    """Open: time since impact started, ticking in the browser. Closed: started → resolved."""
    end = incident_end(incident)
    start = timefmt.as_utc(incident.started_at)
    text = duration_text((end or timezone.now()) - incident.started_at)
    if end is None:
        return format_html(
            '<span class="duration is-running" data-duration-start="{}" title="Since impact started">{}</span>',
            timefmt.iso_utc(start),
            text,
        )
    return format_html('<span class="duration" title="Impact started → resolved">{}</span>', text)


@register.filter
def commander(incident: Incident) -> Any:
    """The current Incident Commander (prefetched on pages; one query in a live fragment)."""
    prefetched = getattr(incident, "current_commanders", None)
    if prefetched is None:
        prefetched = list(
            RoleAssignment.objects.filter(incident=incident, released_at=None, role__is_commander=True).select_related(
                "user"
            )
        )
    return prefetched[0].user if prefetched else None


@register.filter
def status_label(value: str) -> str:
    try:
        return IncidentStatus(value).label
    except ValueError:
        return value


@register.filter
def milestone_label(field: str) -> str:
    return MILESTONE_LABELS.get(field, field.replace("_", " ").removesuffix(" at"))


@register.filter
def initials(label: str) -> str:
    parts = (label or "?").replace("@", " ").replace(".", " ").split()
    return "".join(p[0] for p in parts[:2]).upper() or "?"


@register.filter
def field_label(field: str) -> str:
    return {"title": "Title", "summary": "Summary", "customer_impact": "Customer impact"}.get(field, field)


STATUS_ACTIONS = {
    "triage": "Back to triage",
    "investigating": "Investigating",
    "identified": "Cause identified",
    "monitoring": "Mitigated, monitoring",
    "resolved": "Resolve",
    "closed": "Close",
    "declined": "Decline (false alarm)",
    "merged": "Merged into another",
    "canceled": "Cancel incident",
}


@register.filter
def transitions(status: str) -> list[str]:
    """The statuses the incident may move to next (incidents.models.allowed_transitions)."""
    return allowed_transitions(status)


@register.filter
def status_action(target: str, current: str = "") -> str:
    """Button text for moving to `target` ("Reopen" when a resolved incident goes back to investigating)."""
    if target == "investigating" and current == "resolved":
        return "Reopen"
    return STATUS_ACTIONS.get(target, status_label(target))


@register.simple_tag
def status_badge(status: str) -> str:
    return format_html('<span class="badge badge-status-{}">{}</span>', status, status_label(status))


@register.simple_tag
def severity_badge(severity: Any) -> str:
    """A severity (or, in old timeline payloads, its name) as a badge; colours follow the rank."""
    if isinstance(severity, Severity):
        return format_html(
            '<span class="badge badge-sev{}" title="{}">{}</span>', severity.rank, severity.description, severity.name
        )
    return format_html('<span class="badge badge-sev badge-{}">{}</span>', str(severity).lower(), severity)


@register.simple_tag
def severity_options(incident: Incident, given: Any = None) -> Any:
    """The org's severities for the change-severity menu: the page passes them, a live fragment loads them."""
    if given:
        return given
    return Severity.objects.for_org(incident.organization_id).order_by("rank")


@register.filter
def offset_from(value: Any, start: Any) -> str:
    """“+12m” after `start` (a milestone against impact start), empty when either is missing."""
    moment, origin = timefmt.as_utc(value), timefmt.as_utc(start)
    if moment is None or origin is None:
        return ""
    return ("+" if moment >= origin else "\u2212") + duration_text(abs(moment - origin))

"""Template helpers of the triage pages and the queue's live rows (rendered outside any view, so everything
here is viewer-independent)."""

import json
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html

from alerting import selectors
from alerting.models import AlertGroup, AlertGroupStatus, AlertSeverity, PagingStatus
from orgs.models import Organization

register = template.Library()

# Alert severities wear the incident severity colours: critical is as loud as SEV1.
SEVERITY_CLASS = {"critical": "badge-sev1", "error": "badge-sev2", "warning": "badge-sev3", "info": "badge-sev4"}


@register.simple_tag
def alert_severity_badge(severity: str) -> str:
    try:
        label = AlertSeverity(severity).label
    except ValueError:
        label = severity
    return format_html(
        '<span class="badge badge-alert-sev {}">{}</span>', SEVERITY_CLASS.get(severity, "badge-sev5"), label
    )


@register.simple_tag
def alert_status_badge(status: str) -> str:
    try:
        label = AlertGroupStatus(status).label
    except ValueError:
        label = status
    return format_html('<span class="badge badge-status-{}">{}</span>', status, label)


@register.filter
def is_silenced(group: AlertGroup) -> bool:
    return group.silenced_until is not None and group.silenced_until > timezone.now()


@register.filter
def is_paging(group: AlertGroup) -> bool:
    paging = group.paging_status in (PagingStatus.PENDING, PagingStatus.PAGING)
    return paging and group.status == AlertGroupStatus.TRIGGERED


@register.filter
def is_unanswered(group: AlertGroup) -> bool:
    """Every step of the escalation ran and nobody acknowledged: the loudest state in triage."""
    return group.paging_status == PagingStatus.UNANSWERED and group.status == AlertGroupStatus.TRIGGERED


@register.filter
def has_no_policy(group: AlertGroup) -> bool:
    return group.paging_status == PagingStatus.NO_POLICY and group.status == AlertGroupStatus.TRIGGERED


@register.filter
def pretty_json(value: Any) -> str:
    """Indented JSON for the raw payload viewer (escaped by the template like any text)."""
    try:
        return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)
    except (TypeError, ValueError):
        return repr(value)


@register.simple_tag
def triggered_alert_count(organization: Organization | None) -> int:
    """Open groups nobody has acknowledged yet, for the sidebar (one indexed count)."""
    if organization is None:
        return 0
    return selectors.alert_group_list(organization=organization, status=AlertGroupStatus.TRIGGERED).count()


@register.simple_tag
def service_open_alert_groups(service: Any, limit: int = 10) -> list[AlertGroup]:
    """The service page's card: its open alert groups, triggered first (one query)."""
    groups = list(
        selectors.alert_group_list(organization=service.organization_id, service=service.slug, status="open")[:limit]
    )
    for group in groups:
        group.service = service
    return groups

"""90 days of uptime per component, from the page's own history: public incidents (their impact read as the
status of the components they name, from start to resolve) and maintenance (under_maintenance from start to
completion). Two queries for the whole page, whatever the number of components or incidents.

Uptime counts a major outage as fully down and a partial outage as 30 % down (Atlassian Statuspage's
weighting); degraded performance and maintenance count as up. A day's bar shows the worst status of that day,
in the page's time zone."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Q
from django.utils.safestring import SafeString, mark_safe

from statuspage import rules
from statuspage.models import Component, ComponentStatus, MaintenanceComponent, PublicIncidentComponent, StatusPage

DAYS = 90
PARTIAL_WEIGHT = 0.3
# Short CSS classes keep 90 bars x 50 components small.
BAR_CLASS = {
    ComponentStatus.OPERATIONAL: "o",
    ComponentStatus.DEGRADED_PERFORMANCE: "d",
    ComponentStatus.PARTIAL_OUTAGE: "p",
    ComponentStatus.MAJOR_OUTAGE: "m",
    ComponentStatus.UNDER_MAINTENANCE: "u",
}


@dataclass
class UptimeRow:
    percent: str  # "99.98"
    bars: SafeString  # 90 <i> elements, oldest first
    first_day: date
    last_day: date


def page_zone(page: StatusPage) -> ZoneInfo:
    try:
        return ZoneInfo(page.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def uptime_rows(*, page: StatusPage, components: list[Component], now: datetime) -> dict[int, UptimeRow]:
    """Each component's uptime and day bars over the last DAYS days (today included)."""
    zone = page_zone(page)
    today = now.astimezone(zone).date()
    first_day = today - timedelta(days=DAYS - 1)
    window_start = datetime.combine(first_day, time.min, zone)
    intervals: dict[int, list[tuple[datetime, datetime, str]]] = defaultdict(list)

    incident_links = (
        PublicIncidentComponent.objects.for_org(page.organization)
        .filter(public_incident__page=page, public_incident__incident__is_drill=False)
        .filter(public_incident__started_at__lt=now)
        .filter(Q(public_incident__resolved_at__isnull=True) | Q(public_incident__resolved_at__gte=window_start))
        .values_list(
            "component_id", "public_incident__impact", "public_incident__started_at", "public_incident__resolved_at"
        )
    )
    for component_id, impact, started, resolved in incident_links:
        intervals[component_id].append((started, resolved or now, rules.IMPACT_COMPONENT_STATUS[impact]))

    maintenance_links = (
        MaintenanceComponent.objects.for_org(page.organization)
        .filter(maintenance__page=page, maintenance__started_at__isnull=False, maintenance__started_at__lt=now)
        .filter(Q(maintenance__completed_at__isnull=True) | Q(maintenance__completed_at__gte=window_start))
        .values_list("component_id", "maintenance__started_at", "maintenance__completed_at")
    )
    for component_id, started, completed in maintenance_links:
        intervals[component_id].append((started, completed or now, ComponentStatus.UNDER_MAINTENANCE))

    span = (now - window_start).total_seconds() or 1.0
    return {
        c.pk: _row(
            intervals.get(c.pk, []), zone=zone, first_day=first_day, today=today, start=window_start, now=now, span=span
        )
        for c in components
    }


RANK = {
    ComponentStatus.OPERATIONAL: 0,
    ComponentStatus.UNDER_MAINTENANCE: 1,
    ComponentStatus.DEGRADED_PERFORMANCE: 2,
    ComponentStatus.PARTIAL_OUTAGE: 3,
    ComponentStatus.MAJOR_OUTAGE: 4,
}
BY_RANK = {rank: status for status, rank in RANK.items()}
LABELS = {status: ComponentStatus(status).label for status in RANK}
OPERATIONAL_BAR = '<i class="o"></i>'


def _row(
    intervals: list[tuple[datetime, datetime, str]],
    *,
    zone: ZoneInfo,
    first_day: date,
    today: date,
    start: datetime,
    now: datetime,
    span: float,
) -> UptimeRow:
    if not intervals:
        return UptimeRow(percent="100.00", bars=mark_safe(OPERATIONAL_BAR * DAYS), first_day=first_day, last_day=today)
    worst = [0] * DAYS  # rank of the worst status of each day, oldest first
    down = 0.0
    for began, ended, status in intervals:
        began, ended = max(began, start), min(ended, now)
        if ended < began:
            continue
        seconds = (ended - began).total_seconds()
        if status == ComponentStatus.MAJOR_OUTAGE:
            down += seconds
        elif status == ComponentStatus.PARTIAL_OUTAGE:
            down += seconds * PARTIAL_WEIGHT
        rank = RANK[status]
        first = (began.astimezone(zone).date() - first_day).days
        last = (ended.astimezone(zone).date() - first_day).days
        for index in range(max(first, 0), min(last, DAYS - 1) + 1):
            worst[index] = max(worst[index], rank)
    percent = max(0.0, 100.0 * (1 - min(down, span) / span))
    bars = [OPERATIONAL_BAR] * DAYS
    for index, rank in enumerate(worst):
        if rank:
            status = BY_RANK[rank]
            day = first_day + timedelta(days=index)
            # Trusted text only: a date and a label of our own vocabulary.
            bars[index] = f'<i class="{BAR_CLASS[status]}" title="{day:%d %b %Y}: {LABELS[status]}"></i>'
    return UptimeRow(percent=f"{percent:.2f}", bars=mark_safe("".join(bars)), first_day=first_day, last_day=today)

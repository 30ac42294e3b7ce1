"""Reads of the analytics dashboard and API: which incidents count, and their figures overall, per week
and per severity, service and team. Every figure is one aggregate query (see metrics.py)."""

from dataclasses import dataclass
from datetime import UTC, date, timedelta

from django.db.models import Exists, F, OuterRef, QuerySet
from django.db.models.functions import TruncWeek

from incidents.models import Incident, IncidentService, IncidentStatus, IncidentType, Severity
from orgs.models import Organization, Team
from retros.analytics.filters import AnalyticsFilters
from retros.analytics.metrics import METRICS, GroupStats, MetricStats, grouped_stats
from services.models import Service

# Not incidents after all (false alarms, duplicates folded into another, withdrawn): they would double count.
NOT_COUNTED = [IncidentStatus.DECLINED, IncidentStatus.MERGED, IncidentStatus.CANCELED]
BREAKDOWNS = {"severity": "Severity", "service": "Service", "team": "Team"}
NO_VALUE_LABELS = {"severity": "No severity", "service": "No service", "team": "No owner team"}


@dataclass(frozen=True)
class WeekRow:
    """One ISO week (Monday to Sunday, UTC); `is_partial` when the range covers only part of it."""

    start: date
    end: date
    is_partial: bool
    stats: GroupStats


@dataclass(frozen=True)
class BreakdownRow:
    """One severity, service or team (key = name or slug; None = incidents without one)."""

    key: str | None
    label: str
    stats: GroupStats
    rank: int | None = None  # a severity's rank (its badge colour)


@dataclass(frozen=True)
class FilterOptions:
    severities: list[tuple[str, str]]
    services: list[tuple[str, str]]
    teams: list[tuple[str, str]]
    incident_types: list[tuple[str, str]]


def empty_stats(key: tuple = ()) -> GroupStats:
    return GroupStats(
        key=key, incidents=0, metrics={m: MetricStats(count=0, mean=None, median=None, p90=None) for m in METRICS}
    )


def analytics_incidents(*, organization: Organization, filters: AnalyticsFilters) -> QuerySet[Incident]:
    """The org's incidents the figures count: impact started in the range, matching the filters, not declined,
    merged or canceled, and no drills unless asked for."""
    qs = Incident.objects.for_org(organization).filter(started_at__gte=filters.start, started_at__lt=filters.end)
    qs = qs.exclude(status__in=NOT_COUNTED)
    if not filters.include_drills:
        qs = qs.filter(is_drill=False)
    if filters.severity:
        qs = qs.filter(severity=filters.severity)
    if filters.incident_type:
        qs = qs.filter(incident_type=filters.incident_type)
    if filters.service:
        qs = qs.filter(Exists(IncidentService.objects.filter(incident=OuterRef("pk"), service=filters.service)))
    if filters.team:
        qs = qs.filter(
            Exists(IncidentService.objects.filter(incident=OuterRef("pk"), service__owner_team=filters.team))
        )
    return qs


def analytics_summary(*, organization: Organization, filters: AnalyticsFilters) -> GroupStats:
    """Incident count and MTTD/MTTA/MTTM/MTTR (mean, median, p90) over the whole range (one query)."""
    (stats,) = grouped_stats(analytics_incidents(organization=organization, filters=filters))
    return stats


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _as_date(value: object) -> date:
    """A week key as the database returns it (datetime on PostgreSQL, text on SQLite) -> its date."""
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    if hasattr(value, "date"):
        return value.date()
    return value  # type: ignore[return-value]


def analytics_weekly(*, organization: Organization, filters: AnalyticsFilters) -> list[WeekRow]:
    """Every week of the range, oldest first, with its figures (weeks without incidents included, empty)."""
    incidents = analytics_incidents(organization=organization, filters=filters)
    found = {
        _as_date(stats.key[0]): stats
        for stats in grouped_stats(incidents, group_by={"week": TruncWeek("started_at", tzinfo=UTC)})
    }
    rows = []
    monday = week_start(filters.since)
    while monday <= filters.until:
        sunday = monday + timedelta(days=6)
        rows.append(
            WeekRow(
                start=monday,
                end=sunday,
                is_partial=monday < filters.since or sunday > filters.until,
                stats=found.get(monday, empty_stats((monday,))),
            )
        )
        monday += timedelta(days=7)
    return rows


def analytics_breakdown(*, organization: Organization, filters: AnalyticsFilters, by: str) -> list[BreakdownRow]:
    """Figures per severity (worst first), per affected service or per owner team of the affected services
    (most incidents first). An incident counts once for each service it affected and once per team."""
    incidents = analytics_incidents(organization=organization, filters=filters)
    if by == "severity":
        groups = grouped_stats(
            incidents, group_by={"rank": F("severity__rank"), "key": F("severity__name"), "label": F("severity__name")}
        )
        groups.sort(key=lambda g: (g.key[0] is None, g.key[0] or 0))
    elif by == "service":
        groups = grouped_stats(incidents, group_by={"key": F("services__slug"), "label": F("services__name")})
        groups = [GroupStats(key=(None, *g.key), incidents=g.incidents, metrics=g.metrics) for g in groups]
    elif by == "team":
        groups = grouped_stats(
            incidents,
            group_by={"key": F("services__owner_team__slug"), "label": F("services__owner_team__name")},
            distinct=True,
        )
        groups = [GroupStats(key=(None, *g.key), incidents=g.incidents, metrics=g.metrics) for g in groups]
    else:
        raise ValueError(f"unknown breakdown {by!r}")
    if by != "severity":
        groups.sort(key=lambda g: (g.key[1] is None, -g.incidents, (g.key[2] or "").lower()))
    return [BreakdownRow(key=g.key[1], label=g.key[2] or NO_VALUE_LABELS[by], stats=g, rank=g.key[0]) for g in groups]


def analytics_has_incidents(*, organization: Organization) -> bool:
    """Whether the org has any incident at all (an empty dashboard then says "no incidents yet")."""
    return Incident.objects.for_org(organization).exists()


def analytics_filter_options(*, organization: Organization) -> FilterOptions:
    """What the dashboard's filter menus offer: the org's severities, services, teams and incident types."""
    return FilterOptions(
        severities=[
            (n, n) for n in Severity.objects.for_org(organization).order_by("rank").values_list("name", flat=True)
        ],
        services=list(Service.objects.for_org(organization).order_by("name").values_list("slug", "name")),
        teams=list(Team.objects.for_org(organization).order_by("name").values_list("slug", "name")),
        incident_types=list(
            IncidentType.objects.for_org(organization).order_by("position", "name").values_list("slug", "name")
        ),
    )

"""What an analytics view looks at: a date range on `started_at`, optional severity, service, team and
incident type, and whether drills count. Shared by the page's form and the API's query parameters."""

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from incidents.models import IncidentType, Severity
from orgs.models import Organization, Team
from services.models import Service

DEFAULT_DAYS = 90
MAX_DAYS = 731  # two years: 105 weekly buckets is as much as a chart can show
PRESETS = [(30, "30 days"), (90, "90 days"), (182, "6 months"), (365, "1 year")]


@dataclass(frozen=True)
class AnalyticsFilters:
    """Incidents whose impact started on a day in [since, until] (UTC, both inclusive), narrowed further."""

    since: date
    until: date
    severity: Severity | None = None
    service: Service | None = None
    team: Team | None = None
    incident_type: IncidentType | None = None
    include_drills: bool = False

    @property
    def start(self) -> datetime:
        return datetime.combine(self.since, time.min, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """Exclusive upper bound: midnight after `until`."""
        return datetime.combine(self.until + timedelta(days=1), time.min, tzinfo=UTC)

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    @property
    def is_narrowed(self) -> bool:
        return any((self.severity, self.service, self.team, self.incident_type))

    def previous(self) -> "AnalyticsFilters":
        """The same filters over the period of the same length just before (for "vs previous period")."""
        return replace(self, since=self.since - timedelta(days=self.days), until=self.since - timedelta(days=1))

    def as_query(self) -> dict[str, str]:
        """The filters as query parameters (page links, CSV links, the API)."""
        query = {"since": self.since.isoformat(), "until": self.until.isoformat()}
        if self.severity:
            query["severity"] = self.severity.name
        if self.service:
            query["service"] = self.service.slug
        if self.team:
            query["team"] = self.team.slug
        if self.incident_type:
            query["incident_type"] = self.incident_type.slug
        if self.include_drills:
            query["include_drills"] = "true"
        return query


def default_range(*, today: date | None = None, days: int = DEFAULT_DAYS) -> tuple[date, date]:
    """The last `days` days, today included (UTC)."""
    today = today or timezone.now().date()
    return today - timedelta(days=days - 1), today


def analytics_filters_resolve(
    *,
    organization: Organization,
    since: date | None = None,
    until: date | None = None,
    severity: str = "",
    service: str = "",
    team: str = "",
    incident_type: str = "",
    include_drills: bool = False,
) -> AnalyticsFilters:
    """Turn names and slugs into the org's objects and check the range; field errors as a ValidationError dict.

    A missing `since`/`until` defaults to the last 90 days (or 90 days before `until` / after `since`).
    """
    errors: dict[str, str] = {}
    if since is None and until is None:
        since, until = default_range()
    elif since is None:
        since = until - timedelta(days=DEFAULT_DAYS - 1)
    elif until is None:
        until = min(since + timedelta(days=DEFAULT_DAYS - 1), max(since, timezone.now().date()))
    if since > until:
        errors["until"] = "The end date must be on or after the start date."
    elif (until - since).days + 1 > MAX_DAYS:
        errors["since"] = f"Pick a range of at most {MAX_DAYS} days (two years)."

    def lookup(field: str, queryset: QuerySet, **match: str) -> Any:
        (value,) = match.values()
        if not value:
            return None
        found = queryset.filter(**match).first()
        if found is None:
            errors[field] = f"No {field.replace('_', ' ')} of this organization is called “{value}”."
        return found

    found_severity = lookup("severity", Severity.objects.for_org(organization), name=severity)
    found_service = lookup("service", Service.objects.for_org(organization), slug=service)
    found_team = lookup("team", Team.objects.for_org(organization), slug=team)
    found_type = lookup("incident_type", IncidentType.objects.for_org(organization), slug=incident_type)
    if errors:
        raise ValidationError({field: [message] for field, message in errors.items()})
    return AnalyticsFilters(
        since=since,
        until=until,
        severity=found_severity,
        service=found_service,
        team=found_team,
        incident_type=found_type,
        include_drills=include_drills,
    )

"""On-call load (issue 7): how many times each person was paged in the range, and how many of those pages
came in business hours, off hours or sleep hours *in that person's time zone*.

What a page is. `notifications.actions.user_notify` writes one Notification per delivery channel, keyed
`{idempotency_base}:{rule:<uuid> | method:<uuid> | account-email}`; the base names one person paged once
(escalation: `esc:<escalation>:r<repeat>:s<step>:u<user>`, manual: `manual:<page>:<user>`). So a page is one
distinct base among the `page` / `manual_page` deliveries (email + chat + SMS of one step = one page);
handoff, verification and test messages are not pages. Canceled deliveries (never attempted: the page was
acknowledged first) are left out; a page whose every delivery was canceled does not count. The page's time is
its earliest remaining delivery (`due_at`), and a page counts when that time falls in the range.

When. Business = Monday to Friday 08:00-18:00; sleep = 22:00-08:00 any day; off = the rest (weekday evenings
18:00-22:00, weekend daytime 08:00-22:00), in the paged person's `time_zone` (an unknown zone name counts as
UTC). PostgreSQL classifies every page in SQL (`AT TIME ZONE`). SQLite has no time-zone data: there the SQL
counts pages per person, zone and 15-minute UTC slot (every UTC offset and DST change in use today is a multiple
of 15 minutes, so a slot never straddles a local hour boundary) and Python maps each slot to its local category
with zoneinfo; the two give the same figures (the tests run on both).
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import connections
from django.db.models import Case, Exists, F, Min, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Left, Length, StrIndex

from alerting.models import AlertGroup
from incidents.models import Incident, IncidentService
from notifications.models import Notification, NotificationReason, NotificationStatus
from orgs.models import Organization, TeamMembership, User
from retros.analytics.filters import AnalyticsFilters

PAGE_REASONS = (NotificationReason.PAGE, NotificationReason.MANUAL_PAGE)
# How user_notify ends each delivery's key after the page's idempotency base.
DELIVERY_SUFFIXES = (":rule:", ":method:")
ACCOUNT_EMAIL_SUFFIX = ":account-email"
MAX_RULE_DELAY_MINUTES = 24 * 60  # NotificationRule.delay_minutes' upper bound
BUSINESS, OFF_HOURS, SLEEP = "business", "off_hours", "sleep"
CATEGORIES = {BUSINESS: "Business hours", OFF_HOURS: "Off hours", SLEEP: "Sleep hours"}
SLOT_MINUTES = 15


def hour_category(local: datetime) -> str:
    """Business (Mon-Fri 08-18), sleep (22-08, any day) or off hours (the rest) of a local wall-clock time."""
    if local.hour >= 22 or local.hour < 8:
        return SLEEP
    if local.weekday() < 5 and local.hour < 18:
        return BUSINESS
    return OFF_HOURS


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@dataclass(frozen=True)
class PersonLoad:
    """One paged person: pages in the range and their split by the person's local time."""

    user_id: int
    uuid: UUID
    email: str
    full_name: str
    time_zone: str  # as used: "UTC" when the person's zone name is unknown
    pages: int
    business: int
    off_hours: int
    sleep: int

    @property
    def display_name(self) -> str:
        return self.full_name or self.email


@dataclass(frozen=True)
class PagingLoad:
    """Pages per person (most paged first) and the totals."""

    people: list[PersonLoad] = field(default_factory=list)

    @cached_property
    def pages(self) -> int:
        return sum(p.pages for p in self.people)

    @cached_property
    def business(self) -> int:
        return sum(p.business for p in self.people)

    @cached_property
    def off_hours(self) -> int:
        return sum(p.off_hours for p in self.people)

    @cached_property
    def sleep(self) -> int:
        return sum(p.sleep for p in self.people)

    @property
    def people_count(self) -> int:
        return len(self.people)

    def _percent(self, count: int) -> float | None:
        return round(count / self.pages * 100, 1) if self.pages else None

    @property
    def business_percent(self) -> float | None:
        return self._percent(self.business)

    @property
    def off_hours_percent(self) -> float | None:
        return self._percent(self.off_hours)

    @property
    def sleep_percent(self) -> float | None:
        return self._percent(self.sleep)


def page_key() -> Case:
    """The page a delivery belongs to: its idempotency key without the per-channel suffix (SQL)."""
    key = F("idempotency_key")
    whens = [
        When(idempotency_key__contains=suffix, then=Left(key, StrIndex(key, Value(suffix)) - 1))
        for suffix in DELIVERY_SUFFIXES
    ]
    whens.append(
        When(
            idempotency_key__endswith=ACCOUNT_EMAIL_SUFFIX,
            then=Left(key, Length(key) - len(ACCOUNT_EMAIL_SUFFIX)),
        )
    )
    return Case(*whens, default=key)


def analytics_page_deliveries(*, organization: Organization, filters: AnalyticsFilters) -> QuerySet[Notification]:
    """The org's page deliveries that may belong to a page of the range, with the filters applied.

    Starts a day (the longest rule delay) before the range so a page keeps its earliest delivery. Team: pages of
    the team's members; service: pages for an alert group of the service or an incident that affected it;
    severity and incident type: pages for an incident (directly, or through the alert group escalated into it)
    of that severity/type. Drill pages (incident, or alert group escalated into an incident, that is a drill, or
    a group of a drill integration) are left out unless drills are included.
    """
    minute = timedelta(seconds=settings.ESCALATION_MINUTE_SECONDS)
    qs = (
        Notification.objects.for_org(organization)
        .filter(
            reason__in=PAGE_REASONS,
            user__isnull=False,
            due_at__gte=filters.start - MAX_RULE_DELAY_MINUTES * minute,
            due_at__lt=filters.end,
        )
        .exclude(status=NotificationStatus.CANCELED)
    )
    if not filters.include_drills:
        # Subqueries on the org's drills rather than joins: a join made PostgreSQL hash every incident of the table.
        drills = Incident.objects.for_org(organization).filter(is_drill=True)
        drill_groups = AlertGroup.objects.for_org(organization).filter(
            Q(incident__in=drills.values("pk")) | Q(integration__is_drill=True)
        )
        qs = qs.exclude(incident__in=drills.values("pk")).exclude(alert_group__in=drill_groups.values("pk"))
    if filters.team:
        members = TeamMembership.objects.for_org(organization).filter(team=filters.team, user=OuterRef("user"))
        qs = qs.filter(Exists(members))
    if filters.service:
        affected = IncidentService.objects.for_org(organization).filter(service=filters.service)
        qs = qs.filter(
            Q(alert_group__service=filters.service)
            | Exists(affected.filter(incident=OuterRef("incident")))
            | (Q(incident__isnull=True) & Exists(affected.filter(incident=OuterRef("alert_group__incident"))))
        )
    for name in ("severity", "incident_type"):
        value = getattr(filters, name)
        if value is not None:
            qs = qs.filter(
                Q(**{f"incident__{name}": value})
                | Q(incident__isnull=True, **{f"alert_group__incident__{name}": value})
            )
    return qs


def _pages(deliveries: QuerySet[Notification], *, since: datetime, zone: Case | F | Value) -> QuerySet:
    """One row per page of the range (SQL): person, time zone, time of its earliest delivery."""
    return (
        deliveries.order_by()
        .values(person=F("user_id"), page=page_key(), zone=zone)
        .annotate(page_at=Min("due_at"))
        .filter(page_at__gte=since)
    )


CATEGORY_SQL = (
    "CASE WHEN EXTRACT(HOUR FROM local_at) >= 22 OR EXTRACT(HOUR FROM local_at) < 8 THEN 'sleep'"
    " WHEN EXTRACT(ISODOW FROM local_at) <= 5 AND EXTRACT(HOUR FROM local_at) < 18 THEN 'business'"
    " ELSE 'off_hours' END"
)


def _counts_postgresql(
    deliveries: QuerySet[Notification], filters: AnalyticsFilters
) -> list[tuple[int, str, str, int]]:
    """(person, zone, category, pages): every page classified in SQL at its local time (`AT TIME ZONE`)."""
    names = set(deliveries.order_by().values_list("user__time_zone", flat=True).distinct())
    known = sorted(name for name in names if _zone(name) is not None)
    zone = (
        Case(When(user__time_zone__in=known, then=F("user__time_zone")), default=Value("UTC"))
        if known
        else Value("UTC")
    )
    inner, params = _pages(deliveries, since=filters.start, zone=zone).query.sql_with_params()
    sql = (
        f"SELECT person, zone, {CATEGORY_SQL} AS category, COUNT(*) FROM"
        f" (SELECT pages.person, pages.zone, pages.page_at AT TIME ZONE pages.zone AS local_at FROM ({inner}) AS pages)"
        " AS localized GROUP BY 1, 2, 3"
    )
    with connections[deliveries.db].cursor() as cursor:
        cursor.execute(sql, params)
        return [(person, zone, category, count) for person, zone, category, count in cursor.fetchall()]


def _counts_sqlite(deliveries: QuerySet[Notification], filters: AnalyticsFilters) -> list[tuple[int, str, str, int]]:
    """(person, zone, category, pages): pages counted in SQL per person, zone and 15-minute UTC slot, each slot
    then placed at its local time in Python (SQLite has no time-zone data)."""
    inner, params = _pages(deliveries, since=filters.start, zone=F("user__time_zone")).query.sql_with_params()
    # "%%": the statement goes through the backend's %s parameter formatting.
    slot = (
        f"strftime('%%Y-%%m-%%d %%H:', page_at) || printf('%%02d', CAST(strftime('%%M', page_at) AS INTEGER)"
        f" / {SLOT_MINUTES} * {SLOT_MINUTES})"
    )
    sql = f"SELECT person, zone, {slot} AS slot, COUNT(*) FROM ({inner}) AS pages GROUP BY 1, 2, 3"
    with connections[deliveries.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    counts: dict[tuple[int, str, str], int] = {}
    for person, name, slot_start, count in rows:
        zone = _zone(name)
        local = datetime.fromisoformat(slot_start).replace(tzinfo=UTC).astimezone(zone or UTC)
        key = (person, name if zone else "UTC", hour_category(local))
        counts[key] = counts.get(key, 0) + count
    return [(*key, count) for key, count in counts.items()]


def analytics_paging(*, organization: Organization, filters: AnalyticsFilters) -> PagingLoad:
    """Pages per person in the range with their business / off / sleep hours split, most paged first.

    Aggregated in the database (see the module docstring); then one query for the names of the people paged.
    """
    deliveries = analytics_page_deliveries(organization=organization, filters=filters)
    vendor = connections[deliveries.db].vendor
    if vendor == "postgresql":
        counts = _counts_postgresql(deliveries, filters)
    elif vendor == "sqlite":
        counts = _counts_sqlite(deliveries, filters)
    else:  # pragma: no cover - the project runs on PostgreSQL or SQLite only
        raise NotImplementedError(vendor)
    split: dict[int, dict[str, int]] = {}
    zones: dict[int, str] = {}
    for person, zone, category, count in counts:
        split.setdefault(person, dict.fromkeys(CATEGORIES, 0))[category] += count
        zones[person] = zone
    if not split:
        return PagingLoad()
    users = User.objects.filter(pk__in=split).only("pk", "uuid", "email", "full_name")
    people = [
        PersonLoad(
            user_id=user.pk,
            uuid=user.uuid,
            email=user.email,
            full_name=user.full_name,
            time_zone=zones[user.pk],
            pages=sum(split[user.pk].values()),
            business=split[user.pk][BUSINESS],
            off_hours=split[user.pk][OFF_HOURS],
            sleep=split[user.pk][SLEEP],
        )
        for user in users
    ]
    people.sort(key=lambda p: (-p.pages, p.display_name.lower(), p.email))
    return PagingLoad(people=people)

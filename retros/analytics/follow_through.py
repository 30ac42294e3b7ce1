"""After the incident: are retrospectives published on time, are their follow-ups done, and which
contributing factors come back. Counted over the retrospectives and follow-ups of the incidents the
filters select (so drills stay out unless asked for); three aggregate queries."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Q
from django.utils import timezone

from orgs.models import Organization
from retros.analytics.filters import AnalyticsFilters
from retros.analytics.selectors import analytics_incidents
from retros.models import RetroFactor, Retrospective, RetrospectiveStatus
from ticketing import selectors as ticketing_selectors
from ticketing.models import OPEN_FOLLOW_UP_STATUSES, FollowUpStatus

TOP_FACTORS = 10


@dataclass(frozen=True)
class RetroFigures:
    """Retrospectives of the selected incidents. On time = published no later than its due date (or with none);
    the percentage is over the ones that are published or overdue (one not yet due cannot be late yet)."""

    total: int
    published: int
    published_on_time: int
    overdue: int  # not published and past its due date

    @property
    def published_late(self) -> int:
        return self.published - self.published_on_time

    @property
    def not_yet_due(self) -> int:
        return self.total - self.published - self.overdue

    @property
    def on_time_percent(self) -> float | None:
        judged = self.published + self.overdue
        return round(self.published_on_time / judged * 100, 1) if judged else None


@dataclass(frozen=True)
class FollowUpFigures:
    """Follow-ups (action items) of the selected incidents or of their retrospectives."""

    total: int
    done: int
    wont_do: int
    open: int  # open or in progress
    overdue: int  # open and past its due date


@dataclass(frozen=True)
class FactorRow:
    slug: str
    name: str
    retrospectives: int


@dataclass(frozen=True)
class FollowThrough:
    retros: RetroFigures
    follow_ups: FollowUpFigures
    factors: list[FactorRow]


def analytics_follow_through(
    *, organization: Organization, filters: AnalyticsFilters, now: datetime | None = None
) -> FollowThrough:
    """Retrospectives on time, follow-ups done/overdue and the top contributing factors of the selected incidents."""
    now = now or timezone.now()
    incident_ids = analytics_incidents(organization=organization, filters=filters).values("pk")
    retros = Retrospective.objects.for_org(organization).filter(incident__in=incident_ids)
    published = Q(status=RetrospectiveStatus.PUBLISHED)
    retro_counts = retros.aggregate(
        total=Count("pk"),
        published=Count("pk", filter=published),
        on_time=Count("pk", filter=published & (Q(due_at=None) | Q(published_at__lte=F("due_at")))),
        overdue=Count("pk", filter=~published & Q(due_at__lt=now)),
    )
    follow_ups = (
        ticketing_selectors.follow_up_list(organization=organization)
        .filter(incident__in=incident_ids)  # a retrospective's action items are its incident's follow-ups
        .order_by()
    )
    is_open = Q(status__in=OPEN_FOLLOW_UP_STATUSES)
    follow_up_counts = follow_ups.aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(status=FollowUpStatus.DONE)),
        wont_do=Count("pk", filter=Q(status=FollowUpStatus.WONT_DO)),
        open=Count("pk", filter=is_open),
        overdue=Count("pk", filter=is_open & Q(due_date__lt=now.date())),
    )
    factors = (
        RetroFactor.objects.for_org(organization)
        .filter(retrospective__incident__in=incident_ids)
        .values("factor__slug", "factor__name")
        .annotate(retrospectives=Count("retrospective", distinct=True))
        .order_by("-retrospectives", "factor__name")[:TOP_FACTORS]
    )
    return FollowThrough(
        retros=RetroFigures(
            total=retro_counts["total"],
            published=retro_counts["published"],
            published_on_time=retro_counts["on_time"],
            overdue=retro_counts["overdue"],
        ),
        follow_ups=FollowUpFigures(**follow_up_counts),
        factors=[
            FactorRow(slug=row["factor__slug"], name=row["factor__name"], retrospectives=row["retrospectives"])
            for row in factors
        ],
    )

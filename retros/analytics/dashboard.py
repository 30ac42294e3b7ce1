"""What the dashboard page shows, assembled from the selectors: headline cards with the change against
the previous period, the weekly charts and their tables, and one breakdown. Presentation only."""

from dataclasses import dataclass, field
from functools import cached_property

from django.utils.safestring import SafeString

from orgs.models import Organization
from retros.analytics.charts import (
    Chart,
    LoadChart,
    bar_chart_svg,
    format_duration,
    line_chart_svg,
    load_rows,
    metric_trend_chart,
    paging_load_chart,
    paging_load_svg,
    weekly_bar_chart,
)
from retros.analytics.filters import AnalyticsFilters
from retros.analytics.follow_through import FollowThrough, analytics_follow_through
from retros.analytics.metrics import METRICS, GroupStats, MetricStats
from retros.analytics.paging import PagingLoad, analytics_paging
from retros.analytics.selectors import (
    BreakdownRow,
    WeekRow,
    analytics_breakdown,
    analytics_summary,
    analytics_weekly,
)


@dataclass(frozen=True)
class Change:
    """How a figure moved against the previous period; for every figure here, lower is better."""

    text: str
    tone: str  # better / worse / same / none


@dataclass(frozen=True)
class Headline:
    key: str
    label: str
    title: str
    value: str
    detail: str
    change: Change


@dataclass(frozen=True)
class MetricTrend:
    key: str
    label: str
    title: str
    chart: Chart

    @property
    def svg(self) -> SafeString:
        return line_chart_svg(self.chart, self.title)


@dataclass(frozen=True)
class BreakdownCell:
    text: str
    count: int


@dataclass(frozen=True)
class BreakdownLine:
    row: BreakdownRow
    share: float  # incidents relative to the biggest row, 0..100 (the inline bar)
    cells: list[BreakdownCell] = field(default_factory=list)


def period_label(days: int) -> str:
    return f"previous {days} day{'' if days == 1 else 's'}"


def change(current: float | None, previous: float | None, *, period: str, count: bool = False) -> Change:
    if current is None or previous is None:
        return Change(f"no figure for the {period}", "none")
    if count:
        difference = int(current - previous)
        if difference == 0:
            return Change(f"same as the {period}", "same")
        tone = "worse" if difference > 0 else "better"
        more = "more" if difference > 0 else "fewer"
        return Change(f"{'▲' if difference > 0 else '▼'} {abs(difference)} {more} than the {period}", tone)
    if previous == 0:
        return Change(f"no figure for the {period}", "none")
    percent = round((current - previous) / previous * 100)
    if percent == 0:
        return Change(f"same as the {period}", "same")
    arrow = "▲" if percent > 0 else "▼"
    return Change(f"{arrow} {abs(percent)}% vs the {period}", "worse" if percent > 0 else "better")


def headlines(current: GroupStats, previous: GroupStats, *, period: str) -> list[Headline]:
    cards = [
        Headline(
            key="incidents",
            label="Incidents",
            title="Incidents whose impact started in the range",
            value=str(current.incidents),
            detail=f"{current.metrics['mttr'].count} resolved",
            change=change(current.incidents, previous.incidents, period=period, count=True),
        )
    ]
    for key, (_, short, long) in METRICS.items():
        stats: MetricStats = current.metrics[key]
        cards.append(
            Headline(
                key=key,
                label=short,
                title=f"{long}: median time from the start of impact (mean and 90th percentile below)",
                value=format_duration(stats.median),
                detail=(
                    f"mean {format_duration(stats.mean)} · p90 {format_duration(stats.p90)} · {stats.count} incidents"
                    if stats.count
                    else "no incident reached this milestone"
                ),
                change=change(stats.median, previous.metrics[key].median, period=period),
            )
        )
    return cards


def breakdown_lines(rows: list[BreakdownRow], *, stat: str) -> list[BreakdownLine]:
    biggest = max([row.stats.incidents for row in rows] or [1])
    return [
        BreakdownLine(
            row=row,
            share=round(row.stats.incidents / biggest * 100, 1),
            cells=[
                BreakdownCell(
                    text=format_duration(getattr(row.stats.metrics[key], stat)), count=row.stats.metrics[key].count
                )
                for key in METRICS
            ],
        )
        for row in rows
    ]


@dataclass
class Dashboard:
    filters: AnalyticsFilters
    summary: GroupStats
    previous: GroupStats
    weeks: list[WeekRow]
    breakdown: list[BreakdownRow]
    by: str
    stat: str
    follow_through: FollowThrough
    paging: PagingLoad

    @cached_property
    def period(self) -> str:
        return period_label(self.filters.days)

    @cached_property
    def headlines(self) -> list[Headline]:
        return headlines(self.summary, self.previous, period=self.period)

    @cached_property
    def weekly_chart(self) -> Chart:
        return weekly_bar_chart(self.weeks)

    @cached_property
    def weekly_svg(self) -> SafeString:
        return bar_chart_svg(self.weekly_chart, "Incidents per week")

    @cached_property
    def trends(self) -> list[MetricTrend]:
        return [
            MetricTrend(key=key, label=short, title=long, chart=metric_trend_chart(self.weeks, key))
            for key, (_, short, long) in METRICS.items()
        ]

    @cached_property
    def breakdown_lines(self) -> list[BreakdownLine]:
        return breakdown_lines(self.breakdown, stat=self.stat)

    @cached_property
    def factor_lines(self) -> list[tuple[object, float]]:
        """Top contributing factors with their bar length (0..100, relative to the most frequent)."""
        factors = self.follow_through.factors
        biggest = max([f.retrospectives for f in factors] or [1])
        return [(f, round(f.retrospectives / biggest * 100, 1)) for f in factors]

    @cached_property
    def paging_chart(self) -> LoadChart:
        return paging_load_chart(load_rows(self.paging.people))

    @cached_property
    def paging_svg(self) -> SafeString:
        return paging_load_svg(self.paging_chart, "Pages per person, by business, off and sleep hours")

    @cached_property
    def week_table(self) -> list[tuple[WeekRow, list[str]]]:
        """Each week with the median of every metric, formatted (the table under the bar chart)."""
        return [(w, [format_duration(w.stats.metrics[m].median) for m in METRICS]) for w in self.weeks]

    @cached_property
    def trend_table(self) -> list[tuple[WeekRow, list[str]]]:
        """Each week with median, p90 and mean of every metric, formatted (the table under the trends)."""
        return [
            (w, [format_duration(getattr(w.stats.metrics[m], s)) for m in METRICS for s in ("median", "p90", "mean")])
            for w in self.weeks
        ]


def dashboard_build(*, organization: Organization, filters: AnalyticsFilters, by: str, stat: str) -> Dashboard:
    """Everything the page draws: eight aggregate queries (summary, previous period, weeks, one breakdown,
    retrospectives, follow-ups and contributing factors, pages per person) plus the on-call load's two small ones
    (time zones of the people paged on PostgreSQL, their names)."""
    return Dashboard(
        filters=filters,
        summary=analytics_summary(organization=organization, filters=filters),
        previous=analytics_summary(organization=organization, filters=filters.previous()),
        weeks=analytics_weekly(organization=organization, filters=filters),
        breakdown=analytics_breakdown(organization=organization, filters=filters, by=by),
        by=by,
        stat=stat,
        follow_through=analytics_follow_through(organization=organization, filters=filters),
        paging=analytics_paging(organization=organization, filters=filters),
    )

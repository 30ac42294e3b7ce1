"""Analytics for managers (issue 7): incident load and MTTx over time and by severity, service and team.

Selectors re-exported here: `from retros import analytics`, then `analytics.analytics_summary(...)`. The pages are
`views.py` + `urls.py` (/o/<org>/analytics/, namespace "analytics", included by config/urls.py) and the API is `api/`
(/api/v1/analytics/, registered through retros/api/routes.py).
"""

from retros.analytics.filters import (
    DEFAULT_DAYS,
    MAX_DAYS,
    PRESETS,
    AnalyticsFilters,
    analytics_filters_resolve,
    default_range,
)
from retros.analytics.follow_through import FollowThrough, analytics_follow_through
from retros.analytics.metrics import METRICS, PERCENTILES, GroupStats, MetricStats, grouped_stats
from retros.analytics.paging import PagingLoad, PersonLoad, analytics_paging
from retros.analytics.selectors import (
    BREAKDOWNS,
    NOT_COUNTED,
    BreakdownRow,
    FilterOptions,
    WeekRow,
    analytics_breakdown,
    analytics_filter_options,
    analytics_has_incidents,
    analytics_incidents,
    analytics_summary,
    analytics_weekly,
)

__all__ = [
    "BREAKDOWNS",
    "DEFAULT_DAYS",
    "MAX_DAYS",
    "METRICS",
    "NOT_COUNTED",
    "PERCENTILES",
    "PRESETS",
    "AnalyticsFilters",
    "BreakdownRow",
    "FilterOptions",
    "FollowThrough",
    "GroupStats",
    "MetricStats",
    "PagingLoad",
    "PersonLoad",
    "WeekRow",
    "analytics_breakdown",
    "analytics_filter_options",
    "analytics_filters_resolve",
    "analytics_follow_through",
    "analytics_has_incidents",
    "analytics_incidents",
    "analytics_paging",
    "analytics_summary",
    "analytics_weekly",
    "default_range",
    "grouped_stats",
]

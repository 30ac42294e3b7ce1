"""The analytics pages: the managers' dashboard and a CSV of every chart and table on it.

Every member reads them (viewers too); nothing here writes. Filters are GET parameters shared with the
API; a bad one re-renders the page with the reason and status 400 (CSV: a 400 text answer)."""

import csv
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from core import panels
from orgs.permissions import RESPONDER
from retros import analytics
from retros.analytics import dashboard as board
from retros.analytics.forms import STAT_CHOICES, AnalyticsFilterForm

PAGE = "retros/analytics_dashboard.html"
CSV_CHARTS = {
    "summary": "Summary",
    "weekly": "Per week",
    "severity": "By severity",
    "service": "By service",
    "team": "By team",
    "follow-through": "Retrospectives and follow-ups",
    "factors": "Contributing factors",
    "paging": "On-call load",
}


def query_string(base: dict[str, str], **changes: str) -> str:
    query = {**base, **changes}
    return urlencode({k: v for k, v in query.items() if v})


def preset_query(query: dict[str, str], days: int) -> str:
    """The same filters over the last `days` days."""
    since, until = analytics.default_range(days=days)
    return query_string(query, since=since.isoformat(), until=until.isoformat())


def presets(query: dict[str, str], filters: analytics.AnalyticsFilters | None) -> list[tuple[int, str, str, bool]]:
    """The preset ranges as (days, label, query string, is the current range)."""
    shown = (filters.since, filters.until) if filters else None
    return [
        (days, label, preset_query(query, days), shown == analytics.default_range(days=days))
        for days, label in analytics.PRESETS
    ]


def export_url(request: HttpRequest, chart: str, query: dict[str, str]) -> str:
    url = reverse(f"analytics:analytics-export-{chart}", kwargs={"org_slug": request.organization.slug})
    return f"{url}?{urlencode(query)}"


@require_GET
@vary_on_headers("HX-Request")
def analytics_dashboard(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    form = AnalyticsFilterForm(request.GET, organization=organization)
    context: dict[str, Any] = {
        "form": form,
        "options": analytics.analytics_filter_options(organization=organization),
        "can_declare": request.membership.has_role(RESPONDER),
        "presets": presets({}, None),
    }
    if not form.is_valid():
        context["errors"] = [f"{error}" for errors in form.errors.values() for error in errors]
        return render(request, PAGE, context, status=400)
    filters = form.analytics_filters
    by, stat = form.breakdown_value, form.stat_value
    query = filters.as_query()
    context.update(
        filters=filters,
        query=query,
        by=by,
        stat=stat,
        stat_label=dict(STAT_CHOICES)[stat],
        tabs=[
            (value, label, query_string(query, by=value, stat=stat)) for value, label in analytics.BREAKDOWNS.items()
        ],
        stats=[(value, label, query_string(query, by=by, stat=value)) for value, label in STAT_CHOICES],
        presets=presets(query, filters),
        csv={chart.replace("-", "_"): export_url(request, chart, query) for chart in CSV_CHARTS},
        api_url=f"/api/v1/analytics/?{urlencode(query)}",
        metrics=[(key, short, long) for key, (_, short, long) in analytics.METRICS.items()],
    )
    if request.htmx and request.headers.get("HX-Target") == "analytics-breakdown":
        rows = analytics.analytics_breakdown(organization=organization, filters=filters, by=by)
        context["breakdown_lines"] = board.breakdown_lines(rows, stat=stat)
        return render(request, f"{PAGE}#breakdown", context)
    dashboard = board.dashboard_build(organization=organization, filters=filters, by=by, stat=stat)
    context.update(dashboard=dashboard, breakdown_lines=dashboard.breakdown_lines)
    # Sections of higher apps (drills' results), through core.panels: they read the same filters.
    context["panels"] = panels.panels_render(panels.ANALYTICS, request, filters=filters)
    if dashboard.summary.incidents == 0:
        context["org_has_incidents"] = analytics.analytics_has_incidents(organization=organization)
    return render(request, PAGE, context)


def _metric_columns() -> list[str]:
    return [f"{m}_{s}" for m in analytics.METRICS for s in ("count", "mean_seconds", "median_seconds", "p90_seconds")]


def _metric_values(stats: analytics.GroupStats) -> list[Any]:
    values: list[Any] = []
    for metric in analytics.METRICS:
        figure = stats.metrics[metric]
        values += [figure.count, *("" if v is None else v for v in (figure.mean, figure.median, figure.p90))]
    return values


@require_GET
def analytics_export(request: HttpRequest, org_slug: str, chart: str) -> HttpResponse:
    """One chart or table of the dashboard as CSV (durations in seconds), for the same filters."""
    organization = request.organization
    form = AnalyticsFilterForm(request.GET, organization=organization)
    if not form.is_valid():
        errors = "\n".join(f"{field}: {error}" for field, errors in form.errors.items() for error in errors)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    filters = form.analytics_filters
    name = f"{organization.slug}-analytics-{chart}-{filters.since}-{filters.until}"
    if filters.include_drills:
        name += "-with-drills"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    if chart == "summary":
        stats = analytics.analytics_summary(organization=organization, filters=filters)
        writer.writerow(
            ["metric", "incidents", "incidents_with_milestone", "mean_seconds", "median_seconds", "p90_seconds"]
        )
        for metric in analytics.METRICS:
            figure = stats.metrics[metric]
            writer.writerow(
                [
                    metric,
                    stats.incidents,
                    figure.count,
                    *("" if v is None else v for v in (figure.mean, figure.median, figure.p90)),
                ]
            )
    elif chart == "weekly":
        writer.writerow(["week_start", "week_end", "partial_week", "incidents", *_metric_columns()])
        for week in analytics.analytics_weekly(organization=organization, filters=filters):
            writer.writerow(
                [
                    week.start,
                    week.end,
                    "yes" if week.is_partial else "no",
                    week.stats.incidents,
                    *_metric_values(week.stats),
                ]
            )
    elif chart == "follow-through":
        figures = analytics.analytics_follow_through(organization=organization, filters=filters)
        retros, follow_ups = figures.retros, figures.follow_ups
        writer.writerow(["what", "figure", "value"])
        writer.writerows(
            [
                ["retrospectives", "total", retros.total],
                ["retrospectives", "published", retros.published],
                ["retrospectives", "published_on_time", retros.published_on_time],
                ["retrospectives", "published_late", retros.published_late],
                ["retrospectives", "overdue", retros.overdue],
                ["retrospectives", "not_yet_due", retros.not_yet_due],
                ["retrospectives", "on_time_percent", "" if retros.on_time_percent is None else retros.on_time_percent],
                ["follow_ups", "total", follow_ups.total],
                ["follow_ups", "done", follow_ups.done],
                ["follow_ups", "wont_do", follow_ups.wont_do],
                ["follow_ups", "open", follow_ups.open],
                ["follow_ups", "overdue", follow_ups.overdue],
            ]
        )
    elif chart == "paging":
        writer.writerow(["person", "email", "time_zone", "pages", "business_hours", "off_hours", "sleep_hours"])
        for person in analytics.analytics_paging(organization=organization, filters=filters).people:
            writer.writerow(
                [
                    person.display_name,
                    person.email,
                    person.time_zone,
                    person.pages,
                    person.business,
                    person.off_hours,
                    person.sleep,
                ]
            )
    elif chart == "factors":
        writer.writerow(["factor", "name", "retrospectives"])
        for factor in analytics.analytics_follow_through(organization=organization, filters=filters).factors:
            writer.writerow([factor.slug, factor.name, factor.retrospectives])
    else:
        writer.writerow([chart, "label", "incidents", *_metric_columns()])
        for row in analytics.analytics_breakdown(organization=organization, filters=filters, by=chart):
            writer.writerow([row.key or "", row.label, row.stats.incidents, *_metric_values(row.stats)])
    return response

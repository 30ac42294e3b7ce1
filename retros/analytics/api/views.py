"""/api/v1/analytics/: the dashboard's figures for the token's organization. Any token reads; nothing writes.

Every route takes the same filter query parameters and answers 400 (standard error body) for a bad one."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.models import Incident
from orgs.api.base import OrgScopedViewSet
from orgs.api.schema import AutoSchema
from retros import analytics
from retros.analytics.api import serializers

FILTERS = [serializers.AnalyticsFilterSerializer]


class ObjectResponseSchema(AutoSchema):
    """Every analytics route answers one object, the collection route (`list`) included."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


class AnalyticsViewSet(OrgScopedViewSet):
    """Incident load and MTTD/MTTA/MTTM/MTTR (mean, median, p90) of the token's organization."""

    queryset = Incident.objects.all()  # the rows the figures are computed from (always scoped to the org)
    filter_backends: list = []
    pagination_class = None
    http_method_names = ["get", "head", "options"]
    schema = ObjectResponseSchema()

    def _filters(self) -> analytics.AnalyticsFilters:
        params = serializers.AnalyticsFilterSerializer(
            data=self.request.query_params, context=self.get_serializer_context()
        )
        params.is_valid(raise_exception=True)
        return params.validated_data["filters"]

    def _envelope(self, filters: analytics.AnalyticsFilters, **figures: Any) -> dict[str, Any]:
        return {"organization": self.organization.slug, "filters": filters, **figures}

    def _breakdown(self, by: str) -> Response:
        filters = self._filters()
        rows = analytics.analytics_breakdown(organization=self.organization, filters=filters, by=by)
        return Response(serializers.BreakdownOutputSerializer(self._envelope(filters, rows=rows)).data)

    @extend_schema(parameters=FILTERS, responses=serializers.DashboardOutputSerializer)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Everything the dashboard shows: totals, every week, the breakdowns by severity, service and team, the
        follow-through (retrospectives, follow-ups, contributing factors) and the on-call load (pages per person)."""
        filters = self._filters()
        org = self.organization
        data = self._envelope(
            filters,
            figures=analytics.analytics_summary(organization=org, filters=filters),
            weeks=analytics.analytics_weekly(organization=org, filters=filters),
            **{
                f"by_{by}": analytics.analytics_breakdown(organization=org, filters=filters, by=by)
                for by in analytics.BREAKDOWNS
            },
            follow_through=analytics.analytics_follow_through(organization=org, filters=filters),
            paging=analytics.analytics_paging(organization=org, filters=filters),
        )
        return Response(serializers.DashboardOutputSerializer(data).data)

    @extend_schema(parameters=FILTERS, responses=serializers.SummaryOutputSerializer)
    @action(detail=False, methods=["get"])
    def summary(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Totals over the range, and over the period of the same length just before it."""
        filters = self._filters()
        previous = filters.previous()
        data = self._envelope(
            filters,
            figures=analytics.analytics_summary(organization=self.organization, filters=filters),
            previous_period={
                "since": previous.since,
                "until": previous.until,
                "figures": analytics.analytics_summary(organization=self.organization, filters=previous),
            },
        )
        return Response(serializers.SummaryOutputSerializer(data).data)

    @extend_schema(parameters=FILTERS, responses=serializers.WeeklyOutputSerializer)
    @action(detail=False, methods=["get"])
    def weekly(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Every ISO week (Monday to Sunday, UTC) of the range, oldest first, weeks without incidents included."""
        filters = self._filters()
        weeks = analytics.analytics_weekly(organization=self.organization, filters=filters)
        return Response(serializers.WeeklyOutputSerializer(self._envelope(filters, weeks=weeks)).data)

    @extend_schema(parameters=FILTERS, responses=serializers.BreakdownOutputSerializer)
    @action(detail=False, methods=["get"], url_path="by-severity")
    def by_severity(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Figures per severity, worst first."""
        return self._breakdown("severity")

    @extend_schema(parameters=FILTERS, responses=serializers.BreakdownOutputSerializer)
    @action(detail=False, methods=["get"], url_path="by-service")
    def by_service(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Figures per affected service, most incidents first (an incident counts for each service it affected)."""
        return self._breakdown("service")

    @extend_schema(parameters=FILTERS, responses=serializers.BreakdownOutputSerializer)
    @action(detail=False, methods=["get"], url_path="by-team")
    def by_team(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Figures per owner team of the affected services, most incidents first (once per team)."""
        return self._breakdown("team")

    @extend_schema(parameters=FILTERS, responses=serializers.FollowThroughOutputSerializer)
    @action(detail=False, methods=["get"], url_path="follow-through")
    def follow_through(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Retrospectives published on time, follow-ups done and overdue, top contributing factors."""
        filters = self._filters()
        figures = analytics.analytics_follow_through(organization=self.organization, filters=filters)
        data = {"organization": self.organization.slug, "filters": filters, "retros": figures.retros}
        data.update(follow_ups=figures.follow_ups, factors=figures.factors)
        return Response(serializers.FollowThroughOutputSerializer(data).data)

    @extend_schema(parameters=FILTERS, responses=serializers.OnCallLoadOutputSerializer)
    @action(detail=False, methods=["get"])
    def paging(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """On-call load: pages per person (most first) and how many came in business, off and sleep hours, each in
        the paged person's time zone. A page is one person paged once, whatever the channels; its time (the
        range) is its first delivery. Team: the team's members; service: pages for its alerts or for incidents
        that affected it; severity and incident type: pages for such incidents only. Drills left out by default."""
        filters = self._filters()
        load = analytics.analytics_paging(organization=self.organization, filters=filters)
        data = self._envelope(filters, totals=load, people=load.people)
        return Response(serializers.OnCallLoadOutputSerializer(data).data)

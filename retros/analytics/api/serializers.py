"""Shapes of the analytics API: the filter query parameters (validated against the token's org) and the
figures. Durations are seconds (float, millisecond precision); null when no incident reached the milestone."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from core.fields import BoundedSerializerDateField
from retros import analytics


class AnalyticsFilterSerializer(serializers.Serializer):
    since = BoundedSerializerDateField(
        required=False, help_text="First day (UTC) of the range, on `started_at`. Default: 90 days before `until`."
    )
    until = BoundedSerializerDateField(
        required=False, help_text="Last day (UTC) of the range, inclusive. Default: today."
    )
    severity = serializers.CharField(required=False, allow_blank=True, help_text="A severity's name (SEV1).")
    service = serializers.CharField(required=False, allow_blank=True, help_text="An affected service's slug.")
    team = serializers.CharField(
        required=False, allow_blank=True, help_text="A team's slug: incidents affecting a service it owns."
    )
    incident_type = serializers.CharField(required=False, allow_blank=True, help_text="An incident type's slug.")
    include_drills = serializers.BooleanField(
        required=False, default=False, help_text="Count drill incidents too (left out by default)."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            filters = analytics.analytics_filters_resolve(organization=self.context["request"].organization, **attrs)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return {"filters": filters}


class MetricStatsSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Incidents that reached the milestone (the others are left out).")
    mean_seconds = serializers.FloatField(source="mean", allow_null=True)
    median_seconds = serializers.FloatField(source="median", allow_null=True)
    p90_seconds = serializers.FloatField(
        source="p90", allow_null=True, help_text="90th percentile, linear interpolation (percentile_cont)."
    )


class FiguresSerializer(serializers.Serializer):
    """An incident count and the four MTTx metrics of a group of incidents."""

    incidents = serializers.IntegerField()
    mttd = MetricStatsSerializer(source="metrics.mttd", help_text="Time to detect: detected_at - started_at.")
    mtta = MetricStatsSerializer(source="metrics.mtta", help_text="Time to acknowledge: acknowledged_at - started_at.")
    mttm = MetricStatsSerializer(source="metrics.mttm", help_text="Time to mitigate: mitigated_at - started_at.")
    mttr = MetricStatsSerializer(source="metrics.mttr", help_text="Time to resolve: resolved_at - started_at.")


class FiltersOutputSerializer(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    severity = serializers.CharField(source="severity.name", allow_null=True, default=None)
    service = serializers.CharField(source="service.slug", allow_null=True, default=None)
    team = serializers.CharField(source="team.slug", allow_null=True, default=None)
    incident_type = serializers.CharField(source="incident_type.slug", allow_null=True, default=None)
    include_drills = serializers.BooleanField()


class PeriodSerializer(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    figures = FiguresSerializer()


class WeekSerializer(serializers.Serializer):
    week_start = serializers.DateField(source="start", help_text="Monday (UTC).")
    week_end = serializers.DateField(source="end", help_text="Sunday (UTC).")
    partial = serializers.BooleanField(source="is_partial", help_text="The range covers only part of this week.")
    figures = FiguresSerializer(source="stats")


class BreakdownRowSerializer(serializers.Serializer):
    key = serializers.CharField(
        allow_null=True, help_text="Severity name, service slug or team slug; null: incidents without one."
    )
    label = serializers.CharField()
    figures = FiguresSerializer(source="stats")


class RetroFiguresSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    published = serializers.IntegerField()
    published_on_time = serializers.IntegerField(help_text="Published no later than the due date (or with none).")
    published_late = serializers.IntegerField()
    overdue = serializers.IntegerField(help_text="Not published and past the due date.")
    not_yet_due = serializers.IntegerField()
    on_time_percent = serializers.FloatField(
        allow_null=True, help_text="published_on_time / (published + overdue) x 100; null when none is due yet."
    )


class FollowUpFiguresSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    wont_do = serializers.IntegerField()
    open = serializers.IntegerField(help_text="Open or in progress.")
    overdue = serializers.IntegerField(help_text="Open or in progress, due before today.")


class FactorSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    retrospectives = serializers.IntegerField(help_text="Retrospectives of the selected incidents tagged with it.")


class FollowThroughSerializer(serializers.Serializer):
    retrospectives = RetroFiguresSerializer(source="retros")
    follow_ups = FollowUpFiguresSerializer()
    factors = FactorSerializer(many=True, help_text="The ten most frequent, most frequent first.")


class OnCallLoadTotalsSerializer(serializers.Serializer):
    pages = serializers.IntegerField(
        help_text="Pages in the range: one person paged once (an escalation step or a manual page), any channels."
    )
    people = serializers.IntegerField(source="people_count", help_text="People paged at least once.")
    business = serializers.IntegerField(help_text="Pages on Monday to Friday, 08:00-18:00 (the person's time zone).")
    off_hours = serializers.IntegerField(
        help_text="Pages on weekday evenings 18:00-22:00 and weekend days 08:00-22:00."
    )
    sleep = serializers.IntegerField(help_text="Pages between 22:00 and 08:00, any day.")
    business_percent = serializers.FloatField(allow_null=True, help_text="Share of the pages; null without pages.")
    off_hours_percent = serializers.FloatField(allow_null=True)
    sleep_percent = serializers.FloatField(allow_null=True)


class OnCallLoadUserSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    email = serializers.EmailField()
    full_name = serializers.CharField()


class OnCallLoadPersonSerializer(serializers.Serializer):
    user = OnCallLoadUserSerializer(source="*")
    time_zone = serializers.CharField(help_text="The zone the hours were read in (UTC when the person's is unknown).")
    pages = serializers.IntegerField()
    business = serializers.IntegerField()
    off_hours = serializers.IntegerField()
    sleep = serializers.IntegerField()


class OnCallLoadSerializer(serializers.Serializer):
    totals = OnCallLoadTotalsSerializer(source="*")
    people = OnCallLoadPersonSerializer(many=True, help_text="Everyone paged, most pages first.")


class EnvelopeSerializer(serializers.Serializer):
    organization = serializers.CharField(help_text="The token's organization (slug).")
    filters = FiltersOutputSerializer()


class SummaryOutputSerializer(EnvelopeSerializer):
    figures = FiguresSerializer()
    previous_period = PeriodSerializer(help_text="The same filters over the period of the same length just before.")


class WeeklyOutputSerializer(EnvelopeSerializer):
    weeks = WeekSerializer(many=True)


class BreakdownOutputSerializer(EnvelopeSerializer):
    rows = BreakdownRowSerializer(many=True)


class FollowThroughOutputSerializer(EnvelopeSerializer, FollowThroughSerializer):
    pass


class OnCallLoadOutputSerializer(EnvelopeSerializer):
    totals = OnCallLoadTotalsSerializer()
    people = OnCallLoadPersonSerializer(many=True, help_text="Everyone paged, most pages first.")


class DashboardOutputSerializer(EnvelopeSerializer):
    figures = FiguresSerializer()
    weeks = WeekSerializer(many=True)
    by_severity = BreakdownRowSerializer(many=True)
    by_service = BreakdownRowSerializer(many=True)
    by_team = BreakdownRowSerializer(many=True)
    follow_through = FollowThroughSerializer(help_text="Retrospectives on time, follow-ups, contributing factors.")
    paging = OnCallLoadSerializer(help_text="On-call load: pages per person by business / off / sleep hours.")

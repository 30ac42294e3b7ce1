"""Shapes of the drills API. Serializers check shape and bounds; what injects and expected responses mean (a
payload valid for its format, a service of the organization, offsets and targets within 24 h, one target per
response) is checked by drills.actions, whose 400 names each bad inject by its number ("Inject 2: ...").
Scenarios and runs are named by their uuid (`id`); services, teams and schedules by slug; severities by name;
people by id or email; incidents by number and alert groups by id."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.fields import BoundedSerializerDateTimeField
from core.limits import TEXT_MAX_CHARS
from drills import actions
from drills.models import (
    INJECT_FORMATS,
    INJECT_KINDS,
    RESPONSE_KINDS,
    DrillInject,
    DrillRun,
    InjectStatus,
    Recurrence,
    RunStatus,
    Scenario,
    ScenarioStatus,
)
from incidents.models import Severity
from oncall.models import Schedule
from orgs.api.base import OrgRelatedField
from orgs.api.fields import MemberField
from orgs.api.serializers import UserSummarySerializer
from orgs.models import Team
from services.models import Service

MAX_OFFSET = actions.scenarios.MAX_OFFSET_SECONDS


class UuidRelatedField(OrgRelatedField):
    """An object of the token's organization named by its id (uuid); anything else is "does not exist"."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="uuid", **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            raise
        except Exception:  # a value that is not a uuid (Django's ValidationError from the lookup)
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:100])


class InjectSerializer(serializers.Serializer):
    offset_seconds = serializers.IntegerField(min_value=0, max_value=MAX_OFFSET, help_text="From the run's start.")
    kind = serializers.ChoiceField(
        choices=INJECT_KINDS, help_text="`alert`: sent through the inbound endpoint; `hint`, `prompt`: shown."
    )
    format = serializers.ChoiceField(choices=INJECT_FORMATS, required=False, help_text="Alerts only.")
    service = serializers.CharField(max_length=100, required=False, help_text="Alerts only: the service's slug.")
    payload = serializers.JSONField(
        required=False, help_text="Alerts only: the event as that format's endpoint takes it (checked by its parser)."
    )
    text = serializers.CharField(
        max_length=actions.scenarios.MAX_INJECT_TEXT, required=False, help_text="Hints and prompts only."
    )


class ExpectedResponseSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RESPONSE_KINDS)
    target_seconds = serializers.IntegerField(min_value=1, max_value=MAX_OFFSET, help_text="From the run's start.")


class ScenarioOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    severity = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    services = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    injects = InjectSerializer(many=True, read_only=True)
    expected_responses = ExpectedResponseSerializer(many=True, read_only=True)
    created_by = UserSummarySerializer(read_only=True, allow_null=True)
    approved_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Scenario
        fields = [
            "id",
            "title",
            "hypothesis",
            "learning_goals",
            "severity",
            "services",
            "injects",
            "expected_responses",
            "abort_conditions",
            "status",
            "created_by",
            "approved_by",
            "approved_at",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"status": {"help_text": f"One of {', '.join(ScenarioStatus.values)}."}}


class ScenarioInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=actions.scenarios.TITLE_MAX)
    hypothesis = serializers.CharField(max_length=TEXT_MAX_CHARS, required=False, allow_blank=True)
    learning_goals = serializers.CharField(max_length=TEXT_MAX_CHARS, required=False, allow_blank=True)
    severity = OrgRelatedField(
        slug_field="name",
        queryset=Severity.objects.all(),
        required=False,
        allow_null=True,
        help_text="The severity responders should declare (its name), or null.",
    )
    services = serializers.ListField(
        child=OrgRelatedField(slug_field="slug", queryset=Service.objects.all()),
        max_length=200,
        required=False,
        help_text="Target services (slugs); the services alert injects go to are added.",
    )
    injects = serializers.ListField(
        child=serializers.DictField(child=serializers.JSONField()),
        max_length=actions.scenarios.MAX_INJECTS,
        required=False,
        help_text="Each an Inject: {offset_seconds, kind, format, service, payload} or {offset_seconds, kind, text}.",
    )
    expected_responses = ExpectedResponseSerializer(many=True, required=False, max_length=len(RESPONSE_KINDS) * 2)
    abort_conditions = serializers.CharField(max_length=TEXT_MAX_CHARS, required=False, allow_blank=True)

    def validate_injects(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Shape first (the action checks what they mean); a field it does not know is refused."""
        known = set(InjectSerializer().fields)
        errors = {}
        for index, inject in enumerate(value):
            unknown = sorted(set(inject) - known)
            if unknown:
                errors[index] = {name: ["Unknown field."] for name in unknown}
                continue
            shape = InjectSerializer(data=inject)
            if not shape.is_valid():
                errors[index] = shape.errors
        if errors:
            raise serializers.ValidationError(errors)
        return value


class InjectRunSerializer(serializers.ModelSerializer):
    service = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    text = serializers.SerializerMethodField(help_text="A hint's or prompt's text once it is due; empty before.")
    # Declared, not derived from the model: a derived integer's bounds depend on the database (SQLite's or
    # PostgreSQL's column range), and the committed schema must be one.
    position = serializers.IntegerField(read_only=True)
    offset_seconds = serializers.IntegerField(read_only=True)
    attempts = serializers.IntegerField(read_only=True)

    class Meta:
        model = DrillInject
        fields = [
            "position",
            "offset_seconds",
            "kind",
            "format",
            "service",
            "text",
            "status",
            "due_at",
            "sent_at",
            "attempts",
            "error",
        ]
        extra_kwargs = {"status": {"help_text": f"One of {', '.join(InjectStatus.values)}."}}

    def get_text(self, inject: DrillInject) -> str:
        return inject.text if inject.status == InjectStatus.SENT else ""


class ScorecardRowSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RESPONSE_KINDS)
    label = serializers.CharField()
    target_seconds = serializers.IntegerField()
    actual_seconds = serializers.IntegerField(allow_null=True, help_text="From the run's start; null until reached.")
    reached_at = serializers.DateTimeField(allow_null=True)
    result = serializers.ChoiceField(choices=["met", "missed", "not_reached"])


class DrillRunOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    reference = serializers.CharField(read_only=True, help_text="DR-<number>.")
    scenario = serializers.UUIDField(source="scenario.uuid", read_only=True, help_text="The scenario's id.")
    scenario_title = serializers.CharField(source="scenario.title", read_only=True)
    facilitator = UserSummarySerializer(read_only=True, allow_null=True)
    participants_teams = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    participants_schedule = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    observers = UserSummarySerializer(many=True, read_only=True)
    halted_by = UserSummarySerializer(read_only=True, allow_null=True)
    incidents = serializers.SerializerMethodField(help_text="Numbers of the incidents the run produced.")
    alert_groups = serializers.SerializerMethodField(help_text="Ids of the alert groups the run produced.")
    scorecard = serializers.SerializerMethodField(help_text="One row per expected response (live while running).")
    injects = InjectRunSerializer(many=True, read_only=True)
    number = serializers.IntegerField(read_only=True)  # declared: a derived integer's bounds depend on the database

    class Meta:
        model = DrillRun
        fields = [
            "id",
            "number",
            "reference",
            "scenario",
            "scenario_title",
            "status",
            "scheduled_for",
            "recurrence",
            "announced",
            "facilitator",
            "participants_teams",
            "participants_schedule",
            "observers",
            "started_at",
            "ended_at",
            "halted_by",
            "halt_reason",
            "ratings",
            "notes",
            "incidents",
            "alert_groups",
            "scorecard",
            "injects",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "status": {"help_text": f"One of {', '.join(RunStatus.values)}."},
            "ratings": {"help_text": '{"communication", "coordination", "technical"}: 1-5 each.'},
        }

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_incidents(self, run: DrillRun) -> list[int]:
        return [link.incident.number for link in run.links.all() if link.incident_id is not None]

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_alert_groups(self, run: DrillRun) -> list[str]:
        return [str(link.alert_group.uuid) for link in run.links.all() if link.alert_group_id is not None]

    @extend_schema_field(ScorecardRowSerializer(many=True))
    def get_scorecard(self, run: DrillRun) -> list[dict[str, Any]]:
        from drills.scorecard import run_scorecard

        return ScorecardRowSerializer(run_scorecard(run), many=True).data


class DrillRunInputSerializer(serializers.Serializer):
    scenario = UuidRelatedField(queryset=Scenario.objects.all(), help_text="The scenario's id (it must be approved).")
    scheduled_for = BoundedSerializerDateTimeField(
        required=False, allow_null=True, help_text="When beat starts it; null or left out: start it with …/start/."
    )
    recurrence = serializers.ChoiceField(choices=Recurrence.choices, required=False)
    announced = serializers.BooleanField(required=False)
    facilitator = MemberField(required=False, allow_null=True, help_text="User id or email; you by default.")
    participants_teams = serializers.ListField(
        child=OrgRelatedField(slug_field="slug", queryset=Team.objects.all()), max_length=100, required=False
    )
    participants_schedule = OrgRelatedField(
        slug_field="slug", queryset=Schedule.objects.all(), required=False, allow_null=True
    )
    observers = serializers.ListField(child=MemberField(), max_length=100, required=False)
    notes = serializers.CharField(max_length=actions.runs.NOTES_MAX, required=False, allow_blank=True)


class HaltSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=actions.runs.HALT_REASON_MAX, required=False, allow_blank=True, help_text="Why, for the timeline."
    )


class RunFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=RunStatus.choices, required=False)
    scenario = UuidRelatedField(queryset=Scenario.objects.all(), required=False, help_text="Only this scenario's runs.")

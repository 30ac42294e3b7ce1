"""Shapes of the escalation policy and paging API. Serializers resolve references in the token's org only."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import limits
from notifications.models import Notification
from oncall.actions.policies import MAX_REPEAT, MAX_STEPS, MAX_TARGETS_PER_STEP, MAX_WAIT_MINUTES
from oncall.models import EscalationPolicy, EscalationStepTarget, Schedule, StepTargetKind
from oncall.selectors import policies as selectors
from orgs.api.base import OrgRelatedField
from orgs.api.fields import MemberField
from orgs.models import Team


class PersonSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    name = serializers.CharField(source="display_name")
    email = serializers.EmailField()


# --- policies ------------------------------------------------------------------------------------------


class TargetInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=StepTargetKind.choices)
    user = MemberField(active_only=True, required=False, help_text="kind=user: the person's id or email")
    schedule = OrgRelatedField(
        slug_field="slug", queryset=Schedule.objects.all(), required=False, help_text="kind=schedule: its slug"
    )
    team = OrgRelatedField(slug_field="slug", queryset=Team.objects.all(), required=False, help_text="kind=team: slug")

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        kind = data["kind"]
        others = [field for field in ("user", "schedule", "team") if field != kind and field in data]
        if kind not in data:
            raise serializers.ValidationError({kind: [f"A {kind} target names its {kind}."]})
        if others:
            raise serializers.ValidationError({others[0]: [f"A {kind} target names only its {kind}."]})
        return {"kind": kind, kind: data[kind]}


class StepInputSerializer(serializers.Serializer):
    wait_minutes = serializers.IntegerField(min_value=1, max_value=MAX_WAIT_MINUTES)
    targets = TargetInputSerializer(many=True, allow_empty=False, max_length=MAX_TARGETS_PER_STEP)


class PolicyInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    slug = serializers.SlugField(max_length=63, required=False, allow_blank=True)
    description = serializers.CharField(max_length=limits.TEXT_MAX_CHARS, required=False, allow_blank=True)
    owner_team = OrgRelatedField(slug_field="slug", queryset=Team.objects.all(), required=False, allow_null=True)
    repeat_count = serializers.IntegerField(min_value=0, max_value=MAX_REPEAT, required=False)
    steps = StepInputSerializer(many=True, allow_empty=False, max_length=MAX_STEPS)


class TargetOutputSerializer(serializers.Serializer):
    kind = serializers.CharField()
    user = serializers.SerializerMethodField()
    schedule = serializers.SerializerMethodField()
    team = serializers.SerializerMethodField()

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_user(self, target: EscalationStepTarget) -> dict | None:
        return PersonSerializer(target.user).data if target.kind == StepTargetKind.USER else None

    @extend_schema_field({"type": "string", "nullable": True, "description": "The schedule's slug (kind schedule)"})
    def get_schedule(self, target: EscalationStepTarget) -> str | None:
        return target.schedule.slug if target.kind == StepTargetKind.SCHEDULE else None

    @extend_schema_field({"type": "string", "nullable": True, "description": "The team's slug (kind team)"})
    def get_team(self, target: EscalationStepTarget) -> str | None:
        return target.team.slug if target.kind == StepTargetKind.TEAM else None


class StepOutputSerializer(serializers.Serializer):
    position = serializers.SerializerMethodField()
    wait_minutes = serializers.IntegerField()
    targets = TargetOutputSerializer(many=True, source="targets.all")

    def get_position(self, step: Any) -> int:
        return step.position + 1


class PolicyOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    owner_team = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    steps = StepOutputSerializer(many=True, source="steps.all", read_only=True)
    services = serializers.SerializerMethodField()

    class Meta:
        model = EscalationPolicy
        fields = ["id", "slug", "name", "description", "owner_team", "repeat_count", "steps", "services"]
        read_only_fields = fields

    def get_services(self, policy: EscalationPolicy) -> list[str]:
        return [service.slug for service in selectors.policy_services(policy=policy)]


class OnCallNowSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    wait_minutes = serializers.IntegerField()
    users = PersonSerializer(many=True)


# --- manual paging ---------------------------------------------------------------------------------------


class PageInputSerializer(serializers.Serializer):
    incident = serializers.IntegerField(min_value=1, help_text="The incident number (INC-42 → 42)")
    users = serializers.ListField(
        child=MemberField(active_only=True), required=False, max_length=50, help_text="Ids or emails"
    )
    team = OrgRelatedField(slug_field="slug", queryset=Team.objects.all(), required=False, allow_null=True)
    schedule = OrgRelatedField(slug_field="slug", queryset=Schedule.objects.all(), required=False, allow_null=True)
    message = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class NotificationSummarySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    user = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Notification
        fields = ["id", "user", "reason", "channel", "status", "due_at", "attempts", "last_error", "sent_at"]
        read_only_fields = fields


class PageOutputSerializer(serializers.Serializer):
    incident = serializers.IntegerField()
    notifications = NotificationSummarySerializer(many=True)

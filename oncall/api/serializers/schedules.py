"""Shapes of the schedule API. Serializers validate shape only (and that people and teams are of the token's
org); the viewset calls oncall.actions.schedules."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import limits
from core.fields import BoundedSerializerDateField, BoundedSerializerDateTimeField
from oncall.models import RotationKind, Schedule, ScheduleLayer, ScheduleOverride
from oncall.rotation import Shift
from orgs.api.base import OrgRelatedField
from orgs.api.fields import MemberField
from orgs.api.serializers import UserSummarySerializer
from orgs.models import Team, User

MAX_WINDOW_DAYS = 93


@extend_schema_field({"type": "string", "description": "A member's id (uuid) or email"})
class MemberInputField(MemberField):
    """orgs' MemberField, described in the schema as the schedule API has always described it."""


@extend_schema_field(
    {"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$", "example": "09:00"}
)
class ClockTimeField(serializers.TimeField):
    """A local wall-clock time, sent as HH:MM (as restrictions write it); HH:MM:SS is read too. Not an OpenAPI
    `format: time`, which is an RFC 3339 time with seconds and a UTC offset."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


# --- schedules ---------------------------------------------------------------------------------------------


class RestrictionSerializer(serializers.Serializer):
    weekdays = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=6), min_length=1)
    start = serializers.CharField(help_text="HH:MM, local to the schedule")
    end = serializers.CharField(help_text="HH:MM; at or before start runs past midnight; 00:00-00:00 is all day")


class LayerOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    rotation = serializers.ChoiceField(choices=RotationKind.choices, read_only=True)
    restrictions = RestrictionSerializer(many=True, read_only=True)
    members = serializers.SerializerMethodField(help_text="Participants in turn order")
    handoff_time = ClockTimeField(read_only=True)
    # Declared: a range derived from the model field would depend on the database backend.
    position = serializers.IntegerField(read_only=True, help_text="Higher layers win where they overlap")

    class Meta:
        model = ScheduleLayer
        fields = [
            "id",
            "name",
            "position",
            "rotation",
            "shift_hours",
            "handoff_time",
            "start_date",
            "end_date",
            "restrictions",
            "members",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(UserSummarySerializer(many=True))
    def get_members(self, layer: ScheduleLayer) -> list[dict[str, Any]]:
        return UserSummarySerializer([m.user for m in layer.members.all()], many=True).data


class ScheduleOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    owner_team = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    layers = LayerOutputSerializer(many=True, read_only=True, help_text="Highest (winning) first")

    class Meta:
        model = Schedule
        fields = ["id", "slug", "name", "description", "time_zone", "owner_team", "layers", "created_at", "updated_at"]


class ScheduleInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    slug = serializers.SlugField(max_length=63, required=False, allow_blank=True)
    description = serializers.CharField(max_length=limits.TEXT_MAX_CHARS, required=False, allow_blank=True)
    time_zone = serializers.CharField(max_length=64, required=False, help_text="IANA name, e.g. Europe/London")
    owner_team = OrgRelatedField(slug_field="slug", queryset=Team.objects.all(), required=False, allow_null=True)


class LayerInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    rotation = serializers.ChoiceField(choices=RotationKind.choices)
    shift_hours = serializers.IntegerField(
        min_value=1, max_value=24 * 28, required=False, help_text="Custom rotations: shift length in elapsed hours"
    )
    handoff_time = ClockTimeField(help_text="HH:MM in the schedule's time zone")
    start_date = BoundedSerializerDateField(help_text="Date of the first hand-off")
    end_date = BoundedSerializerDateField(required=False, allow_null=True, help_text="The layer stops at its hand-off")
    restrictions = serializers.JSONField(
        required=False, help_text='[{"weekdays": [0, 1, 2, 3, 4], "start": "08:00", "end": "18:00"}]; [] = always'
    )
    members = serializers.ListField(
        child=MemberInputField(), min_length=1, max_length=50, help_text="Participants in turn order"
    )
    position = serializers.IntegerField(
        min_value=0, max_value=1000, required=False, help_text="Higher wins; default: above every layer"
    )

    def validate_members(self, value: list[User]) -> list[User]:
        if len({u.pk for u in value}) != len(value):
            raise serializers.ValidationError("Each person takes one turn per rotation; remove the repeat.")
        return value


# --- overrides and shifts ----------------------------------------------------------------------------------


class OverrideOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    user = UserSummarySerializer(read_only=True)
    covers = UserSummarySerializer(read_only=True, allow_null=True)
    created_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = ScheduleOverride
        fields = ["id", "user", "covers", "starts_at", "ends_at", "created_by", "created_at"]


class OverrideInputSerializer(serializers.Serializer):
    user = MemberInputField(help_text="Who is on call (id or email)")
    covers = MemberInputField(required=False, allow_null=True, help_text="Whom they replace; null = everyone")
    starts_at = BoundedSerializerDateTimeField()
    ends_at = BoundedSerializerDateTimeField()


class OverrideFilterSerializer(serializers.Serializer):
    include_past = serializers.BooleanField(required=False, default=False, help_text="Also overrides already over")


class ShiftSerializer(serializers.Serializer):
    user = serializers.SerializerMethodField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    source = serializers.ChoiceField(choices=[("layer", "Layer"), ("override", "Override")])
    layer = serializers.SerializerMethodField(help_text="The layer's id the shift comes from (or under)")

    @extend_schema_field(UserSummarySerializer(allow_null=True))
    def get_user(self, shift: Shift) -> dict[str, Any] | None:
        user = self.context["users"].get(shift.user_id)
        return UserSummarySerializer(user).data if user else None

    @extend_schema_field({"type": "string", "format": "uuid", "nullable": True})
    def get_layer(self, shift: Shift) -> str | None:
        uuid = self.context["layers"].get(shift.layer_id)
        return str(uuid) if uuid else None


class GapSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class ShiftsSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    shifts = ShiftSerializer(many=True)
    gaps = GapSerializer(many=True, help_text="Times with nobody on call")


class ShiftWindowSerializer(serializers.Serializer):
    start = BoundedSerializerDateTimeField(required=False, help_text="Default: now")
    end = BoundedSerializerDateTimeField(required=False, help_text="Default: start + 14 days; at most 93 days")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("start"), attrs.get("end")
        if start and end:
            if end <= start:
                raise serializers.ValidationError({"end": "The end must be after the start."})
            if (end - start).days > MAX_WINDOW_DAYS:
                raise serializers.ValidationError({"end": f"Ask for at most {MAX_WINDOW_DAYS} days at a time."})
        return attrs


class OncallAtSerializer(serializers.Serializer):
    at = BoundedSerializerDateTimeField(required=False, help_text="Default: now")


class OncallSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    users = UserSummarySerializer(many=True, help_text="Empty when nobody is on call")

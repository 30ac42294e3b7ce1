"""Shapes of the follow-ups API. Serializers validate shape only (and that references are of the token's org);
the viewset calls actions."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import limits
from core.fields import BoundedSerializerDateField
from incidents import selectors as incident_selectors
from incidents.models import Incident
from orgs.api.fields import MemberField
from orgs.api.serializers import UserSummarySerializer
from ticketing.models import FollowUp, FollowUpPriority, FollowUpStatus

# Named choice sets (kept apart from FollowUpStatus so the schema names the filter's extra values).
STATUS_FILTER_CHOICES = [
    *FollowUpStatus.choices,
    ("open_any", "Open or in progress"),
    ("closed", "Done or won't do"),
    ("overdue", "Open or in progress, due date passed"),
]


@extend_schema_field(OpenApiTypes.STR)
class IncidentNumberField(serializers.Field):
    """An incident of the token's organization, given by its number (42) or reference ("INC-42")."""

    default_error_messages = {"no_incident": "No incident of this organization has this number."}

    def to_internal_value(self, data: Any) -> Incident:
        text = str(data).strip().upper().removeprefix("INC-")
        incident = None
        if text.isdigit():
            incident = incident_selectors.incident_by_number(
                organization=self.context["request"].organization, number=int(text)
            )
        if incident is None:
            self.fail("no_incident")
        return incident

    def to_representation(self, incident: Incident) -> int:
        return incident.number


class FollowUpOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    number = serializers.IntegerField(read_only=True)
    reference = serializers.CharField(read_only=True, help_text="FU-<number>, unique within the organization.")
    status = serializers.ChoiceField(choices=FollowUpStatus.choices, read_only=True)
    priority = serializers.ChoiceField(choices=FollowUpPriority.choices, read_only=True)
    owner = UserSummarySerializer(read_only=True, allow_null=True)
    is_overdue = serializers.BooleanField(read_only=True)
    incident = serializers.SerializerMethodField(help_text="The incident's number, or null.")
    retrospective = serializers.SerializerMethodField(
        help_text="The number of the incident whose retrospective made it an action item, or null."
    )
    created_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "number",
            "reference",
            "title",
            "description",
            "description_html",
            "status",
            "priority",
            "owner",
            "due_date",
            "is_overdue",
            "completed_at",
            "incident",
            "retrospective",
            "created_by",
            "created_at",
            "updated_at",
        ]

    def get_incident(self, follow_up: FollowUp) -> int | None:
        return follow_up.incident.number if follow_up.incident_id else None

    def get_retrospective(self, follow_up: FollowUp) -> int | None:
        return follow_up.incident.number if follow_up.is_action_item else None


class FollowUpInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(
        max_length=limits.TEXT_MAX_CHARS, required=False, allow_blank=True, help_text="Markdown."
    )
    status = serializers.ChoiceField(choices=FollowUpStatus.choices, required=False)
    priority = serializers.ChoiceField(choices=FollowUpPriority.choices, required=False)
    owner = MemberField(required=False, allow_null=True, help_text="User id or email of a member, or null.")
    due_date = BoundedSerializerDateField(required=False, allow_null=True)
    incident = IncidentNumberField(required=False, allow_null=True, help_text="An incident number (42 or INC-42).")


class FollowUpFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=STATUS_FILTER_CHOICES, required=False)
    priority = serializers.ChoiceField(choices=FollowUpPriority.choices, required=False)
    owner = MemberField(required=False, help_text="User id or email of a member.")
    incident = serializers.IntegerField(required=False, min_value=1, help_text="An incident's number.")
    search = serializers.CharField(required=False, allow_blank=True, help_text="In titles, or FU-12.")

    def selector_kwargs(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        status = data.get("status", "")
        return {
            "status": "open" if status == "open_any" else status,
            "priority": data.get("priority", ""),
            "owner": data.get("owner"),
            "incident_number": data.get("incident"),
            "search": (data.get("search") or "").strip(),
        }

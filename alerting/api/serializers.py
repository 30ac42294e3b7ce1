"""Shapes of the alerting API. Serializers validate shape only (and that references are of the token's org);
the viewsets call actions."""

import re
import uuid
from datetime import timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from alerting import selectors
from alerting.models import (
    Alert,
    AlertAction,
    AlertGroup,
    AlertGroupStatus,
    AlertSeverity,
    Integration,
    IntegrationKind,
    PagingStatus,
)
from alerting.selectors import inbound_url
from core.fields import BoundedSerializerDateTimeField
from incidents import selectors as incident_selectors
from incidents.models import Incident, Severity
from orgs.api.base import OrgRelatedField
from orgs.api.serializers import UserSummarySerializer
from services.models import Service

# Named choice set (config/settings.py ENUM_NAME_OVERRIDES gives it its own schema enum).
GROUP_STATUS_FILTER_CHOICES = [*AlertGroupStatus.choices, ("open", "Open (triggered or acknowledged)")]
MAX_SILENCE_MINUTES = 60 * 24 * 365
INCIDENT_REFERENCE = re.compile(r"^(?:INC-)?(\d{1,9})$", re.IGNORECASE)


# --- integrations ----------------------------------------------------------------------------------------


class IntegrationOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    kind = serializers.ChoiceField(choices=IntegrationKind.choices, read_only=True)
    service = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    url = serializers.SerializerMethodField(
        help_text="The inbound URL. For kinds whose URL carries the key it is masked here; the full URL is in the "
        "create and regenerate-key responses only."
    )
    rate_limit_per_minute = serializers.IntegerField(read_only=True)
    dropped_events = serializers.IntegerField(
        read_only=True, help_text="Stray acknowledge/resolve events that matched no open group."
    )

    class Meta:
        model = Integration
        fields = [
            "id",
            "name",
            "kind",
            "service",
            "enabled",
            "rate_limit_per_minute",
            "title_path",
            "dedup_key_path",
            "severity_path",
            "status_path",
            "link_path",
            "url",
            "dropped_events",
            "last_event_at",
            "created_at",
            "updated_at",
        ]

    def get_url(self, integration: Integration) -> str:
        return inbound_url(integration, getattr(integration, "key", None))


class IntegrationKeySerializer(IntegrationOutputSerializer):
    key = serializers.CharField(read_only=True, help_text="The secret key. Shown once, never again.")

    class Meta(IntegrationOutputSerializer.Meta):
        fields = [*IntegrationOutputSerializer.Meta.fields, "key"]


class IntegrationInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=IntegrationKind.choices)
    service = OrgRelatedField(slug_field="slug", queryset=Service.objects.all())
    enabled = serializers.BooleanField(required=False)
    rate_limit_per_minute = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False)
    title_path = serializers.CharField(max_length=200, required=False, allow_blank=True)
    dedup_key_path = serializers.CharField(max_length=200, required=False, allow_blank=True)
    severity_path = serializers.CharField(max_length=200, required=False, allow_blank=True)
    status_path = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="A value of 'resolved' or 'ok' resolves."
    )
    link_path = serializers.CharField(max_length=200, required=False, allow_blank=True)


class IntegrationUpdateInputSerializer(IntegrationInputSerializer):
    kind = None  # fixed at creation

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "kind" in self.initial_data:
            raise serializers.ValidationError({"kind": "The kind cannot change; create another integration."})
        return attrs


# --- alert groups ----------------------------------------------------------------------------------------


class AlertSummarySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    action = serializers.ChoiceField(choices=AlertAction.choices, read_only=True)
    severity = serializers.ChoiceField(choices=AlertSeverity.choices, read_only=True)

    class Meta:
        model = Alert
        fields = ["id", "action", "dedup_key", "summary", "severity", "source_timestamp", "received_at"]


class AlertGroupOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    status = serializers.ChoiceField(choices=AlertGroupStatus.choices, read_only=True)
    severity = serializers.ChoiceField(choices=AlertSeverity.choices, read_only=True)
    service = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    integration = serializers.UUIDField(source="integration.uuid", read_only=True, help_text="The integration's id.")
    alert_count = serializers.IntegerField(read_only=True)
    incident = serializers.SerializerMethodField(help_text="The incident's reference (INC-n) it is attached to.")
    acknowledged_by = UserSummarySerializer(read_only=True, allow_null=True)
    resolved_by = UserSummarySerializer(read_only=True, allow_null=True)
    paging_status = serializers.ChoiceField(choices=PagingStatus.choices, read_only=True)
    merged_into = serializers.SerializerMethodField(help_text="The id of the group this one was merged into.")

    class Meta:
        model = AlertGroup
        fields = [
            "id",
            "status",
            "dedup_key",
            "title",
            "severity",
            "labels",
            "source",
            "link",
            "service",
            "integration",
            "alert_count",
            "first_seen",
            "last_seen",
            "incident",
            "silenced_until",
            "acknowledged_at",
            "acknowledged_by",
            "resolved_at",
            "resolved_by",
            "paging_status",
            "merged_into",
        ]

    def get_incident(self, group: AlertGroup) -> str | None:
        return group.incident.reference if group.incident_id else None

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_merged_into(self, group: AlertGroup) -> str | None:
        return str(group.merged_into.uuid) if group.merged_into_id else None


class AlertGroupDetailSerializer(AlertGroupOutputSerializer):
    alerts = serializers.SerializerMethodField(help_text="The latest alerts, newest first (raw payloads: /alerts/).")

    class Meta(AlertGroupOutputSerializer.Meta):
        fields = [*AlertGroupOutputSerializer.Meta.fields, "alerts"]

    @extend_schema_field(AlertSummarySerializer(many=True))
    def get_alerts(self, group: AlertGroup) -> list[dict]:
        return AlertSummarySerializer(selectors.alert_list(group=group), many=True).data


class AlertGroupFilterSerializer(serializers.Serializer):
    service = serializers.CharField(required=False, allow_blank=True, help_text="A service's slug.")
    severity = serializers.ChoiceField(choices=AlertSeverity.choices, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=GROUP_STATUS_FILTER_CHOICES, required=False, allow_blank=True)

    def validate_service(self, slug: str) -> str:
        organization = self.context["request"].organization
        if slug and not Service.objects.for_org(organization).filter(slug=slug).exists():
            raise serializers.ValidationError("No service of this organization has this slug.")
        return slug


class SilenceInputSerializer(serializers.Serializer):
    until = BoundedSerializerDateTimeField(required=False, allow_null=True, help_text="Silence until then; null lifts.")
    minutes = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=MAX_SILENCE_MINUTES, help_text="From now; 0 lifts."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("until" in attrs) == ("minutes" in attrs):
            raise serializers.ValidationError("Give either `until` or `minutes`.")
        if "minutes" in attrs:
            minutes = attrs["minutes"]
            return {"until": timezone.now() + timedelta(minutes=minutes) if minutes else None}
        return attrs


class MergeInputSerializer(serializers.Serializer):
    groups = serializers.ListField(
        child=serializers.UUIDField(),
        min_length=1,
        max_length=100,
        help_text="Ids of the groups to fold into this one.",
    )

    def validate_groups(self, ids: list[uuid.UUID]) -> list[AlertGroup]:
        organization = self.context["request"].organization
        found = {g.uuid: g for g in AlertGroup.objects.for_org(organization).filter(uuid__in=ids)}
        if any(i not in found for i in ids):
            raise serializers.ValidationError("No alert group of this organization matches one of these ids.")
        return [found[i] for i in dict.fromkeys(ids)]


class EscalateInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, help_text="Defaults to the group's title.")
    severity = OrgRelatedField(
        slug_field="name",
        queryset=Severity.objects.all(),
        required=False,
        help_text="An incident severity's name; defaults to one mapped from the alert severity.",
    )


@extend_schema_field(OpenApiTypes.STR)
class IncidentReferenceField(serializers.Field):
    """An incident of the token's organization by number (42) or reference (INC-42)."""

    default_error_messages = {"no_incident": "No incident of this organization has this number."}

    def to_internal_value(self, data: Any) -> Incident:
        match = INCIDENT_REFERENCE.match(str(data).strip())
        incident = None
        if match:
            organization = self.context["request"].organization
            incident = (
                incident_selectors.incident_list_queryset()
                .filter(organization=organization, number=int(match.group(1)))
                .first()
            )
        if incident is None:
            self.fail("no_incident")
        return incident

    def to_representation(self, incident: Incident) -> str:
        return incident.reference


class AttachInputSerializer(serializers.Serializer):
    incident = IncidentReferenceField(help_text="The open incident's number (42) or reference (INC-42).")


class IncidentRefSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    severity = serializers.CharField(source="severity.name")
    status = serializers.CharField()


class EscalatedSerializer(serializers.Serializer):
    incident = IncidentRefSerializer()
    group = AlertGroupDetailSerializer()


# --- alerts ---------------------------------------------------------------------------------------------


class AlertOutputSerializer(AlertSummarySerializer):
    group = serializers.UUIDField(source="group.uuid", read_only=True, help_text="The alert group's id.")
    integration = serializers.UUIDField(source="integration.uuid", read_only=True, help_text="The integration's id.")
    payload = serializers.JSONField(read_only=True, help_text="The event as received.")

    class Meta(AlertSummarySerializer.Meta):
        fields = [*AlertSummarySerializer.Meta.fields, "group", "integration", "payload"]


class AlertFilterSerializer(serializers.Serializer):
    group = serializers.UUIDField(required=False, help_text="An alert group's id.")

    def validate_group(self, group_id: uuid.UUID) -> AlertGroup:
        organization = self.context["request"].organization
        group = AlertGroup.objects.for_org(organization).filter(uuid=group_id).first()
        if group is None:
            raise serializers.ValidationError("No alert group of this organization has this id.")
        return group

"""Shapes of the retros API. Serializers validate shape only (and that references are of the token's org);
the viewsets call actions."""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import limits
from core.fields import BoundedSerializerDateTimeField, optional_datetime_fields
from incidents.models import MILESTONES, Incident
from orgs.api.base import OrgRelatedField
from orgs.api.fields import MemberField
from orgs.api.serializers import UserSummarySerializer
from retros import selectors
from retros.models import (
    ContributingFactor,
    RetroSection,
    RetroSettings,
    Retrospective,
    RetrospectiveStatus,
    RetroTemplate,
)
from ticketing.api.serializers import IncidentNumberField

# --- settings, templates, factors ------------------------------------------------------------------


class RetroSettingsSerializer(serializers.ModelSerializer):
    default_template = serializers.SerializerMethodField(help_text="Slug of the template new retros start from.")
    # Declared: ranges derived from the model fields would depend on the database backend.
    severity_rank_max = serializers.IntegerField(
        read_only=True,
        help_text=RetroSettings._meta.get_field("severity_rank_max").help_text,
    )
    due_business_days = serializers.IntegerField(
        read_only=True, help_text=RetroSettings._meta.get_field("due_business_days").help_text
    )

    class Meta:
        model = RetroSettings
        fields = ["severity_rank_max", "include_major", "include_drills", "due_business_days", "default_template"]

    def get_default_template(self, policy: RetroSettings) -> str | None:
        template = selectors.retro_template_default(organization=policy.organization)
        return template.slug if template else None


class RetroSettingsInputSerializer(serializers.Serializer):
    severity_rank_max = serializers.IntegerField(
        min_value=0, max_value=99, required=False, help_text="Severities ranked this or worse need a retro; 0: none."
    )
    include_major = serializers.BooleanField(required=False)
    include_drills = serializers.BooleanField(required=False)
    due_business_days = serializers.IntegerField(min_value=1, max_value=60, required=False)


class TemplateSectionSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=64, required=False, help_text="Derived from the title when absent.")
    title = serializers.CharField(max_length=100)
    prompt = serializers.CharField(max_length=500, required=False, allow_blank=True)


class RetroTemplateSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    sections = TemplateSectionSerializer(many=True, read_only=True)

    class Meta:
        model = RetroTemplate
        fields = ["id", "slug", "name", "description", "sections", "is_default", "created_at", "updated_at"]


class RetroTemplateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    slug = serializers.SlugField(max_length=64, required=False, allow_blank=True)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    sections = TemplateSectionSerializer(many=True, required=False, help_text="Default: the standard sections.")
    is_default = serializers.BooleanField(required=False)


class ContributingFactorSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContributingFactor
        fields = ["slug", "name", "description", "created_at", "updated_at"]


class ContributingFactorInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    slug = serializers.SlugField(max_length=64, required=False, allow_blank=True)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)


# --- retrospectives -----------------------------------------------------------------------------------


class SectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = RetroSection
        fields = ["key", "title", "prompt", "body", "body_html"]


class DurationsSerializer(serializers.Serializer):
    time_to_detect = serializers.IntegerField(allow_null=True, help_text="Seconds from impact start.")
    time_to_acknowledge = serializers.IntegerField(allow_null=True)
    time_to_mitigate = serializers.IntegerField(allow_null=True)
    time_to_resolve = serializers.IntegerField(allow_null=True)


class RetrospectiveOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    incident = serializers.IntegerField(source="incident.number", read_only=True, help_text="The incident's number.")
    reference = serializers.CharField(source="incident.reference", read_only=True)
    status = serializers.ChoiceField(choices=RetrospectiveStatus.choices, read_only=True)
    owner = UserSummarySerializer(read_only=True, allow_null=True)
    reviewers = serializers.SerializerMethodField()
    contributing_factors = serializers.SerializerMethodField(help_text="Slugs of the contributing factors.")
    template = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    is_overdue = serializers.SerializerMethodField()
    published_by = UserSummarySerializer(read_only=True, allow_null=True)
    durations = serializers.SerializerMethodField()
    sections = serializers.SerializerMethodField()
    action_items = serializers.SerializerMethodField(help_text="Numbers of the incident's follow-ups (FU-n).")

    class Meta:
        model = Retrospective
        fields = [
            "id",
            "incident",
            "reference",
            "title",
            "status",
            "owner",
            "reviewers",
            "contributing_factors",
            "template",
            "due_at",
            "is_overdue",
            "submitted_at",
            "published_at",
            "published_by",
            "durations",
            "sections",
            "action_items",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(UserSummarySerializer(many=True))
    def get_reviewers(self, retrospective: Retrospective) -> list[dict]:
        return UserSummarySerializer([link.user for link in retrospective.reviewer_links.all()], many=True).data

    def get_contributing_factors(self, retrospective: Retrospective) -> list[str]:
        return [link.factor.slug for link in retrospective.factor_links.all()]

    def get_is_overdue(self, retrospective: Retrospective) -> bool:
        due = retrospective.due_at
        return not retrospective.is_published and due is not None and due < timezone.now()

    @extend_schema_field(DurationsSerializer)
    def get_durations(self, retrospective: Retrospective) -> dict[str, int | None]:
        names = ["time_to_detect", "time_to_acknowledge", "time_to_mitigate", "time_to_resolve"]
        durations = selectors.milestone_durations(incident=retrospective.incident)
        return {name: d.seconds for name, d in zip(names, durations, strict=True)}

    @extend_schema_field(SectionSerializer(many=True))
    def get_sections(self, retrospective: Retrospective) -> list[dict]:
        return SectionSerializer(retrospective.sections.all(), many=True).data

    def get_action_items(self, retrospective: Retrospective) -> list[int]:
        return sorted(retrospective.incident.follow_ups.values_list("number", flat=True))


class RetrospectiveCreateInputSerializer(serializers.Serializer):
    incident = IncidentNumberField(help_text="The incident's number (42 or INC-42); one retrospective per incident.")
    owner = MemberField(required=False, help_text="User id or email of a member; API tokens need one.")
    template = OrgRelatedField(slug_field="slug", queryset=RetroTemplate.objects.all(), required=False)
    due_at = BoundedSerializerDateTimeField(required=False, help_text="Default: business days after resolve (policy).")


class RetrospectiveUpdateInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    owner = MemberField(required=False, allow_null=True)
    due_at = BoundedSerializerDateTimeField(required=False, allow_null=True)
    reviewers = serializers.ListField(child=MemberField(), required=False, help_text="User ids or emails.")
    contributing_factors = OrgRelatedField(
        slug_field="slug", queryset=ContributingFactor.objects.all(), many=True, required=False
    )
    sections = serializers.DictField(
        child=serializers.CharField(max_length=limits.LONG_TEXT_MAX_CHARS, allow_blank=True),
        required=False,
        help_text='Markdown by key: {"summary": "…"}.',
    )
    started_at, detected_at, declared_at, acknowledged_at, identified_at, mitigated_at, resolved_at, closed_at = (
        optional_datetime_fields(Incident, MILESTONES, started_at="Milestones edit the incident itself.")
    )
    reason = serializers.CharField(max_length=500, required=False, help_text="Required with milestones.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if any(name in attrs for name in MILESTONES) and not (attrs.get("reason") or "").strip():
            raise serializers.ValidationError({"reason": "Say why the times change (it goes in the timeline)."})
        return attrs


class RetrospectiveFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=RetrospectiveStatus.choices, required=False)
    overdue = serializers.BooleanField(required=False, help_text="Only unpublished ones past their due date.")
    owner = MemberField(required=False, help_text="User id or email of a member.")
    factor = serializers.SlugField(required=False, help_text="A contributing factor's slug.")

"""Shapes of the service catalog API. Serializers validate shape only; viewsets call actions."""

from rest_framework import serializers

from core import limits
from orgs.api.base import OrgRelatedField
from orgs.models import Team
from services.models import (
    Service,
    ServiceHealth,
    ServiceKind,
    ServiceLifecycle,
    ServiceLinkKind,
    ServiceTier,
)


class ServiceLinkSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ServiceLinkKind.choices, default=ServiceLinkKind.OTHER)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    url = serializers.URLField(max_length=500)


class ServiceOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    type = serializers.CharField(source="service_type", read_only=True)
    tier = serializers.ChoiceField(choices=ServiceTier.choices, read_only=True)
    tier_meaning = serializers.CharField(read_only=True)
    owner_team = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    escalation_policy = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    responding_teams = serializers.SerializerMethodField()
    labels = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()
    dependencies = serializers.SerializerMethodField()
    archived = serializers.BooleanField(source="is_archived", read_only=True)
    warnings = serializers.SerializerMethodField()

    class Meta:
        model = Service
        fields = [
            "id",
            "slug",
            "name",
            "description",
            "kind",
            "type",
            "tier",
            "tier_meaning",
            "lifecycle",
            "health",
            "owner_team",
            "escalation_policy",
            "responding_teams",
            "labels",
            "links",
            "dependencies",
            "archived",
            "archived_at",
            "warnings",
            "created_at",
            "updated_at",
        ]

    def get_responding_teams(self, service: Service) -> list[str]:
        return sorted(link.team.slug for link in service.responding_team_links.all())

    def get_labels(self, service: Service) -> dict[str, str]:
        return {label.key: label.value for label in service.labels.all()}

    def get_links(self, service: Service) -> list[dict]:
        return [{"kind": link.kind, "title": link.title, "url": link.url} for link in service.links.all()]

    def get_dependencies(self, service: Service) -> list[str]:
        return sorted(edge.depends_on.slug for edge in service.dependency_edges.all())

    def get_warnings(self, service: Service) -> list[str]:
        if service.lifecycle == ServiceLifecycle.PRODUCTION and service.owner_team_id is None:
            return ["Production service without an owner team."]
        return []


class ServiceInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    slug = serializers.CharField(max_length=63, required=False, allow_blank=True)
    description = serializers.CharField(max_length=limits.TEXT_MAX_CHARS, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=ServiceKind.choices, required=False)
    type = serializers.CharField(source="service_type", max_length=50, required=False)
    tier = serializers.ChoiceField(choices=ServiceTier.choices, required=False)
    lifecycle = serializers.ChoiceField(choices=ServiceLifecycle.choices, required=False)
    health = serializers.ChoiceField(choices=ServiceHealth.choices, required=False)
    owner_team = OrgRelatedField(slug_field="slug", queryset=Team.objects.all(), allow_null=True, required=False)
    responding_teams = OrgRelatedField(slug_field="slug", queryset=Team.objects.all(), many=True, required=False)
    escalation_policy = OrgRelatedField(
        slug_field="slug",
        # The policy model through the key (services does not import oncall, a layer above); OrgRelatedField
        # scopes it to the token's organization.
        queryset=Service._meta.get_field("escalation_policy").related_model.objects.all(),
        allow_null=True,
        required=False,
        help_text="Slug of the escalation policy that pages for this service; null for none.",
    )
    labels = serializers.DictField(child=serializers.CharField(allow_blank=True, max_length=63), required=False)
    links = ServiceLinkSerializer(many=True, required=False)
    dependencies = OrgRelatedField(slug_field="slug", queryset=Service.objects.all(), many=True, required=False)


class ServiceFilterSerializer(serializers.Serializer):
    search = serializers.CharField(required=False, allow_blank=True)
    team = serializers.CharField(required=False, allow_blank=True)
    tier = serializers.ChoiceField(choices=ServiceTier.choices, required=False)
    lifecycle = serializers.ChoiceField(choices=ServiceLifecycle.choices, required=False)
    label = serializers.CharField(required=False, allow_blank=True, help_text="`key` or `key=value`")
    include_archived = serializers.BooleanField(required=False, default=False)
    ordering = serializers.ChoiceField(
        choices=["name", "-name", "tier", "-tier", "lifecycle", "owner", "-updated"], required=False, default="name"
    )


class DependencyInputSerializer(serializers.Serializer):
    depends_on = OrgRelatedField(slug_field="slug", queryset=Service.objects.all())


class ServiceRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    tier = serializers.IntegerField()
    owner_team = serializers.CharField(allow_null=True)
    distance = serializers.IntegerField(required=False)


class DependenciesOutputSerializer(serializers.Serializer):
    dependencies = ServiceRefSerializer(many=True, help_text="Direct: what this service depends on.")
    dependents = ServiceRefSerializer(many=True, help_text="Direct: what depends on this service.")
    upstream = ServiceRefSerializer(many=True, help_text="Transitive dependencies, nearest first.")
    blast_radius = ServiceRefSerializer(many=True, help_text="Transitive dependents, nearest first.")
    cycle = serializers.ListField(child=serializers.CharField(), help_text="A dependency cycle through it, or [].")


class ImportInputSerializer(serializers.Serializer):
    yaml = serializers.CharField(
        max_length=limits.YAML_MAX_BYTES, help_text="The catalog-info.yaml text (multi-document)."
    )


class ImportChangeSerializer(serializers.Serializer):
    kind = serializers.CharField()
    slug = serializers.CharField()
    action = serializers.CharField()
    changes = serializers.DictField()


class ImportResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    changes = ImportChangeSerializer(many=True)

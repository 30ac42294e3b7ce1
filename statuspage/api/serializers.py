"""Shapes of the statuspage API (admin side; the public Statuspage-shaped JSON is elsewhere). Serializers
validate shape only; the viewsets call statuspage.actions. Objects are named by their uuid (`id`)."""

from typing import Any

from rest_framework import serializers

from core import limits
from core.fields import BoundedSerializerDateTimeField
from orgs.api.base import OrgRelatedField
from orgs.api.fields import MemberField
from services.models import Service
from statuspage import links
from statuspage.models import (
    Component,
    ComponentGroup,
    ComponentStatus,
    Maintenance,
    MaintenanceStatus,
    PublicIncident,
    PublicIncidentImpact,
    StatusPage,
    Subscriber,
)

DESCRIPTION = {"max_length": limits.TEXT_MAX_CHARS, "required": False, "allow_blank": True}


class UuidRelatedField(OrgRelatedField):
    """An object of the token's organization named by its id (uuid)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="uuid", **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        try:
            return super().to_internal_value(data)
        except Exception as exc:  # a value that is not a uuid is "does not exist" too
            if isinstance(exc, serializers.ValidationError):
                raise
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data))


# --- status pages -------------------------------------------------------------------------------------------------


class StatusPageOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    has_logo = serializers.SerializerMethodField()
    allowed_viewers = serializers.SerializerMethodField(help_text="Emails of the members who may see a private page.")
    public_url = serializers.SerializerMethodField(help_text="Where the page is seen (a path on this server).")

    class Meta:
        model = StatusPage
        fields = [
            "id",
            "slug",
            "title",
            "description",
            "time_zone",
            "is_public",
            "is_default",
            "custom_domain",
            "has_logo",
            "allowed_viewers",
            "public_url",
            "created_at",
            "updated_at",
        ]

    def get_has_logo(self, page: StatusPage) -> bool:
        return bool(page.logo_content_type)

    def get_allowed_viewers(self, page: StatusPage) -> list[str]:
        return sorted(user.email for user in page.allowed_viewers.all())

    def get_public_url(self, page: StatusPage) -> str:
        return links.public_path(page)


class StatusPageInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=100)
    slug = serializers.SlugField(max_length=50, required=False, allow_blank=True)
    description = serializers.CharField(**DESCRIPTION)
    time_zone = serializers.CharField(max_length=64, required=False, help_text="IANA name, e.g. Europe/Paris.")
    is_public = serializers.BooleanField(required=False)
    is_default = serializers.BooleanField(required=False, help_text="The page at /status/<org-slug>/.")
    custom_domain = serializers.CharField(max_length=253, required=False, allow_blank=True)
    allowed_viewers = serializers.ListField(
        child=MemberField(), required=False, max_length=500, help_text="Members (uuid or email) for a private page."
    )


# --- component groups and components -------------------------------------------------------------------------------


class ComponentGroupOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    page = serializers.UUIDField(source="page.uuid", read_only=True)
    position = serializers.IntegerField(read_only=True)

    class Meta:
        model = ComponentGroup
        fields = ["id", "page", "name", "description", "position", "created_at", "updated_at"]


class ComponentGroupInputSerializer(serializers.Serializer):
    page = UuidRelatedField(queryset=StatusPage.objects.all(), help_text="The status page's id (on create only).")
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(**DESCRIPTION)
    position = serializers.IntegerField(min_value=0, max_value=10_000, required=False)


class ComponentGroupUpdateSerializer(ComponentGroupInputSerializer):
    page = None


class ComponentOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    page = serializers.UUIDField(source="page.uuid", read_only=True)
    group = serializers.UUIDField(source="group.uuid", read_only=True, allow_null=True)
    service = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    status_override = serializers.CharField(read_only=True, help_text='A status set by hand, or "" for none.')
    position = serializers.IntegerField(read_only=True)

    class Meta:
        model = Component
        fields = [
            "id",
            "page",
            "group",
            "service",
            "name",
            "description",
            "position",
            "status_override",
            "created_at",
            "updated_at",
        ]


class ComponentInputSerializer(serializers.Serializer):
    page = UuidRelatedField(queryset=StatusPage.objects.all(), help_text="The status page's id (on create only).")
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(**DESCRIPTION)
    service = OrgRelatedField(slug_field="slug", queryset=Service.objects.all(), required=False, allow_null=True)
    group = UuidRelatedField(queryset=ComponentGroup.objects.all(), required=False, allow_null=True)
    position = serializers.IntegerField(min_value=0, max_value=10_000, required=False)


class ComponentUpdateSerializer(ComponentInputSerializer):
    page = None


class ComponentOverrideSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=ComponentStatus.choices, allow_blank=True, help_text='"" clears the override.'
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


# --- maintenance -----------------------------------------------------------------------------------------------------


class MaintenanceUpdateOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    status = serializers.ChoiceField(choices=MaintenanceStatus.choices)
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


class MaintenanceOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    page = serializers.UUIDField(source="page.uuid", read_only=True)
    components = serializers.SerializerMethodField()
    updates = MaintenanceUpdateOutputSerializer(many=True, read_only=True, help_text="Newest first.")

    class Meta:
        model = Maintenance
        fields = [
            "id",
            "page",
            "title",
            "body",
            "status",
            "scheduled_for",
            "scheduled_until",
            "started_at",
            "completed_at",
            "components",
            "updates",
            "created_at",
            "updated_at",
        ]

    def get_components(self, maintenance: Maintenance) -> list[str]:
        return [str(link.component.uuid) for link in maintenance.component_links.all()]


class MaintenanceInputSerializer(serializers.Serializer):
    page = UuidRelatedField(queryset=StatusPage.objects.all(), help_text="The status page's id (on create only).")
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(**DESCRIPTION)
    scheduled_for = BoundedSerializerDateTimeField()
    scheduled_until = BoundedSerializerDateTimeField()
    components = UuidRelatedField(queryset=Component.objects.all(), many=True, required=False)


class MaintenanceUpdateSerializer(MaintenanceInputSerializer):
    page = None


class MaintenanceTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=MaintenanceStatus.choices)
    body = serializers.CharField(**DESCRIPTION)


class MaintenancePostSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=limits.TEXT_MAX_CHARS)


class PageFilterSerializer(serializers.Serializer):
    status_page = UuidRelatedField(
        queryset=StatusPage.objects.all(), required=False, help_text="Only this status page's (its id)."
    )


# --- public incidents and subscribers -----------------------------------------------------------------------------


class PublicUpdateOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    status = serializers.CharField()
    body = serializers.CharField()
    display_at = serializers.DateTimeField()


class PublicIncidentOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    page = serializers.UUIDField(source="page.uuid", read_only=True)
    incident = serializers.IntegerField(source="incident.number", read_only=True, help_text="INC-n's n.")
    components = serializers.SerializerMethodField()
    updates = PublicUpdateOutputSerializer(many=True, read_only=True, help_text="External updates, newest first.")

    class Meta:
        model = PublicIncident
        fields = [
            "id",
            "page",
            "incident",
            "title",
            "title_overridden",
            "impact",
            "impact_overridden",
            "status",
            "components",
            "updates",
            "started_at",
            "resolved_at",
            "created_at",
            "updated_at",
        ]

    def get_components(self, public_incident: PublicIncident) -> list[str]:
        return [str(link.component.uuid) for link in public_incident.component_links.all()]


class PublicIncidentInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    impact = serializers.ChoiceField(choices=PublicIncidentImpact.choices, required=False)
    components = UuidRelatedField(queryset=Component.objects.all(), many=True, required=False)


class SubscriberOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    page = serializers.UUIDField(source="page.uuid", read_only=True)
    confirmed = serializers.SerializerMethodField()
    components = serializers.SerializerMethodField(help_text="Empty: every component.")

    class Meta:
        model = Subscriber
        fields = ["id", "page", "email", "confirmed", "confirmed_at", "components", "unsubscribed_at", "created_at"]

    def get_confirmed(self, subscriber: Subscriber) -> bool:
        return subscriber.confirmed_at is not None

    def get_components(self, subscriber: Subscriber) -> list[str]:
        return [str(link.component.uuid) for link in subscriber.component_links.all()]

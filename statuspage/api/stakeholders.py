"""API of stakeholder updates: the org's audiences (admin tokens; a webhook URL is write-only and shown masked)
and the updates sent from incidents with their per-audience delivery status (any token reads; responder tokens
send). The writes are statuspage.stakeholders.actions'."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import ID, UuidLookupMixin
from incidents.models import Incident
from orgs.api.base import OrgRelatedField, OrgScopedViewSet
from orgs.models import MembershipRole
from statuspage.api.serializers import UuidRelatedField
from statuspage.models import Audience, AudienceKind, StakeholderTemplate, StakeholderUpdate
from statuspage.stakeholders import actions


class AudienceOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    emails = serializers.SerializerMethodField()
    webhook_url = serializers.SerializerMethodField(help_text="Scheme and host only: the path is the secret.")

    class Meta:
        model = Audience
        fields = ["id", "name", "kind", "emails", "webhook_url", "active", "created_at", "updated_at"]

    def get_emails(self, audience: Audience) -> list[str]:
        return audience.emails.splitlines()

    def get_webhook_url(self, audience: Audience) -> str:
        return actions.webhook_url_masked(audience.webhook_url)


class AudienceInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=AudienceKind.choices, help_text="Set on create; it stays.")
    emails = serializers.ListField(
        child=serializers.CharField(max_length=254), max_length=actions.MAX_EMAILS, required=False
    )
    webhook_url = serializers.CharField(max_length=2000, required=False, allow_blank=True, write_only=True)
    active = serializers.BooleanField(required=False)


class AudienceUpdateSerializer(AudienceInputSerializer):
    kind = None


class DeliveryOutputSerializer(serializers.Serializer):
    audience = serializers.UUIDField(source="audience.uuid")
    audience_name = serializers.CharField(source="audience.name")
    status = serializers.CharField()
    attempts = serializers.IntegerField()
    last_error = serializers.CharField()
    sent_at = serializers.DateTimeField(allow_null=True)


class StakeholderUpdateOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    incident = serializers.IntegerField(source="incident.number", read_only=True, help_text="INC-n's n.")
    author = serializers.EmailField(source="author.email", read_only=True, allow_null=True)
    template = serializers.UUIDField(source="template.uuid", read_only=True, allow_null=True)
    deliveries = DeliveryOutputSerializer(many=True, read_only=True)

    class Meta:
        model = StakeholderUpdate
        fields = ["id", "incident", "message", "author", "template", "deliveries", "created_at"]


@extend_schema_field({"type": "integer", "minimum": 1})
class IncidentNumberField(OrgRelatedField):
    """An incident of the token's organization by its number (the schema's integer whatever the database)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="number", queryset=Incident.objects.all(), **kwargs)


class StakeholderUpdateInputSerializer(serializers.Serializer):
    incident = IncidentNumberField(help_text="INC-n's n.")
    message = serializers.CharField(max_length=actions.MESSAGE_MAX)
    audiences = UuidRelatedField(queryset=Audience.objects.all(), many=True)
    template = UuidRelatedField(queryset=StakeholderTemplate.objects.all(), required=False, allow_null=True)


class IncidentFilterSerializer(serializers.Serializer):
    incident = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, required=False, help_text="Only this incident's (INC-n's n)."
    )


def _audience_fields(fields: dict[str, Any]) -> dict[str, Any]:
    if "emails" in fields:
        fields["emails"] = "\n".join(fields["emails"])
    return fields


@extend_schema_view(retrieve=extend_schema(parameters=[ID]))
class AudienceViewSet(UuidLookupMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    """Who stakeholder updates go to: email lists and Slack / Mattermost / Teams incoming webhooks (admin tokens).
    A webhook URL is checked by the outbound guard when saved and at every send; it is never shown again."""

    queryset = Audience.objects.all()
    serializer_class = AudienceOutputSerializer
    filter_backends: list = []
    read_role = MembershipRole.ADMIN
    write_role = MembershipRole.ADMIN

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return qs.order_by("name", "pk")

    def _output(self, audience: Audience, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=audience.pk)).data, status=code)

    @extend_schema(request=AudienceInputSerializer, responses={201: AudienceOutputSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = _audience_fields(self.validated_input(AudienceInputSerializer))
        audience = actions.audience_create(organization=self.organization, actor=self.actor, **fields)
        return self._output(audience, status.HTTP_201_CREATED)

    @extend_schema(request=AudienceUpdateSerializer, responses=AudienceOutputSerializer, parameters=[ID])
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change the name, addresses, webhook URL (empty keeps the saved one) or whether it is active."""
        audience = self.get_object()
        fields = _audience_fields(self.validated_input(AudienceUpdateSerializer, partial=True))
        return self._output(actions.audience_update(audience=audience, actor=self.actor, **fields))

    @extend_schema(responses={204: None}, parameters=[ID])
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actions.audience_delete(audience=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(list=extend_schema(parameters=[IncidentFilterSerializer]), retrieve=extend_schema(parameters=[ID]))
class StakeholderUpdateViewSet(UuidLookupMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    """Stakeholder updates sent from incidents, newest first, each with its delivery status per audience."""

    queryset = StakeholderUpdate.objects.all()
    serializer_class = StakeholderUpdateOutputSerializer
    filter_backends: list = []
    write_role = MembershipRole.RESPONDER

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        qs = qs.select_related("incident", "author", "template").prefetch_related("deliveries__audience")
        if self.action == "list":
            number = self.validated_input(IncidentFilterSerializer, data=self.request.query_params).get("incident")
            if number is not None:
                qs = qs.filter(incident__number=number)
        return qs

    @extend_schema(request=StakeholderUpdateInputSerializer, responses={201: StakeholderUpdateOutputSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Send an update (through a template if given) to audiences; it is recorded on the incident's timeline and
        delivered in the background (a drill's is marked [DRILL])."""
        fields = self.validated_input(StakeholderUpdateInputSerializer)
        update = actions.stakeholder_update_send(actor=self.actor, **fields)
        return Response(self.get_serializer(self.get_queryset().get(pk=update.pk)).data, status=status.HTTP_201_CREATED)

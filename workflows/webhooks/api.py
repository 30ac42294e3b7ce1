"""API of outbound webhooks (admin tokens): /api/v1/webhook-endpoints/ (CRUD, POST {id}/rotate-secret/, POST
{id}/test/) and /api/v1/webhook-deliveries/ (list with filters, retrieve with the attempts, POST {id}/replay/).

An endpoint's signing secret is in the answer that made it (create, rotate-secret) and in no other answer. The
writes are workflows.webhooks.actions' (the outbound guard checks a URL when saved: a refused one is a 400 that
says why)."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from core.api import ID, UuidLookupMixin
from orgs.api.base import OrgScopedViewSet
from orgs.models import MembershipRole
from workflows.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from workflows.webhooks import actions, catalog

# --- serializers ---------------------------------------------------------------------------------------------


class WebhookEndpointOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    event_types = serializers.ListField(
        child=serializers.CharField(), help_text="The event types it receives; empty: every event."
    )
    disabled_reason = serializers.CharField(
        max_length=200, help_text="Why it is disabled (e.g. its receiver answered 410 Gone)."
    )
    previous_secret_expires_at = serializers.DateTimeField(
        allow_null=True, help_text="After a rotation: until when the previous secret also signs every message."
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "include_drills",
            "is_enabled",
            "disabled_reason",
            "disabled_at",
            "previous_secret_expires_at",
            "created_at",
            "updated_at",
        ]


class WebhookEndpointSecretSerializer(WebhookEndpointOutputSerializer):
    secret = serializers.CharField(help_text="The signing secret (whsec_…): in this answer only, never again.")

    class Meta(WebhookEndpointOutputSerializer.Meta):
        fields = [*WebhookEndpointOutputSerializer.Meta.fields, "secret"]


class WebhookEndpointInputSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=actions.URL_MAX, help_text="https://…; checked by the outbound guard.")
    description = serializers.CharField(max_length=actions.DESCRIPTION_MAX, required=False, allow_blank=True)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=catalog.FILTERABLE_EVENT_TYPES),
        max_length=len(catalog.FILTERABLE_EVENT_TYPES),
        required=False,
        help_text="The event types to receive; empty or absent: every event.",
    )
    include_drills = serializers.BooleanField(required=False, help_text="Also send events about drill incidents.")
    is_enabled = serializers.BooleanField(required=False)


class WebhookAttemptSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    attempted_at = serializers.DateTimeField()
    request_headers = serializers.DictField(child=serializers.CharField(), help_text="The headers sent (no secret).")
    response_status = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(help_text="The status or a short reason; never the answer's text.")
    duration_ms = serializers.IntegerField()


class WebhookDeliveryOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    endpoint = serializers.UUIDField(source="endpoint.uuid", read_only=True)
    message_id = serializers.CharField(
        max_length=64, help_text="The `webhook-id` header: the same on retries and replays."
    )
    body = serializers.CharField(help_text="The exact JSON sent.")
    replay_of = serializers.UUIDField(source="replay_of.uuid", read_only=True, allow_null=True)
    # Declared, not derived from the model: a derived integer's bounds depend on the database.
    attempts = serializers.IntegerField(read_only=True)
    response_status = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event_type",
            "message_id",
            "status",
            "attempts",
            "response_status",
            "error",
            "next_attempt_at",
            "delivered_at",
            "replay_of",
            "body",
            "created_at",
        ]


class WebhookDeliveryDetailSerializer(WebhookDeliveryOutputSerializer):
    attempt_log = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta(WebhookDeliveryOutputSerializer.Meta):
        fields = [*WebhookDeliveryOutputSerializer.Meta.fields, "attempt_log"]


class WebhookDeliveryFilterSerializer(serializers.Serializer):
    endpoint = serializers.UUIDField(required=False, help_text="Only this endpoint's (its id).")
    status = serializers.ChoiceField(choices=DeliveryStatus.values, required=False)
    event_type = serializers.ChoiceField(choices=list(catalog.WEBHOOK_EVENT_TYPES), required=False)


# --- viewsets ------------------------------------------------------------------------------------------------


@extend_schema_view(retrieve=extend_schema(parameters=[ID]))
class WebhookEndpointViewSet(UuidLookupMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    """The organization's outbound webhook endpoints (admin tokens), oldest first. Each receives the events it
    lists, signed per the Standard Webhooks spec with its secret, which only the create and rotate-secret answers
    carry."""

    queryset = WebhookEndpoint.objects.all()
    serializer_class = WebhookEndpointOutputSerializer
    filter_backends: list = []
    read_role = MembershipRole.ADMIN
    write_role = MembershipRole.ADMIN

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return qs.order_by("created_at", "pk")

    def _output(self, endpoint: WebhookEndpoint, code: int = status.HTTP_200_OK) -> Response:
        return Response(WebhookEndpointOutputSerializer(endpoint).data, status=code)

    @extend_schema(request=WebhookEndpointInputSerializer, responses={201: WebhookEndpointSecretSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Add an endpoint; the answer carries its new secret, once."""
        fields = self.validated_input(WebhookEndpointInputSerializer)
        endpoint = actions.endpoint_create(organization=self.organization, actor=self.actor, **fields)
        return Response(WebhookEndpointSecretSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WebhookEndpointInputSerializer, responses=WebhookEndpointOutputSerializer, parameters=[ID])
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change the URL, description, event types, drills or whether it is enabled (enabling a disabled endpoint
        clears its disabled reason; disabling it fails the deliveries not sent yet)."""
        endpoint = self.get_object()
        fields = self.validated_input(WebhookEndpointInputSerializer, partial=True)
        return self._output(actions.endpoint_update(endpoint=endpoint, actor=self.actor, **fields))

    @extend_schema(responses={204: None}, parameters=[ID], description="Deletes it with its delivery log.")
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actions.endpoint_delete(endpoint=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=WebhookEndpointSecretSerializer, parameters=[ID])
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A new secret, in this answer only. For 24 hours every message carries both signatures (new and
        previous, `previous_secret_expires_at`), then only the new one's."""
        endpoint, _secret = actions.endpoint_rotate_secret(endpoint=self.get_object(), actor=self.actor)
        return Response(WebhookEndpointSecretSerializer(endpoint).data)

    @extend_schema(request=None, responses={202: WebhookDeliveryOutputSerializer}, parameters=[ID])
    @action(detail=True, methods=["post"])
    def test(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Queue a `webhook.test` message to the endpoint (whatever its event types); 400 if it is disabled."""
        delivery = actions.endpoint_send_test(endpoint=self.get_object(), actor=self.actor)
        delivery = WebhookDelivery.objects.select_related("endpoint", "replay_of").get(pk=delivery.pk)
        return Response(WebhookDeliveryOutputSerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    list=extend_schema(parameters=[WebhookDeliveryFilterSerializer]), retrieve=extend_schema(parameters=[ID])
)
class WebhookDeliveryViewSet(UuidLookupMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    """Deliveries to the organization's webhook endpoints (admin tokens), newest first; one with its attempts."""

    queryset = WebhookDelivery.objects.all()
    serializer_class = WebhookDeliveryOutputSerializer
    filter_backends: list = []
    read_role = MembershipRole.ADMIN
    write_role = MembershipRole.ADMIN

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return WebhookDeliveryDetailSerializer if self.action == "retrieve" else WebhookDeliveryOutputSerializer

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        qs = qs.select_related("endpoint", "replay_of").order_by("-created_at", "-pk")
        if self.action == "retrieve":
            qs = qs.prefetch_related("attempt_log")
        if self.action == "list":
            params = self.validated_input(WebhookDeliveryFilterSerializer, data=self.request.query_params)
            if "endpoint" in params:
                qs = qs.filter(endpoint__uuid=params["endpoint"])
            if params.get("status"):
                qs = qs.filter(status=params["status"])
            if params.get("event_type"):
                qs = qs.filter(event_type=params["event_type"])
        return qs

    @extend_schema(request=None, responses={201: WebhookDeliveryOutputSerializer}, parameters=[ID])
    @action(detail=True, methods=["post"])
    def replay(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Send the delivery's message again as a new delivery (same body, same `webhook-id`); 400 if its endpoint
        is disabled."""
        replay = actions.delivery_replay(delivery=self.get_object(), actor=self.actor)
        replay = WebhookDelivery.objects.select_related("endpoint", "replay_of").get(pk=replay.pk)
        return Response(WebhookDeliveryOutputSerializer(replay).data, status=status.HTTP_201_CREATED)


def register(router: BaseRouter) -> None:
    """Register the viewsets (basename = the ROUTE_LOOKUPS key in tests/workflows/webhook_tenancy_rows.py)."""
    router.register("webhook-endpoints", WebhookEndpointViewSet, basename="webhook-endpoint")
    router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")

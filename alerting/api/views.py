"""API of alerting: integrations (inbound endpoints, keys shown once), the alert group queue and its triage
(acknowledge, resolve, silence, merge, escalate, attach) and the raw alerts. Objects are addressed by UUID."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from alerting import actions, selectors
from alerting.api import serializers
from alerting.models import Alert, AlertGroup, Integration
from core.api import ID, UuidLookupMixin
from orgs.api.base import OrgScopedViewSet
from orgs.models import MembershipRole

# --- integrations ----------------------------------------------------------------------------------------


@extend_schema_view(retrieve=extend_schema(parameters=[ID]))
class IntegrationViewSet(UuidLookupMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    """Inbound integrations of the token's organization. Admin tokens manage them; the key is shown once."""

    queryset = Integration.objects.all()
    serializer_class = serializers.IntegrationOutputSerializer
    filter_backends: list = []

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return selectors.integration_list(organization=self.organization)

    def _with_key(self, integration: Integration, key: str, code: int) -> Response:
        integration = self.get_queryset().get(pk=integration.pk)
        integration.key = key
        return Response(serializers.IntegrationKeySerializer(integration).data, status=code)

    @extend_schema(
        request=serializers.IntegrationInputSerializer, responses={201: serializers.IntegrationKeySerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Create an integration; the response carries its `key` and full inbound `url`, shown this once."""
        fields = self.validated_input(serializers.IntegrationInputSerializer)
        integration, key = actions.integration_create(organization=self.organization, actor=self.actor, **fields)
        return self._with_key(integration, key, status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.IntegrationUpdateInputSerializer,
        responses=serializers.IntegrationOutputSerializer,
        parameters=[ID],
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Rename, re-route to another service, enable/disable, change the rate limit or the webhook paths."""
        integration = self.get_object()
        fields = self.validated_input(serializers.IntegrationUpdateInputSerializer, partial=True)
        if fields:
            integration = actions.integration_update(integration=integration, actor=self.actor, **fields)
        return Response(self.get_serializer(self.get_queryset().get(pk=integration.pk)).data)

    @extend_schema(responses={204: None}, parameters=[ID], description="Deletes the integration and its alerts.")
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actions.integration_delete(integration=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=serializers.IntegrationKeySerializer, parameters=[ID])
    @action(detail=True, methods=["post"], url_path="regenerate-key")
    def regenerate_key(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Issue a new key (shown this once, with the full inbound `url`); the old key stops working at once."""
        integration, key = actions.integration_key_regenerate(integration=self.get_object(), actor=self.actor)
        return self._with_key(integration, key, status.HTTP_200_OK)


# --- alert groups ----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(parameters=[serializers.AlertGroupFilterSerializer]),
    retrieve=extend_schema(parameters=[ID]),
)
class AlertGroupViewSet(UuidLookupMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    """The alert queue of the token's organization: triggered first, then acknowledged, then resolved, newest
    first within each. Viewer tokens read; responder tokens triage."""

    queryset = AlertGroup.objects.all()
    serializer_class = serializers.AlertGroupOutputSerializer
    filter_backends: list = []
    write_role = MembershipRole.RESPONDER

    def get_serializer_class(self) -> type:
        if self.action == "list":
            return serializers.AlertGroupOutputSerializer
        return serializers.AlertGroupDetailSerializer

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        if self.action == "list":
            params = serializers.AlertGroupFilterSerializer(
                data=self.request.query_params, context=self.get_serializer_context()
            )
            params.is_valid(raise_exception=True)
            qs = selectors.alert_group_list(organization=self.organization, **params.validated_data)
            return qs.select_related("resolved_by", "merged_into")
        return self._full_queryset()

    def _output(self, group: AlertGroup, code: int = status.HTTP_200_OK) -> Response:
        group = self._full_queryset().get(pk=group.pk)
        return Response(serializers.AlertGroupDetailSerializer(group).data, status=code)

    def _full_queryset(self) -> QuerySet:
        return (
            selectors.alert_group_queryset()
            .filter(organization=self.organization)
            .select_related("resolved_by", "merged_into")
        )

    @extend_schema(request=None, responses=serializers.AlertGroupDetailSerializer, parameters=[ID])
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Take the group: paging stops. Acknowledging an acknowledged or resolved group changes nothing."""
        return self._output(actions.alert_group_acknowledge(group=self.get_object(), actor=self.actor))

    @extend_schema(request=None, responses=serializers.AlertGroupDetailSerializer, parameters=[ID])
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Resolve the group (idempotent); the next trigger with its dedup key opens a new group."""
        return self._output(actions.alert_group_resolve(group=self.get_object(), actor=self.actor))

    @extend_schema(
        request=serializers.SilenceInputSerializer, responses=serializers.AlertGroupDetailSerializer, parameters=[ID]
    )
    @action(detail=True, methods=["post"])
    def silence(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Silence notifications: `{"until": datetime}` or `{"minutes": n}`; null or 0 lifts the silence."""
        group = self.get_object()
        fields = self.validated_input(serializers.SilenceInputSerializer)
        return self._output(actions.alert_group_silence(group=group, until=fields["until"], actor=self.actor))

    @extend_schema(
        request=serializers.MergeInputSerializer, responses=serializers.AlertGroupDetailSerializer, parameters=[ID]
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Fold `groups` into this one: their alerts move here, they resolve and point here (`merged_into`)."""
        group = self.get_object()
        fields = self.validated_input(serializers.MergeInputSerializer)
        return self._output(actions.alert_group_merge(target=group, sources=fields["groups"], actor=self.actor))

    @extend_schema(
        request=serializers.EscalateInputSerializer,
        responses={201: serializers.EscalatedSerializer},
        parameters=[ID],
    )
    @action(detail=True, methods=["post"])
    def escalate(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Declare an incident from the group (title, severity, service and start from its alerts) and attach it."""
        group = self.get_object()
        fields = self.validated_input(serializers.EscalateInputSerializer)
        incident = actions.alert_group_escalate(group=group, actor=self.actor, **fields)
        group = self._full_queryset().get(pk=group.pk)
        body = {
            "incident": serializers.IncidentRefSerializer(incident).data,
            "group": serializers.AlertGroupDetailSerializer(group).data,
        }
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.AttachInputSerializer, responses=serializers.AlertGroupDetailSerializer, parameters=[ID]
    )
    @action(detail=True, methods=["post"])
    def attach(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Attach the group to an open incident (it shows on the incident and its timeline)."""
        group = self.get_object()
        fields = self.validated_input(serializers.AttachInputSerializer)
        return self._output(actions.alert_group_attach(group=group, incident=fields["incident"], actor=self.actor))


# --- alerts ---------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(parameters=[serializers.AlertFilterSerializer]),
    retrieve=extend_schema(parameters=[ID]),
)
class AlertViewSet(UuidLookupMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    """Every accepted event with its raw payload, newest first; `?group=` narrows to one alert group. Read-only."""

    queryset = Alert.objects.all()
    serializer_class = serializers.AlertOutputSerializer
    filter_backends: list = []

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        qs = qs.select_related("group", "integration").order_by("-received_at", "-id")
        if self.action == "list":
            params = serializers.AlertFilterSerializer(
                data=self.request.query_params, context=self.get_serializer_context()
            )
            params.is_valid(raise_exception=True)
            if "group" in params.validated_data:
                qs = qs.filter(group=params.validated_data["group"])
        return qs

"""API of status pages for admins (/api/v1/status-pages/ and friends): pages, their component groups and
components (with a manual status override), scheduled maintenance (with its lifecycle), public incidents (read;
title, impact and components edited) and subscribers (admin tokens: list, remove). Any token reads all but
subscribers; admin tokens write. Objects are addressed by uuid; lists take `?status_page=<status page id>`."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import ID, UuidLookupMixin
from orgs.api.base import OrgScopedViewSet
from orgs.models import MembershipRole
from statuspage import actions
from statuspage.api import serializers
from statuspage.models import Component, ComponentGroup, Maintenance, PublicIncident, StatusPage, Subscriber

READ = (mixins.ListModelMixin, mixins.RetrieveModelMixin)


class PageScopedViewSet(UuidLookupMixin, *READ, OrgScopedViewSet):
    """Lists narrowed to one status page with `?status_page=<id>` (`page` is the page number of a list)."""

    filter_backends: list = []
    write_role = MembershipRole.ADMIN

    def page_filter(self, qs: QuerySet, field: str = "page") -> QuerySet:
        if self.action != "list":
            return qs
        params = self.validated_input(serializers.PageFilterSerializer, data=self.request.query_params)
        page = params.get("status_page")
        return qs.filter(**{field: page}) if page is not None else qs

    def _output(self, obj: Any, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=obj.pk)).data, status=code)


PAGE_FILTER = extend_schema(parameters=[serializers.PageFilterSerializer])


@extend_schema_view(retrieve=extend_schema(parameters=[ID]))
class StatusPageViewSet(PageScopedViewSet):
    """The organization's status pages, the default one first. Deleting the default page is refused while
    other pages exist."""

    queryset = StatusPage.objects.all()
    serializer_class = serializers.StatusPageOutputSerializer

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return qs.select_related("organization").prefetch_related("allowed_viewers")

    @extend_schema(
        request=serializers.StatusPageInputSerializer, responses={201: serializers.StatusPageOutputSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Create a page; the organization's first page becomes its default."""
        fields = self.validated_input(serializers.StatusPageInputSerializer)
        page = actions.status_page_create(organization=self.organization, actor=self.actor, **fields)
        return self._output(page, status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.StatusPageInputSerializer, responses=serializers.StatusPageOutputSerializer, parameters=[ID]
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.get_object()
        fields = self.validated_input(serializers.StatusPageInputSerializer, partial=True)
        if not fields.get("slug", True):
            fields.pop("slug")
        return self._output(actions.status_page_update(page=page, actor=self.actor, **fields))

    @extend_schema(responses={204: None}, parameters=[ID])
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete a page with its components, maintenance, public incidents and subscribers."""
        actions.status_page_delete(page=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(list=PAGE_FILTER, retrieve=extend_schema(parameters=[ID]))
class ComponentGroupViewSet(PageScopedViewSet):
    """Component groups of the organization's status pages, in page order."""

    queryset = ComponentGroup.objects.all()
    serializer_class = serializers.ComponentGroupOutputSerializer

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return self.page_filter(qs.select_related("page")).order_by("page__title", "position", "name", "pk")

    @extend_schema(
        request=serializers.ComponentGroupInputSerializer, responses={201: serializers.ComponentGroupOutputSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated_input(serializers.ComponentGroupInputSerializer)
        group = actions.component_group_create(actor=self.actor, **fields)
        return self._output(group, status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.ComponentGroupUpdateSerializer,
        responses=serializers.ComponentGroupOutputSerializer,
        parameters=[ID],
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        group = self.get_object()
        fields = self.validated_input(serializers.ComponentGroupUpdateSerializer, partial=True)
        return self._output(actions.component_group_update(group=group, actor=self.actor, **fields))

    @extend_schema(responses={204: None}, parameters=[ID], description="Its components stay, ungrouped.")
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actions.component_group_delete(group=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(list=PAGE_FILTER, retrieve=extend_schema(parameters=[ID]))
class ComponentViewSet(PageScopedViewSet):
    """Components of the organization's status pages, in page order."""

    queryset = Component.objects.all()
    serializer_class = serializers.ComponentOutputSerializer

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        qs = qs.select_related("page", "group", "service")
        return self.page_filter(qs).order_by("page__title", "group__position", "position", "name", "pk")

    @extend_schema(request=serializers.ComponentInputSerializer, responses={201: serializers.ComponentOutputSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated_input(serializers.ComponentInputSerializer)
        component = actions.component_create(actor=self.actor, **fields)
        return self._output(component, status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.ComponentUpdateSerializer, responses=serializers.ComponentOutputSerializer, parameters=[ID]
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        component = self.get_object()
        fields = self.validated_input(serializers.ComponentUpdateSerializer, partial=True)
        return self._output(actions.component_update(component=component, actor=self.actor, **fields))

    @extend_schema(responses={204: None}, parameters=[ID])
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actions.component_delete(component=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=serializers.ComponentOverrideSerializer,
        responses=serializers.ComponentOutputSerializer,
        parameters=[ID],
    )
    @action(detail=True, methods=["post"])
    def override(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Set the component's status by hand with a reason (audited), or clear it with `status: ""`."""
        component = self.get_object()
        fields = self.validated_input(serializers.ComponentOverrideSerializer)
        return self._output(actions.component_status_override(component=component, actor=self.actor, **fields))


@extend_schema_view(list=PAGE_FILTER, retrieve=extend_schema(parameters=[ID]))
class MaintenanceViewSet(PageScopedViewSet):
    """Scheduled maintenance of the organization's status pages, latest window first, with its updates."""

    queryset = Maintenance.objects.all()
    serializer_class = serializers.MaintenanceOutputSerializer

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        qs = qs.select_related("page").prefetch_related("updates", "component_links__component")
        return self.page_filter(qs)

    @extend_schema(
        request=serializers.MaintenanceInputSerializer, responses={201: serializers.MaintenanceOutputSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Schedule (announce) a maintenance; its first update carries `body`."""
        fields = self.validated_input(serializers.MaintenanceInputSerializer)
        maintenance = actions.maintenance_schedule(actor=self.actor, **fields)
        return self._output(maintenance, status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.MaintenanceUpdateSerializer,
        responses=serializers.MaintenanceOutputSerializer,
        parameters=[ID],
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Edit a maintenance that is not completed."""
        maintenance = self.get_object()
        fields = self.validated_input(serializers.MaintenanceUpdateSerializer, partial=True)
        return self._output(actions.maintenance_update(maintenance=maintenance, actor=self.actor, **fields))

    @extend_schema(responses={204: None}, parameters=[ID], description="Cancels the maintenance.")
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actions.maintenance_delete(maintenance=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=serializers.MaintenanceTransitionSerializer,
        responses=serializers.MaintenanceOutputSerializer,
        parameters=[ID],
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Move it: scheduled → in_progress → verifying → completed (in_progress may complete at once, verifying
        may go back to in_progress); any other move is a 400 naming the legal ones. Posts an update with `body`."""
        maintenance = self.get_object()
        fields = self.validated_input(serializers.MaintenanceTransitionSerializer)
        return self._output(actions.maintenance_transition(maintenance=maintenance, actor=self.actor, **fields))

    @extend_schema(
        request=serializers.MaintenancePostSerializer,
        responses={201: serializers.MaintenanceOutputSerializer},
        parameters=[ID],
    )
    @action(detail=True, methods=["post"])
    def updates(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Post an update without changing the status."""
        maintenance = self.get_object()
        fields = self.validated_input(serializers.MaintenancePostSerializer)
        actions.maintenance_update_post(maintenance=maintenance, actor=self.actor, **fields)
        return self._output(maintenance, status.HTTP_201_CREATED)


@extend_schema_view(list=PAGE_FILTER, retrieve=extend_schema(parameters=[ID]))
class PublicIncidentViewSet(PageScopedViewSet):
    """What the status pages show of incidents (made from external status updates; never drills), newest first."""

    queryset = PublicIncident.objects.all()
    serializer_class = serializers.PublicIncidentOutputSerializer

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        qs = qs.select_related("page", "incident").prefetch_related("updates", "component_links__component")
        return self.page_filter(qs)

    @extend_schema(
        request=serializers.PublicIncidentInputSerializer,
        responses=serializers.PublicIncidentOutputSerializer,
        parameters=[ID],
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Set the public title or impact (they then stop following the incident) or the affected components."""
        public_incident = self.get_object()
        fields = self.validated_input(serializers.PublicIncidentInputSerializer, partial=True)
        return self._output(actions.public_incident_edit(public_incident=public_incident, actor=self.actor, **fields))


@extend_schema_view(list=PAGE_FILTER, retrieve=extend_schema(parameters=[ID]))
class SubscriberViewSet(PageScopedViewSet, mixins.DestroyModelMixin):
    """Email subscribers of the organization's status pages (personal data: admin tokens only)."""

    queryset = Subscriber.objects.all()
    serializer_class = serializers.SubscriberOutputSerializer
    read_role = MembershipRole.ADMIN

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return self.page_filter(qs.select_related("page").prefetch_related("component_links__component"))

    @extend_schema(responses={204: None}, parameters=[ID], description="No more mail to the address.")
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actions.subscriber_remove(subscriber=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

"""API of the service catalog: CRUD, dependencies, Backstage import and export."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core import parsers as core_parsers
from orgs.api.base import OrgScopedViewSet
from orgs.api.schema import error_response
from services import actions, backstage, selectors
from services.api import serializers
from services.models import Service


class YamlTextParser(core_parsers.BoundedTextParser):
    """Accept a catalog-info.yaml body as text (at most limits.YAML_MAX_BYTES); the import validates it."""

    media_type = "application/yaml"


class TextYamlParser(YamlTextParser):
    media_type = "text/*"


class XYamlParser(YamlTextParser):
    media_type = "application/x-yaml"


def _ref(service: Service, distance: int | None = None) -> dict[str, Any]:
    ref = {
        "slug": service.slug,
        "name": service.name,
        "tier": service.tier,
        "owner_team": service.owner_team.slug if service.owner_team_id else None,
    }
    if distance is not None:
        ref["distance"] = distance
    return ref


def _yaml_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@extend_schema_view(list=extend_schema(parameters=[serializers.ServiceFilterSerializer]))
class ServiceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    OrgScopedViewSet,
):
    """The service catalog of the token's organization. Writes need an admin token; DELETE archives."""

    queryset = Service.objects.all()
    lookup_field = "slug"
    lookup_value_regex = r"[A-Za-z0-9][A-Za-z0-9._-]*"
    serializer_class = serializers.ServiceOutputSerializer
    filter_backends: list = []
    parser_classes = [core_parsers.JSONParser, YamlTextParser, XYamlParser, TextYamlParser]

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        if self.action != "list":
            return selectors.service_list(organization=self.organization, include_archived=True).prefetch_related(
                "links", "dependency_edges__depends_on"
            )
        params = serializers.ServiceFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        filters = dict(params.validated_data)
        sort = filters.pop("ordering", "name")
        return selectors.service_list(organization=self.organization, sort=sort, **filters).prefetch_related(
            "links", "dependency_edges__depends_on"
        )

    def _output(self, service: Service, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=service.pk)).data, status=code)

    @extend_schema(request=serializers.ServiceInputSerializer, responses={201: serializers.ServiceOutputSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated_input(serializers.ServiceInputSerializer)
        service = actions.service_create(organization=self.organization, actor=self.actor, **fields)
        return self._output(service, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.ServiceInputSerializer, responses=serializers.ServiceOutputSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        service = self.get_object()
        fields = self.validated_input(serializers.ServiceInputSerializer, partial=kwargs.get("partial", False))
        service = actions.service_update(service=service, actor=self.actor, **fields)
        return self._output(service)

    @extend_schema(responses={204: None}, description="Archives the service (it keeps its history).")
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actions.service_archive(service=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=serializers.ServiceOutputSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._output(actions.service_archive(service=self.get_object(), actor=self.actor))

    @extend_schema(request=None, responses=serializers.ServiceOutputSerializer)
    @action(detail=True, methods=["post"])
    def unarchive(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._output(actions.service_unarchive(service=self.get_object(), actor=self.actor))

    @extend_schema(methods=["GET"], request=None, responses=serializers.DependenciesOutputSerializer)
    @extend_schema(
        methods=["POST"],
        request=serializers.DependencyInputSerializer,
        responses={201: serializers.DependenciesOutputSerializer},
    )
    @action(detail=True, methods=["get", "post"], url_path="dependencies")
    def dependencies(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        service = self.get_object()
        code = status.HTTP_200_OK
        if request.method == "POST":
            data = serializers.DependencyInputSerializer(data=request.data, context=self.get_serializer_context())
            data.is_valid(raise_exception=True)
            actions.service_dependency_add(
                service=service, depends_on=data.validated_data["depends_on"], actor=self.actor
            )
            code = status.HTTP_201_CREATED
        return Response(self._dependencies(service), status=code)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"dependencies/(?P<depends_on>[A-Za-z0-9][A-Za-z0-9._-]*)")
    def remove_dependency(self, request: Request, *args: Any, depends_on: str, **kwargs: Any) -> Response:
        service = self.get_object()
        target = selectors.service_get(organization=self.organization, slug=depends_on)
        actions.service_dependency_remove(service=service, depends_on=target, actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _dependencies(self, service: Service) -> dict[str, Any]:
        graph = selectors.dependency_graph(organization=self.organization)
        direct_up = sorted((graph.services[pk] for pk in graph.depends_on.get(service.pk, ())), key=lambda s: s.slug)
        direct_down = sorted((graph.services[pk] for pk in graph.dependents.get(service.pk, ())), key=lambda s: s.slug)
        return {
            "dependencies": [_ref(s) for s in direct_up],
            "dependents": [_ref(s) for s in direct_down],
            "upstream": [_ref(r.service, r.distance) for r in selectors.upstream(service=service, graph=graph)],
            "blast_radius": [_ref(r.service, r.distance) for r in selectors.blast_radius(service=service, graph=graph)],
            "cycle": [s.slug for s in selectors.dependency_cycle(service=service, graph=graph)],
        }

    @extend_schema(
        request={"application/yaml": OpenApiTypes.STR, "application/json": serializers.ImportInputSerializer},
        parameters=[OpenApiParameter("dry_run", bool, description="Preview the changes without writing.")],
        responses=serializers.ImportResultSerializer,
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_catalog(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Import Backstage catalog-info.yaml (all-or-nothing, idempotent); `?dry_run=1` previews."""
        if isinstance(request.data, str):
            text = request.data
        else:
            data = serializers.ImportInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            text = data.validated_data["yaml"]
        dry_run = request.query_params.get("dry_run", "").lower() in ("1", "true", "yes")
        result = backstage.catalog_import(
            organization=self.organization, yaml_text=text, actor=self.actor, dry_run=dry_run
        )
        return Response(result.as_dict())

    @extend_schema(
        parameters=[OpenApiParameter("service", str, description="Export only this service (slug).")],
        responses={
            (200, "application/yaml"): OpenApiResponse(OpenApiTypes.STR, description="catalog-info.yaml"),
            404: error_response(404, "No service of the token's organization has the `service` slug."),
        },
    )
    @action(detail=False, methods=["get"], url_path="export")
    def export_catalog(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        """The catalog (or one service with `?service=`) as Backstage catalog-info.yaml."""
        slug = request.query_params.get("service")
        if slug:
            service = selectors.service_get(organization=self.organization, slug=slug)
            return _yaml_response(
                backstage.catalog_export(organization=self.organization, services=[service]), f"{slug}.yaml"
            )
        return _yaml_response(backstage.catalog_export(organization=self.organization), "catalog-info.yaml")

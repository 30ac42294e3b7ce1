"""API of retrospectives (addressed by their incident's number: /retrospectives/42/ is INC-42's), the org's retro
policy (/retrospectives/settings/), templates (by slug) and the contributing-factor taxonomy (by slug).

Viewer tokens read published retrospectives only; responder tokens read drafts and write; admin tokens manage the
policy, templates and factors."""

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from incidents import actions as incident_actions
from incidents.models import MILESTONES
from orgs.api.base import OrgScopedViewSet
from orgs.models import MembershipRole
from retros import actions, selectors
from retros.api import serializers
from retros.models import ContributingFactor, Retrospective, RetrospectiveStatus, RetroTemplate

NUMBER = OpenApiParameter(
    "number", int, OpenApiParameter.PATH, description="The incident's number (42 for the retrospective of INC-42)."
)
SLUG = OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The slug.")


@extend_schema_view(
    list=extend_schema(parameters=[serializers.RetrospectiveFilterSerializer]),
    retrieve=extend_schema(parameters=[NUMBER]),
)
class RetrospectiveViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    """Retrospectives of the token's organization: unfinished ones soonest due first, then published ones."""

    queryset = Retrospective.objects.all()
    lookup_field = "number"
    lookup_value_regex = "[0-9]+"
    serializer_class = serializers.RetrospectiveOutputSerializer
    filter_backends: list = []
    write_role = MembershipRole.RESPONDER
    action_roles = {"policy": MembershipRole.ADMIN}

    def _drafts_visible(self) -> bool:
        return self.request.auth.has_role(MembershipRole.RESPONDER)

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        filters: dict[str, Any] = {}
        if self.action == "list":
            params = serializers.RetrospectiveFilterSerializer(
                data=self.request.query_params, context=self.get_serializer_context()
            )
            params.is_valid(raise_exception=True)
            filters = dict(params.validated_data)
        qs = selectors.retrospective_list(
            organization=self.organization, include_unpublished=self._drafts_visible(), **filters
        )
        return qs.prefetch_related("sections")

    def get_object(self) -> Retrospective:
        number = self.kwargs["number"]
        return selectors.retrospective_get(
            organization=self.organization, number=int(number), include_unpublished=self._drafts_visible()
        )

    def _output(self, retrospective: Retrospective, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=retrospective.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(
        request=serializers.RetrospectiveCreateInputSerializer,
        responses={201: serializers.RetrospectiveOutputSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Open an incident's retrospective by hand, drafted from its timeline, milestones, services and alerts."""
        fields = self.validated_input(serializers.RetrospectiveCreateInputSerializer)
        retrospective = actions.retrospective_create(actor=self.actor, **fields)
        return self._output(retrospective, status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.RetrospectiveUpdateInputSerializer,
        responses=serializers.RetrospectiveOutputSerializer,
        parameters=[NUMBER],
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Edit details, sections (Markdown by key) and the incident's milestones (with a reason), all or nothing."""
        retrospective = self.get_object()
        fields = self.validated_input(serializers.RetrospectiveUpdateInputSerializer, partial=True)
        sections = fields.pop("sections", {})
        reason = fields.pop("reason", "")
        milestones = {name: fields.pop(name) for name in MILESTONES if name in fields}
        if "contributing_factors" in fields:
            fields["factors"] = fields.pop("contributing_factors")
        with transaction.atomic():
            if fields:
                retrospective = actions.retrospective_update(retrospective=retrospective, actor=self.actor, **fields)
            for key, body in sections.items():
                actions.retrospective_section_update(retrospective=retrospective, key=key, body=body, actor=self.actor)
            if milestones:
                incident_actions.incident_milestones_update(
                    incident=retrospective.incident, actor=self.actor, reason=reason, **milestones
                )
        return self._output(retrospective)

    def _move(self, status_to: str) -> Response:
        retrospective = actions.retrospective_transition(
            retrospective=self.get_object(), status=status_to, actor=self.actor
        )
        return self._output(retrospective)

    @extend_schema(request=None, responses=serializers.RetrospectiveOutputSerializer, parameters=[NUMBER])
    @action(detail=True, methods=["post"], url_path="submit-for-review")
    def submit_for_review(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Draft → in review (needs an owner)."""
        return self._move(RetrospectiveStatus.IN_REVIEW)

    @extend_schema(request=None, responses=serializers.RetrospectiveOutputSerializer, parameters=[NUMBER])
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Draft or in review → published: every member can read it; stamps `published_at`."""
        return self._move(RetrospectiveStatus.PUBLISHED)

    @extend_schema(request=None, responses=serializers.RetrospectiveOutputSerializer, parameters=[NUMBER])
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """In review or published → draft, to edit it again (a published one leaves the published list)."""
        return self._move(RetrospectiveStatus.DRAFT)

    @extend_schema(methods=["GET"], request=None, responses=serializers.RetroSettingsSerializer)
    @extend_schema(
        methods=["PATCH"],
        request=serializers.RetroSettingsInputSerializer,
        responses=serializers.RetroSettingsSerializer,
        description="Admin tokens: which resolved incidents get a retrospective, and when it is due.",
    )
    @action(detail=False, methods=["get", "patch"], url_path="settings", pagination_class=None)
    def policy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The org's retrospective policy."""
        actions.retro_defaults_ensure(organization=self.organization)
        if request.method == "PATCH":
            fields = self.validated_input(serializers.RetroSettingsInputSerializer, partial=True)
            actions.retro_settings_update(organization=self.organization, actor=self.actor, **fields)
        policy = selectors.retro_settings_get(organization=self.organization)
        return Response(serializers.RetroSettingsSerializer(policy).data)


@extend_schema_view(retrieve=extend_schema(parameters=[SLUG]))
class RetroTemplateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    """Retrospective templates of the token's organization, the default first. Admin tokens manage them."""

    queryset = RetroTemplate.objects.all()
    lookup_field = "slug"
    serializer_class = serializers.RetroTemplateSerializer
    filter_backends: list = []

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return selectors.retro_template_list(organization=self.organization)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actions.retro_defaults_ensure(organization=self.organization)
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=serializers.RetroTemplateInputSerializer, responses={201: serializers.RetroTemplateSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated_input(serializers.RetroTemplateInputSerializer)
        template = actions.retro_template_create(organization=self.organization, actor=self.actor, **fields)
        return Response(self.get_serializer(template).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.RetroTemplateInputSerializer,
        responses=serializers.RetroTemplateSerializer,
        parameters=[SLUG],
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Edit a template; its sections apply to retrospectives created afterwards."""
        template = self.get_object()
        fields = self.validated_input(serializers.RetroTemplateInputSerializer, partial=True)
        template = actions.retro_template_update(template=template, actor=self.actor, **fields)
        return Response(self.get_serializer(template).data)

    @extend_schema(responses={204: None}, parameters=[SLUG], description="The default template cannot be deleted.")
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actions.retro_template_delete(template=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(retrieve=extend_schema(parameters=[SLUG]))
class ContributingFactorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    """The org's contributing-factor taxonomy. Admin tokens manage it; retrospectives are tagged by slug."""

    queryset = ContributingFactor.objects.all()
    lookup_field = "slug"
    serializer_class = serializers.ContributingFactorSerializer
    filter_backends: list = []

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return selectors.contributing_factor_list(organization=self.organization)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actions.retro_defaults_ensure(organization=self.organization)
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=serializers.ContributingFactorInputSerializer,
        responses={201: serializers.ContributingFactorSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated_input(serializers.ContributingFactorInputSerializer)
        factor = actions.contributing_factor_create(organization=self.organization, actor=self.actor, **fields)
        return Response(self.get_serializer(factor).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.ContributingFactorInputSerializer,
        responses=serializers.ContributingFactorSerializer,
        parameters=[SLUG],
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        factor = self.get_object()
        fields = self.validated_input(serializers.ContributingFactorInputSerializer, partial=True)
        factor = actions.contributing_factor_update(factor=factor, actor=self.actor, **fields)
        return Response(self.get_serializer(factor).data)

    @extend_schema(responses={204: None}, parameters=[SLUG], description="Untags every retrospective tagged with it.")
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actions.contributing_factor_delete(factor=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

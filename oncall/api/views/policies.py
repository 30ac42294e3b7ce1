"""API of escalation policies (CRUD by slug, steps nested in one document) and of manual paging."""

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from notifications.models import Notification
from oncall import subjects
from oncall.actions import manual_paging
from oncall.actions import policies as actions
from oncall.api.serializers import policies as serializers
from oncall.models import EscalationPolicy
from oncall.selectors import policies as selectors
from orgs.api.base import OrgScopedViewSet
from orgs.models import MembershipRole

SLUG = OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The policy's slug")


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("search", str, description="Name or slug contains")]),
    retrieve=extend_schema(parameters=[SLUG]),
)
class EscalationPolicyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    OrgScopedViewSet,
):
    """Escalation policies of the token's organization. Writes need an admin token; PUT/PATCH `steps`
    replace all steps at once. Deleting a policy leaves its services with no policy."""

    queryset = EscalationPolicy.objects.all()
    lookup_field = "slug"
    serializer_class = serializers.PolicyOutputSerializer

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        search = self.request.query_params.get("search", "").strip() if self.action == "list" else ""
        return selectors.policy_list(organization=self.organization, search=search)

    def _output(self, policy: EscalationPolicy, code: int = status.HTTP_200_OK) -> Response:
        policy = selectors.policy_get(organization=self.organization, slug=policy.slug)
        return Response(self.get_serializer(policy).data, status=code)

    def _input(self, partial: bool) -> dict[str, Any]:
        """The checked body as the actions take it: steps as plain dicts, an empty slug left out (derived)."""
        fields = self.validated_input(serializers.PolicyInputSerializer, partial=partial)
        if "steps" in fields:
            fields["steps"] = [
                {"wait_minutes": step["wait_minutes"], "targets": list(step["targets"])} for step in fields["steps"]
            ]
        if not fields.get("slug"):
            fields.pop("slug", None)
        return fields

    @extend_schema(request=serializers.PolicyInputSerializer, responses={201: serializers.PolicyOutputSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        policy = actions.policy_create(organization=self.organization, actor=self.actor, **self._input(partial=False))
        return self._output(policy, status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.PolicyInputSerializer, responses=serializers.PolicyOutputSerializer, parameters=[SLUG]
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        policy = self.get_object()
        fields = self._input(partial=kwargs.get("partial", False))
        return self._output(actions.policy_update(policy=policy, actor=self.actor, **fields))

    @extend_schema(responses={204: None}, parameters=[SLUG])
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actions.policy_delete(policy=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=serializers.OnCallNowSerializer(many=True), parameters=[SLUG])
    @action(detail=True, methods=["get"], url_path="now", pagination_class=None)
    def now(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Who each step would page if an alert fired now."""
        policy = self.get_object()
        steps = selectors.policy_now(policy=policy, at=timezone.now())
        data = [
            {"position": item.step.position + 1, "wait_minutes": item.step.wait_minutes, "users": item.users}
            for item in steps
        ]
        return Response(serializers.OnCallNowSerializer(data, many=True).data)


class PageViewSet(mixins.CreateModelMixin, OrgScopedViewSet):
    """Page people, a team or a schedule's on-call about an incident now (responder token)."""

    # The incidents of the org, through a delivery's key to them: oncall sits below incidents and does not import
    # it. Only the schema reads this (the page is created below; the incident is found by number).
    queryset = Notification._meta.get_field("incident").related_model.objects.all()
    write_role = MembershipRole.RESPONDER
    serializer_class = serializers.PageOutputSerializer

    @extend_schema(request=serializers.PageInputSerializer, responses={201: serializers.PageOutputSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = serializers.PageInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        incident = subjects.incident_find(organization=self.organization, number=fields["incident"])
        if incident is None:
            raise ValidationError({"incident": [f"No incident INC-{fields['incident']} in this organization."]})
        notifications = manual_paging.incident_page(
            incident=incident,
            actor=self.actor,
            message=fields["message"],
            users=fields.get("users") or [],
            team=fields.get("team"),
            schedule=fields.get("schedule"),
        )
        body = {"incident": incident.number, "notifications": notifications}
        return Response(serializers.PageOutputSerializer(body).data, status=status.HTTP_201_CREATED)

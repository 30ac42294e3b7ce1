"""API of follow-up tickets (/api/v1/follow-ups/), addressed by their per-org number (12 for FU-12). Viewer
tokens read; responder tokens create, edit and delete."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from orgs.api.base import OrgScopedViewSet
from orgs.models import MembershipRole
from ticketing import actions, selectors
from ticketing.api import serializers
from ticketing.models import FollowUp

NUMBER = OpenApiParameter("number", int, OpenApiParameter.PATH, description="The follow-up's number (12 for FU-12).")


@extend_schema_view(
    list=extend_schema(parameters=[serializers.FollowUpFilterSerializer]),
    retrieve=extend_schema(parameters=[NUMBER]),
)
class FollowUpViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    """Follow-ups of the token's organization, overdue first, then open ones by due date and priority."""

    queryset = FollowUp.objects.all()
    lookup_field = "number"
    lookup_value_regex = "[0-9]+"
    serializer_class = serializers.FollowUpOutputSerializer
    filter_backends: list = []
    write_role = MembershipRole.RESPONDER

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        if self.action == "list":
            params = serializers.FollowUpFilterSerializer(
                data=self.request.query_params, context=self.get_serializer_context()
            )
            params.is_valid(raise_exception=True)
            return selectors.follow_up_list(organization=self.organization, **params.selector_kwargs())
        return selectors.follow_up_list(organization=self.organization)

    def _output(self, follow_up: FollowUp, code: int = status.HTTP_200_OK) -> Response:
        follow_up = selectors.follow_up_get(organization=self.organization, number=follow_up.number)
        return Response(self.get_serializer(follow_up).data, status=code)

    @extend_schema(request=serializers.FollowUpInputSerializer, responses={201: serializers.FollowUpOutputSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Open a follow-up; it gets the organization's next number (FU-n) and, with an incident, a timeline event."""
        fields = self.validated_input(serializers.FollowUpInputSerializer)
        follow_up = actions.follow_up_create(organization=self.organization, actor=self.actor, **fields)
        return self._output(follow_up, status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.FollowUpInputSerializer, responses=serializers.FollowUpOutputSerializer, parameters=[NUMBER]
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Edit any field; `status` done or wont_do stamps `completed_at`, back to open or in_progress clears it."""
        follow_up = self.get_object()
        fields = self.validated_input(serializers.FollowUpInputSerializer, partial=True)
        if fields:
            follow_up = actions.follow_up_update(follow_up=follow_up, actor=self.actor, **fields)
        return self._output(follow_up)

    @extend_schema(responses={204: None}, parameters=[NUMBER], description="Delete one opened by mistake.")
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actions.follow_up_delete(follow_up=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

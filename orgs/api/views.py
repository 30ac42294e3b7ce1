"""API of the orgs app: teams, members, invitations, API tokens and the audit log."""

import uuid
from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from core.fields import BoundedIsoDateTimeFilter
from orgs import actions, selectors
from orgs.api import serializers
from orgs.api.base import OrgScopedViewSet
from orgs.models import ApiToken, AuditEvent, Invitation, Membership, Team, TeamMembership, User
from orgs.permissions import can_assign_role


class TeamViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    OrgScopedViewSet,
):
    """Teams of the token's organization. Writes need an admin token."""

    queryset = Team.objects.all()
    lookup_field = "slug"
    serializer_class = serializers.TeamOutputSerializer
    filterset_fields = {"name": ["exact", "icontains"]}

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        memberships = TeamMembership.objects.select_related("user")
        return selectors.team_list(organization=self.organization).prefetch_related(
            Prefetch("team_memberships", queryset=memberships)
        )

    def _output(self, team: Team, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=team.pk)).data, status=code)

    @extend_schema(request=serializers.TeamInputSerializer, responses={201: serializers.TeamOutputSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = serializers.TeamInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        team = actions.team_create(organization=self.organization, actor=self.actor, **data.validated_data)
        return self._output(team, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.TeamInputSerializer, responses=serializers.TeamOutputSerializer)
    def update(self, request: Request, *args: Any, partial: bool = False, **kwargs: Any) -> Response:
        team = self.get_object()
        data = serializers.TeamInputSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        team = actions.team_update(team=team, actor=self.actor, **data.validated_data)
        return self._output(team)

    def perform_destroy(self, instance: Team) -> None:
        actions.team_delete(team=instance, actor=self.actor)

    @extend_schema(request=serializers.TeamMemberInputSerializer, responses=serializers.TeamOutputSerializer)
    @action(detail=True, methods=["post"], url_path="members")
    def add_member(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        team = self.get_object()
        data = serializers.TeamMemberInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actions.team_member_add(team=team, user=self._org_user(data.validated_data["user"]), actor=self.actor)
        return self._output(team)

    @extend_schema(
        request=None,
        responses={200: serializers.TeamOutputSerializer},
        parameters=[OpenApiParameter("user_id", str, OpenApiParameter.PATH, description="User id (uuid) or email")],
    )
    @action(detail=True, methods=["delete"], url_path=r"members/(?P<user_id>[^/.]+)")
    def remove_member(self, request: Request, *args: Any, user_id: str, **kwargs: Any) -> Response:
        team = self.get_object()
        actions.team_member_remove(team=team, user=self._org_user(user_id), actor=self.actor)
        return self._output(team)

    def _org_user(self, ref: str) -> User:
        users = User.objects.filter(memberships__organization=self.organization)
        if "@" in ref:
            user = users.filter(email__iexact=ref).first()
        else:
            try:
                user = users.filter(uuid=uuid.UUID(ref)).first()
            except ValueError:
                user = None
        if user is None:
            raise ValidationError({"user": ["No member of this organization matches."]})
        return user


class MemberViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    OrgScopedViewSet,
):
    """Members of the token's organization. Admin tokens change roles and remove members (never owners)."""

    queryset = Membership.objects.all()
    lookup_field = "uuid"
    lookup_url_kwarg = "id"
    serializer_class = serializers.MembershipOutputSerializer
    filterset_fields = ["role"]
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return selectors.membership_list(organization=self.organization)

    @extend_schema(request=serializers.MembershipRoleInputSerializer, responses=serializers.MembershipOutputSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = self.get_object()
        data = serializers.MembershipRoleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        role = data.validated_data["role"]
        if not can_assign_role(request.auth.role, membership.role, role):
            raise PermissionDenied("Only owners can grant, change or remove the owner role.")
        membership = actions.membership_role_change(membership=membership, role=role, actor=self.actor)
        return Response(self.get_serializer(self.get_queryset().get(pk=membership.pk)).data)

    def perform_destroy(self, instance: Membership) -> None:
        if not can_assign_role(self.request.auth.role, instance.role, None):
            raise PermissionDenied("Only owners can remove an owner.")
        actions.membership_remove(membership=instance, actor=self.actor)


class InvitationViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, OrgScopedViewSet):
    """Pending invitations. Creating one emails a signed link; deleting revokes it."""

    queryset = Invitation.objects.all()
    lookup_field = "uuid"
    lookup_url_kwarg = "id"
    serializer_class = serializers.InvitationOutputSerializer
    read_role = "admin"

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return selectors.invitation_list_pending(organization=self.organization)

    @extend_schema(
        request=serializers.InvitationInputSerializer, responses={201: serializers.InvitationOutputSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = serializers.InvitationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not can_assign_role(request.auth.role, None, data.validated_data["role"]):
            raise PermissionDenied("Only owners can invite owners.")
        invitation = actions.invitation_create(organization=self.organization, actor=self.actor, **data.validated_data)
        return Response(self.get_serializer(invitation).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: Invitation) -> None:
        actions.invitation_revoke(invitation=instance, actor=self.actor)


class ApiTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, OrgScopedViewSet):
    """API tokens of the org. The secret is in the create response only; deleting revokes."""

    queryset = ApiToken.objects.all()
    lookup_field = "uuid"
    lookup_url_kwarg = "id"
    serializer_class = serializers.ApiTokenOutputSerializer
    read_role = "admin"

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return selectors.api_token_list(organization=self.organization)

    @extend_schema(request=serializers.ApiTokenInputSerializer, responses={201: serializers.ApiTokenCreatedSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = serializers.ApiTokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, raw = actions.api_token_create(organization=self.organization, actor=self.actor, **data.validated_data)
        token.token = raw
        return Response(serializers.ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: serializers.ApiTokenOutputSerializer}, description="Revoke (it stays listed).")
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        token = actions.api_token_revoke(token=self.get_object(), actor=self.actor)
        return Response(self.get_serializer(token).data)


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(field_name="action", lookup_expr="startswith")
    actor = django_filters.CharFilter(field_name="actor_label", lookup_expr="icontains")
    target_type = django_filters.CharFilter()
    target_id = django_filters.CharFilter()
    since = BoundedIsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    until = BoundedIsoDateTimeFilter(field_name="occurred_at", lookup_expr="lte")

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "target_type", "target_id", "since", "until"]


class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    """The org's audit log, newest first. Read-only."""

    queryset = AuditEvent.objects.all()
    lookup_field = "uuid"
    lookup_url_kwarg = "id"
    serializer_class = serializers.AuditEventSerializer
    filterset_class = AuditEventFilter
    read_role = "admin"

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return qs.order_by("-occurred_at", "-id")

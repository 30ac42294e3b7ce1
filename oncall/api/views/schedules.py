"""API of on-call schedules, addressed by slug: CRUD, layers and overrides as sub-resources, who is on call
at an instant, and the shifts (with gaps) over a window.

Viewer tokens read; responder tokens add and remove overrides (covering is daily business); admin tokens
manage schedules and layers.
"""

from datetime import timedelta
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import UUID_PATTERN
from oncall import rotation
from oncall.actions import schedules as actions
from oncall.api.serializers import schedules as serializers
from oncall.models import Schedule, ScheduleLayer, ScheduleLayerMember
from oncall.selectors import schedules as selectors
from orgs.api.base import OrgScopedViewSet
from orgs.models import MembershipRole

LAYER_ID = OpenApiParameter("layer_id", str, OpenApiParameter.PATH, description="The layer's id (uuid).")
OVERRIDE_ID = OpenApiParameter("override_id", str, OpenApiParameter.PATH, description="The override's id (uuid).")
DEFAULT_WINDOW = timedelta(days=14)


class ScheduleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    OrgScopedViewSet,
):
    """On-call schedules of the token's organization, with their layers (highest first)."""

    queryset = Schedule.objects.all()
    lookup_field = "slug"
    lookup_value_regex = r"[A-Za-z0-9][A-Za-z0-9_-]*"
    serializer_class = serializers.ScheduleOutputSerializer
    filter_backends: list = []
    action_roles = {
        "overrides": MembershipRole.RESPONDER,
        "override_delete": MembershipRole.RESPONDER,
    }

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        members = ScheduleLayerMember.objects.select_related("user").order_by("position")
        layers = ScheduleLayer.objects.prefetch_related(Prefetch("members", queryset=members)).order_by(
            "-position", "pk"
        )
        return selectors.schedule_list(organization=self.organization).prefetch_related(
            Prefetch("layers", queryset=layers)
        )

    def _schedule(self) -> Schedule:
        schedule = self.get_object()
        schedule.organization = self.organization
        return schedule

    def _output(self, schedule: Schedule, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=schedule.pk)).data, status=code)

    @extend_schema(request=serializers.ScheduleInputSerializer, responses={201: serializers.ScheduleOutputSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Create a schedule; add layers next (it has nobody on call until then)."""
        fields = self.validated_input(serializers.ScheduleInputSerializer)
        schedule = actions.schedule_create(organization=self.organization, actor=self.actor, **fields)
        return self._output(schedule, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.ScheduleInputSerializer, responses=serializers.ScheduleOutputSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change name, slug, description, time zone (hand-offs keep their local times) or owner team."""
        schedule = self._schedule()
        fields = self.validated_input(serializers.ScheduleInputSerializer, partial=kwargs.get("partial", False))
        schedule = actions.schedule_update(schedule=schedule, actor=self.actor, **fields)
        return self._output(schedule)

    @extend_schema(request=serializers.ScheduleInputSerializer, responses=serializers.ScheduleOutputSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(
        responses={204: None},
        description="Deletes the schedule with its layers and overrides; 400 while an escalation policy pages it.",
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actions.schedule_delete(schedule=self._schedule(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- who is on call ---

    @extend_schema(parameters=[serializers.OncallAtSerializer], responses=serializers.OncallSerializer)
    @action(detail=True, methods=["get"])
    def oncall(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Who is on call at `at` (default now): layers, restrictions and overrides applied; [] when nobody."""
        schedule = self._schedule()
        params = self.validated_input(serializers.OncallAtSerializer, data=request.query_params)
        at = params.get("at") or timezone.now()
        users = selectors.schedule_oncall_users(schedule=schedule, at=at)
        return Response(serializers.OncallSerializer({"at": at, "users": users}).data)

    @extend_schema(parameters=[serializers.ShiftWindowSerializer], responses=serializers.ShiftsSerializer)
    @action(detail=True, methods=["get"])
    def shifts(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Who is on call from `start` (default now) to `end` (default +14 days, at most 93), and the gaps."""
        schedule = self._schedule()
        params = self.validated_input(serializers.ShiftWindowSerializer, data=request.query_params)
        start = params.get("start") or timezone.now()
        end = params.get("end") or start + DEFAULT_WINDOW
        if end <= start:
            raise ValidationError({"end": "The end must be after the start."})
        if end - start > timedelta(days=serializers.MAX_WINDOW_DAYS):
            raise ValidationError({"end": f"Ask for at most {serializers.MAX_WINDOW_DAYS} days at a time."})
        shifts = selectors.schedule_shifts(schedule=schedule, start=start, end=end)
        context = {
            "users": selectors.users_by_id({s.user_id for s in shifts}),
            "layers": dict(ScheduleLayer.objects.filter(schedule=schedule).values_list("pk", "uuid")),
        }
        body = {
            "start": start,
            "end": end,
            "shifts": shifts,
            "gaps": [{"starts_at": a, "ends_at": b} for a, b in rotation.coverage_gaps(shifts, start=start, end=end)],
        }
        return Response(serializers.ShiftsSerializer(body, context=context).data)

    # --- layers ---

    @extend_schema(
        methods=["GET"], responses=serializers.LayerOutputSerializer(many=True), description="Highest (winning) first."
    )
    @extend_schema(
        methods=["POST"],
        request=serializers.LayerInputSerializer,
        responses={201: serializers.LayerOutputSerializer},
        description="Add a layer (by default above every other).",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def layers(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        schedule = self._schedule()
        if request.method == "GET":
            data = serializers.LayerOutputSerializer(selectors.layer_list(schedule=schedule), many=True).data
            return Response(data)
        fields = self.validated_input(serializers.LayerInputSerializer)
        layer = actions.layer_create(
            schedule=schedule,
            actor=self.actor,
            users=fields.pop("members"),
            position=fields.pop("position", None),
            **fields,
        )
        return self._layer_output(schedule, layer.pk, status.HTTP_201_CREATED)

    def _layer_output(self, schedule: Schedule, pk: int, code: int = status.HTTP_200_OK) -> Response:
        layer = next(la for la in selectors.layer_list(schedule=schedule) if la.pk == pk)
        return Response(serializers.LayerOutputSerializer(layer).data, status=code)

    @extend_schema(
        methods=["PATCH"],
        request=serializers.LayerInputSerializer,
        responses=serializers.LayerOutputSerializer,
        parameters=[LAYER_ID],
        description="Change any of the layer's fields; `members` replaces the participants (in turn order).",
    )
    @extend_schema(methods=["DELETE"], responses={204: None}, parameters=[LAYER_ID])
    @action(detail=True, methods=["patch", "delete"], url_path=f"layers/(?P<layer_id>{UUID_PATTERN})")
    def layer(self, request: Request, *args: Any, layer_id: str, **kwargs: Any) -> Response:
        schedule = self._schedule()
        layer = selectors.layer_get(schedule=schedule, uuid=layer_id)
        if request.method == "DELETE":
            actions.layer_delete(layer=layer, actor=self.actor)
            return Response(status=status.HTTP_204_NO_CONTENT)
        fields = self.validated_input(serializers.LayerInputSerializer, partial=True)
        if "position" in fields:
            fields.pop("position")
        users = fields.pop("members", None)
        actions.layer_update(layer=layer, actor=self.actor, users=users, **fields)
        return self._layer_output(schedule, layer.pk)

    # --- overrides ---

    @extend_schema(
        methods=["GET"],
        parameters=[serializers.OverrideFilterSerializer],
        responses=serializers.OverrideOutputSerializer(many=True),
        description="Current and upcoming overrides (add include_past=true for all).",
    )
    @extend_schema(
        methods=["POST"],
        request=serializers.OverrideInputSerializer,
        responses={201: serializers.OverrideOutputSerializer},
        description="`user` is on call instead of `covers` (or over everyone when null) between the two instants.",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def overrides(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        schedule = self._schedule()
        if request.method == "GET":
            params = self.validated_input(serializers.OverrideFilterSerializer, data=request.query_params)
            after = None if params.get("include_past") else timezone.now()
            overrides = selectors.override_list(schedule=schedule, ending_after=after)[:500]
            return Response(serializers.OverrideOutputSerializer(overrides, many=True).data)
        fields = self.validated_input(serializers.OverrideInputSerializer)
        override = actions.override_create(schedule=schedule, actor=self.actor, **fields)
        override = selectors.override_get(schedule=schedule, uuid=override.uuid)
        return Response(serializers.OverrideOutputSerializer(override).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None}, parameters=[OVERRIDE_ID])
    @action(detail=True, methods=["delete"], url_path=f"overrides/(?P<override_id>{UUID_PATTERN})")
    def override_delete(self, request: Request, *args: Any, override_id: str, **kwargs: Any) -> Response:
        """Remove an override: the rotation decides again for its time."""
        schedule = self._schedule()
        override = get_object_or_404(selectors.override_list(schedule=schedule), uuid=override_id)
        actions.override_delete(override=override, actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

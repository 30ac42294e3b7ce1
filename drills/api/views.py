"""API of drills: scenarios (/api/v1/drill-scenarios/: CRUD by id, POST …/{id}/approve/ by someone other than the
author) and runs (/api/v1/drill-runs/: read, create with `scenario` and optional `scheduled_for`, POST …/{id}/start/,
POST …/{id}/halt/ {"reason"}). A run's answer carries its status, the incidents (numbers) and alert groups (ids) it
produced and its scorecard. Any token reads; admin tokens write. What the domain refuses (a payload its format's
parser rejects, a run of a draft scenario, halting a run that is not running) is a 400 naming the field."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from core.api import ID, UuidLookupMixin
from drills import actions
from drills.api import serializers
from drills.models import DrillInject, DrillLink, DrillRun, Scenario
from orgs.api.base import OrgScopedViewSet
from orgs.models import MembershipRole

READ = (mixins.ListModelMixin, mixins.RetrieveModelMixin)
PUT_DEFAULTS = {
    "hypothesis": "",
    "learning_goals": "",
    "severity": None,
    "services": [],
    "injects": [],
    "expected_responses": [],
    "abort_conditions": "",
}


@extend_schema_view(retrieve=extend_schema(parameters=[ID]))
class ScenarioViewSet(UuidLookupMixin, *READ, OrgScopedViewSet):
    """The organization's drill scenarios, by title: injects (alerts, hints, prompts at offsets from the start),
    expected responses with targets, abort conditions. A scenario runs once approved by someone other than its
    author; any change returns it to draft."""

    queryset = Scenario.objects.all()
    serializer_class = serializers.ScenarioOutputSerializer
    filter_backends: list = []
    write_role = MembershipRole.ADMIN

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return (
            qs.select_related("severity", "created_by", "approved_by")
            .prefetch_related("services")
            .order_by("title", "pk")
        )

    def _output(self, scenario: Scenario, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=scenario.pk)).data, status=code)

    @extend_schema(request=serializers.ScenarioInputSerializer, responses={201: serializers.ScenarioOutputSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Create a draft scenario."""
        fields = self.validated_input(serializers.ScenarioInputSerializer)
        scenario = actions.scenario_create(organization=self.organization, actor=self.actor, **fields)
        return self._output(scenario, status.HTTP_201_CREATED)

    def _update(self, *, partial: bool) -> Response:
        scenario = self.get_object()
        fields = self.validated_input(serializers.ScenarioInputSerializer, partial=partial)
        if not partial:  # PUT replaces: what is left out takes its default
            fields = {**PUT_DEFAULTS, **fields}
        return self._output(actions.scenario_update(scenario=scenario, actor=self.actor, **fields))

    @extend_schema(
        request=serializers.ScenarioInputSerializer, responses=serializers.ScenarioOutputSerializer, parameters=[ID]
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Replace the scenario (fields left out take their defaults). An approved scenario returns to draft."""
        return self._update(partial=False)

    @extend_schema(
        request=serializers.ScenarioInputSerializer, responses=serializers.ScenarioOutputSerializer, parameters=[ID]
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change some fields. An approved scenario that changes returns to draft."""
        return self._update(partial=True)

    @extend_schema(responses={204: None}, parameters=[ID])
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete a scenario that never ran (one with runs stays as their record: 400)."""
        actions.scenario_delete(scenario=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=serializers.ScenarioOutputSerializer, parameters=[ID])
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Approve the scenario for running. Its author cannot (400); approving an approved one changes nothing."""
        scenario = actions.scenario_approve(scenario=self.get_object(), actor=self.actor)
        return self._output(scenario)


RUN_FILTERS = extend_schema(parameters=[serializers.RunFilterSerializer])


@extend_schema_view(list=RUN_FILTERS, retrieve=extend_schema(parameters=[ID]))
class DrillRunViewSet(UuidLookupMixin, *READ, OrgScopedViewSet):
    """Drill runs, newest first: status, the injects (a hint's or prompt's text once shown), what the run produced
    and its scorecard (computed live while it runs, frozen when it ends). `?status=` and `?scenario=<id>` narrow
    the list."""

    queryset = DrillRun.objects.all()
    serializer_class = serializers.DrillRunOutputSerializer
    filter_backends: list = []
    write_role = MembershipRole.ADMIN

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        qs = (
            qs.select_related("scenario", "facilitator", "participants_schedule", "halted_by")
            .prefetch_related(
                "participants_teams",
                "observers",
                Prefetch("injects", queryset=DrillInject.objects.select_related("service").order_by("position")),
                Prefetch("links", queryset=DrillLink.objects.select_related("incident", "alert_group")),
            )
            .order_by("-number")
        )
        if self.action != "list":
            return qs
        params = self.validated_input(serializers.RunFilterSerializer, data=self.request.query_params)
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        if params.get("scenario") is not None:
            qs = qs.filter(scenario=params["scenario"])
        return qs

    def _output(self, run: DrillRun, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=run.pk)).data, status=code)

    @extend_schema(request=serializers.DrillRunInputSerializer, responses={201: serializers.DrillRunOutputSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Create a run of an approved scenario: scheduled at `scheduled_for` (beat starts it then), or without it
        waiting for …/start/."""
        fields = self.validated_input(serializers.DrillRunInputSerializer)
        run = actions.run_create(organization=self.organization, actor=self.actor, **fields)
        return self._output(run, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=serializers.DrillRunOutputSerializer, parameters=[ID])
    @action(detail=True, methods=["post"])
    def start(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Start a scheduled run now: its injects go out at their offsets through the drill integrations."""
        return self._output(actions.run_start(run=self.get_object(), actor=self.actor))

    @extend_schema(request=serializers.HaltSerializer, responses=serializers.DrillRunOutputSerializer, parameters=[ID])
    @action(detail=True, methods=["post"])
    def halt(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Stop a running drill at once: pending injects canceled, its alert groups resolved, its open incidents
        closed as drills with the reason on their timeline. A run that is not running: 400."""
        run = self.get_object()
        reason = self.validated_input(serializers.HaltSerializer).get("reason", "")
        return self._output(actions.run_halt(run=run, actor=self.actor, reason=reason))


def register(router: BaseRouter) -> None:
    """Register the viewsets on the router (basename = the ROUTE_LOOKUPS key in tests/drills/tenancy_rows.py)."""
    router.register("drill-scenarios", ScenarioViewSet, basename="drill-scenario")
    router.register("drill-runs", DrillRunViewSet, basename="drill-run")

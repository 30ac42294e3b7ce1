"""API of workflows (/api/v1/workflows/: CRUD by id, POST …/{id}/dry-run/) and their runs
(/api/v1/workflow-runs/: read, filtered by workflow, incident and status). Any token reads and dry-runs; admin
tokens write. Conditions and actions are checked by workflows.validation: a 400 names each bad part
(`conditions[0].value`: "SEV9 is not a severity of this organization")."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from core.api import ID, UuidLookupMixin
from incidents.models import Incident
from orgs.api.base import OrgScopedViewSet
from orgs.models import MembershipRole
from workflows import actions
from workflows.api import serializers
from workflows.models import Workflow, WorkflowRun

READ = (mixins.ListModelMixin, mixins.RetrieveModelMixin)


@extend_schema_view(retrieve=extend_schema(parameters=[ID]))
class WorkflowViewSet(UuidLookupMixin, *READ, OrgScopedViewSet):
    """The organization's workflows, by name: when `trigger` fires and the conditions hold (`condition_mode` all
    or any; none: always), the actions run in order, each after its delay."""

    queryset = Workflow.objects.all()
    serializer_class = serializers.WorkflowOutputSerializer
    filter_backends: list = []
    write_role = MembershipRole.ADMIN
    action_roles = {"dry_run": MembershipRole.VIEWER}

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return qs.order_by("name", "pk")

    def _output(self, workflow: Workflow, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(workflow).data, status=code)

    @extend_schema(request=serializers.WorkflowInputSerializer, responses={201: serializers.WorkflowOutputSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Create a workflow; it runs from now on if `is_enabled` (the default)."""
        fields = self.validated_input(serializers.WorkflowInputSerializer)
        workflow = actions.workflow_create(organization=self.organization, actor=self.actor, **fields)
        return self._output(workflow, status.HTTP_201_CREATED)

    def _update(self, *, partial: bool) -> Response:
        workflow = self.get_object()
        fields = self.validated_input(serializers.WorkflowInputSerializer, partial=partial)
        if not partial:  # PUT replaces: what is left out takes its default
            fields = {
                "description": "",
                "condition_mode": "all",
                "conditions": [],
                "actions": [],
                "is_enabled": True,
                "run_in_drills": False,
                **fields,
            }
        return self._output(actions.workflow_update(workflow=workflow, actor=self.actor, **fields))

    @extend_schema(
        request=serializers.WorkflowInputSerializer, responses=serializers.WorkflowOutputSerializer, parameters=[ID]
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Replace the workflow (fields left out take their defaults). Runs under way keep the steps they copied."""
        return self._update(partial=False)

    @extend_schema(
        request=serializers.WorkflowInputSerializer, responses=serializers.WorkflowOutputSerializer, parameters=[ID]
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change some fields (`{"is_enabled": false}` disables it)."""
        return self._update(partial=True)

    @extend_schema(responses={204: None}, parameters=[ID])
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete the workflow; its runs stay (with its name)."""
        actions.workflow_delete(workflow=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=serializers.DryRunInputSerializer, responses=serializers.DryRunSerializer, parameters=[ID])
    @action(detail=True, methods=["post"], url_path="dry-run")
    def dry_run(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """What the workflow would do if its trigger fired now for a past incident: whether each condition holds
        and each step's planned outcome. Nothing is written, paged or sent."""
        workflow = self.get_object()
        number = self.validated_input(serializers.DryRunInputSerializer)["incident"]
        incident = Incident.objects.for_org(self.organization).filter(number=number).first()
        if incident is None:
            raise ValidationError({"incident": [f"There is no incident {number} in this organization."]})
        result = actions.workflow_dry_run(workflow=workflow, incident=incident)
        return Response(serializers.DryRunSerializer(result).data)


RUN_FILTERS = extend_schema(parameters=[serializers.RunFilterSerializer])


@extend_schema_view(list=RUN_FILTERS, retrieve=extend_schema(parameters=[ID]))
class WorkflowRunViewSet(UuidLookupMixin, *READ, OrgScopedViewSet):
    """Runs of the organization's workflows, newest first, each with its steps (status, outcome, error, due
    time). `?workflow=<id>`, `?incident=<number>` and `?status=` narrow the list."""

    queryset = WorkflowRun.objects.all()
    serializer_class = serializers.WorkflowRunSerializer
    filter_backends: list = []

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        qs = qs.select_related("workflow", "incident").prefetch_related("steps").order_by("-started_at", "-id")
        if self.action != "list":
            return qs
        params = self.validated_input(serializers.RunFilterSerializer, data=self.request.query_params)
        if params.get("workflow") is not None:
            qs = qs.filter(workflow=params["workflow"])
        if params.get("incident") is not None:
            qs = qs.filter(incident__number=params["incident"])
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        return qs


def register(router: BaseRouter) -> None:
    """Register the viewsets on the router (basename = the ROUTE_LOOKUPS key in tests/workflows/tenancy_rows.py)."""
    router.register("workflows", WorkflowViewSet, basename="workflow")
    router.register("workflow-runs", WorkflowRunViewSet, basename="workflow-run")

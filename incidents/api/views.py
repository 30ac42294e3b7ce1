"""API of incidents: declare and work incidents (status, details, milestones, roles, tasks, timeline, status
updates) and configure the org's severities, incident roles and incident types. Incidents are addressed by their
per-org number."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core import pagination
from core.api import UUID_PATTERN
from incidents import actions, selectors
from incidents.api import serializers
from incidents.models import MILESTONES, Incident, IncidentRole, IncidentType, Severity
from orgs.api.base import OrgScopedViewSet
from orgs.api.errors import error_body
from orgs.models import MembershipRole

# Declared, not derived from the model: the derived range would differ between PostgreSQL and SQLite.
NUMBER = OpenApiParameter("number", int, OpenApiParameter.PATH, description="The incident's number (42 for INC-42).")


class TimelinePagination(pagination.CursorPagination):
    """Newest first; a cursor stays stable while new events arrive, so paging never repeats or skips one.
    A forged cursor is a 404 "Invalid cursor", as DRF answers a garbled one (core/pagination.py)."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _status_refusal(exc: DjangoValidationError) -> Response:
    """An illegal status move, answered with its explanation (it names the allowed next statuses) as the message."""
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    if "status" not in fields:
        raise exc
    return Response(error_body(400, "invalid", fields["status"][0], fields), status=status.HTTP_400_BAD_REQUEST)


@extend_schema_view(
    list=extend_schema(parameters=[serializers.IncidentFilterSerializer]),
    retrieve=extend_schema(parameters=[NUMBER]),
)
class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    """Incidents of the token's organization, by number. Responder tokens work them; viewers read."""

    queryset = Incident.objects.all()
    lookup_field = "number"
    serializer_class = serializers.IncidentOutputSerializer
    filter_backends: list = []
    write_role = MembershipRole.RESPONDER

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        if self.action == "list":
            params = serializers.IncidentFilterSerializer(
                data=self.request.query_params, context=self.get_serializer_context()
            )
            params.is_valid(raise_exception=True)
            qs = selectors.incident_list(organization=self.organization, **params.selector_kwargs())
            return self._with_output_relations(qs)
        if self.action == "retrieve":
            return self._full_queryset()
        return qs.select_related("organization", "severity")

    def _with_output_relations(self, qs: QuerySet) -> QuerySet:
        return qs.select_related("declared_by", "merged_into").prefetch_related(
            "role_assignments__role", "role_assignments__user"
        )

    def _full_queryset(self) -> QuerySet:
        return self._with_output_relations(selectors.incident_list_queryset().filter(organization=self.organization))

    def _output(self, incident: Incident, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self._full_queryset().get(pk=incident.pk)).data, status=code)

    @extend_schema(
        request=serializers.IncidentDeclareInputSerializer, responses={201: serializers.IncidentOutputSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Declare an incident; it gets the organization's next number (INC-n)."""
        fields = self.validated_input(serializers.IncidentDeclareInputSerializer)
        incident = actions.incident_declare(organization=self.organization, actor=self.actor, **fields)
        return self._output(incident, status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.IncidentUpdateInputSerializer,
        responses=serializers.IncidentOutputSerializer,
        parameters=[NUMBER],
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Edit details (title, summary, customer impact, severity, services) and correct milestones (with a reason)."""
        incident = self.get_object()
        fields = self.validated_input(serializers.IncidentUpdateInputSerializer, partial=True)
        reason = fields.pop("reason", "")
        milestones = {name: fields.pop(name) for name in MILESTONES if name in fields}
        with transaction.atomic():  # details and milestones land together or not at all
            if fields:
                incident = actions.incident_update(incident=incident, actor=self.actor, **fields)
            if milestones:
                incident = actions.incident_milestones_update(
                    incident=incident, actor=self.actor, reason=reason, **milestones
                )
        return self._output(incident)

    @extend_schema(
        request=serializers.TransitionInputSerializer,
        responses=serializers.IncidentOutputSerializer,
        parameters=[NUMBER],
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Move the incident to another status; an illegal move is a 400 naming the allowed next statuses."""
        incident = self.get_object()
        fields = self.validated_input(serializers.TransitionInputSerializer)
        merged_into = None
        if "merged_into" in fields:
            merged_into = selectors.incident_by_number(organization=self.organization, number=fields["merged_into"])
            if merged_into is None:
                raise DjangoValidationError({"merged_into": f"There is no INC-{fields['merged_into']}."})
        try:
            incident = actions.incident_transition(
                incident=incident, status=fields["status"], actor=self.actor, merged_into=merged_into
            )
        except DjangoValidationError as exc:
            return _status_refusal(exc)
        return self._output(incident)

    # --- roles --------------------------------------------------------------------------------------

    def _role_board(self, incident: Incident) -> list[dict[str, Any]]:
        history = list(selectors.role_history(incident=incident).select_related("assigned_by"))
        return serializers.role_board_rows(selectors.role_board(incident=incident), history)

    @extend_schema(
        methods=["GET"], request=None, responses=serializers.RoleBoardSerializer(many=True), parameters=[NUMBER]
    )
    @extend_schema(
        methods=["POST"],
        request=serializers.RoleAssignInputSerializer,
        responses=serializers.RoleBoardSerializer(many=True),
        description="Assign a role, handing it over from its current holder; its checklist becomes their tasks.",
        parameters=[NUMBER],
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def roles(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Every role of the organization with its current holder and who held it before."""
        incident = self.get_object()
        if request.method == "POST":
            fields = self.validated_input(serializers.RoleAssignInputSerializer)
            actions.role_assign(incident=incident, role=fields["role"], user=fields["user"], actor=self.actor)
        return Response(serializers.RoleBoardSerializer(self._role_board(incident), many=True).data)

    @extend_schema(
        request=None,
        responses={204: None},
        parameters=[NUMBER, OpenApiParameter("role_slug", str, OpenApiParameter.PATH, description="The role's slug.")],
    )
    @action(detail=True, methods=["delete"], url_path=r"roles/(?P<role_slug>[-a-zA-Z0-9_]+)")
    def release_role(self, request: Request, *args: Any, role_slug: str, **kwargs: Any) -> Response:
        """Leave the role unassigned (its history stays)."""
        incident = self.get_object()
        role = get_object_or_404(selectors.role_list(organization=self.organization), slug=role_slug)
        actions.role_release(incident=incident, role=role, actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- tasks --------------------------------------------------------------------------------------

    @extend_schema(
        methods=["GET"],
        request=None,
        responses=serializers.TaskOutputSerializer(many=True),
        description="The incident's tasks, open ones first.",
        parameters=[NUMBER],
    )
    @extend_schema(
        methods=["POST"],
        request=serializers.TaskCreateInputSerializer,
        responses={201: serializers.TaskOutputSerializer},
        description="Add a task, optionally assigned to a member.",
        parameters=[NUMBER],
    )
    @action(detail=True, methods=["get", "post"])
    def tasks(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The incident's tasks, open ones first; POST adds one."""
        incident = self.get_object()
        if request.method == "POST":
            fields = self.validated_input(serializers.TaskCreateInputSerializer)
            task = actions.task_add(incident=incident, actor=self.actor, **fields)
            task = selectors.task_get(incident=incident, uuid=task.uuid)
            return Response(serializers.TaskOutputSerializer(task).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(selectors.task_list(incident=incident).select_related("completed_by"))
        return self.get_paginated_response(serializers.TaskOutputSerializer(page, many=True).data)

    @extend_schema(
        request=serializers.TaskUpdateInputSerializer,
        responses=serializers.TaskOutputSerializer,
        parameters=[
            NUMBER,
            OpenApiParameter("task_id", str, OpenApiParameter.PATH, description="The task's id (uuid)."),
        ],
    )
    @action(detail=True, methods=["patch"], url_path=rf"tasks/(?P<task_id>{UUID_PATTERN})")
    def task(self, request: Request, *args: Any, task_id: str, **kwargs: Any) -> Response:
        """Complete or reopen a task (`completed`) and/or give it to someone else (`assignee`, or null)."""
        incident = self.get_object()
        task = selectors.task_get(incident=incident, uuid=task_id)
        fields = self.validated_input(serializers.TaskUpdateInputSerializer)
        with transaction.atomic():  # both changes or neither
            if "assignee" in fields:
                task = actions.task_assign(task=task, assignee=fields["assignee"], actor=self.actor)
            if "completed" in fields:
                task = actions.task_complete(task=task, completed=fields["completed"], actor=self.actor)
        task = selectors.task_list(incident=incident).select_related("completed_by").get(pk=task.pk)
        return Response(serializers.TaskOutputSerializer(task).data)

    # --- timeline -----------------------------------------------------------------------------------

    @extend_schema(
        methods=["GET"],
        request=None,
        parameters=[NUMBER, serializers.TimelineFilterSerializer],
        responses=serializers.TimelineEventSerializer(many=True),
        description="Everything that happened, newest first, cursor-paginated; `kind` narrows to one kind.",
    )
    @extend_schema(
        methods=["POST"],
        request=serializers.NoteInputSerializer,
        responses={201: serializers.TimelineEventSerializer},
        description="Add a Markdown note; `body_html` is its sanitized rendering.",
        parameters=[NUMBER],
    )
    @action(detail=True, methods=["get", "post"], pagination_class=TimelinePagination)
    def timeline(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Everything that happened, newest first (cursor-paginated); POST adds a Markdown note."""
        incident = self.get_object()
        if request.method == "POST":
            fields = self.validated_input(serializers.NoteInputSerializer)
            event = actions.note_add(incident=incident, body=fields["body"], actor=self.actor)
            event = selectors.timeline_event_get(incident=incident, event_id=event.pk)
            return Response(serializers.TimelineEventSerializer(event).data, status=status.HTTP_201_CREATED)
        params = serializers.TimelineFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        events = incident.timeline.select_related("actor_user")
        if params.validated_data.get("kind"):
            events = events.filter(kind=params.validated_data["kind"])
        page = self.paginate_queryset(events)
        return self.get_paginated_response(serializers.TimelineEventSerializer(page, many=True).data)

    @extend_schema(
        request=serializers.PinInputSerializer,
        responses=serializers.TimelineEventSerializer,
        parameters=[NUMBER, OpenApiParameter("event_id", int, OpenApiParameter.PATH, description="The event's id.")],
    )
    @action(detail=True, methods=["post"], url_path=r"timeline/(?P<event_id>[0-9]+)/pin")
    def pin(self, request: Request, *args: Any, event_id: str, **kwargs: Any) -> Response:
        """Pin (`"pinned": true`) or unpin an event of this incident's timeline."""
        incident = self.get_object()
        event = selectors.timeline_event_get(incident=incident, event_id=int(event_id))
        fields = self.validated_input(serializers.PinInputSerializer)
        event = actions.timeline_event_pin(event=event, pinned=fields["pinned"], actor=self.actor)
        event = selectors.timeline_event_get(incident=incident, event_id=event.pk)
        return Response(serializers.TimelineEventSerializer(event).data)

    # --- status updates -----------------------------------------------------------------------------

    @extend_schema(
        methods=["GET"],
        request=None,
        responses=serializers.StatusUpdateOutputSerializer(many=True),
        description="Updates for stakeholders, newest first.",
        parameters=[NUMBER],
    )
    @extend_schema(
        methods=["POST"],
        request=serializers.StatusUpdateInputSerializer,
        responses={201: serializers.StatusUpdateOutputSerializer},
        description="Post an update; with `status` it also moves the incident (illegal moves are a 400).",
        parameters=[NUMBER],
    )
    @action(detail=True, methods=["get", "post"], url_path="status-updates")
    def status_updates(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Updates for stakeholders, newest first; POST posts one (with `status`, it also moves the incident)."""
        incident = self.get_object()
        if request.method == "POST":
            fields = self.validated_input(serializers.StatusUpdateInputSerializer)
            try:
                update = actions.status_update_post(incident=incident, actor=self.actor, **fields)
            except DjangoValidationError as exc:
                return _status_refusal(exc)
            update = selectors.status_update_list(incident=incident).get(pk=update.pk)
            return Response(serializers.StatusUpdateOutputSerializer(update).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(selectors.status_update_list(incident=incident))
        return self.get_paginated_response(serializers.StatusUpdateOutputSerializer(page, many=True).data)


# --- configuration ------------------------------------------------------------------------------------------


class SeverityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    """The org's severity levels, worst (rank 1) first. Admin tokens add, edit and delete unused ones."""

    queryset = Severity.objects.all()
    lookup_field = "name"
    serializer_class = serializers.SeveritySerializer
    filter_backends: list = []

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return selectors.severity_list(organization=self.organization).select_related("organization")

    @extend_schema(request=serializers.SeverityInputSerializer, responses={201: serializers.SeveritySerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated_input(serializers.SeverityInputSerializer)
        severity = actions.severity_create(organization=self.organization, actor=self.actor, **fields)
        return Response(self.get_serializer(severity).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.SeverityInputSerializer, responses=serializers.SeveritySerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        severity = self.get_object()
        fields = self.validated_input(serializers.SeverityInputSerializer, partial=True)
        severity = actions.severity_update(severity=severity, actor=self.actor, **fields)
        return Response(self.get_serializer(severity).data)

    @extend_schema(responses={204: None}, description="Only a severity no incident uses can be deleted (else 400).")
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actions.severity_delete(severity=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class IncidentRoleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    """The org's incident roles in board order. Admin tokens add, edit and delete never-assigned ones."""

    queryset = IncidentRole.objects.all()
    lookup_field = "slug"
    serializer_class = serializers.IncidentRoleSerializer
    filter_backends: list = []

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return selectors.role_list(organization=self.organization).select_related("organization")

    @extend_schema(request=serializers.IncidentRoleInputSerializer, responses={201: serializers.IncidentRoleSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated_input(serializers.IncidentRoleInputSerializer)
        role = actions.incident_role_create(organization=self.organization, actor=self.actor, **fields)
        return Response(self.get_serializer(role).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.IncidentRoleInputSerializer, responses=serializers.IncidentRoleSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        role = self.get_object()
        fields = self.validated_input(serializers.IncidentRoleInputSerializer, partial=True)
        role = actions.incident_role_update(role=role, actor=self.actor, **fields)
        return Response(self.get_serializer(role).data)

    @extend_schema(responses={204: None}, description="Only a role never assigned can be deleted (else 400).")
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actions.incident_role_delete(role=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class IncidentTypeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    """The org's incident types in menu order. Admin tokens add, edit and delete them."""

    queryset = IncidentType.objects.all()
    lookup_field = "slug"
    serializer_class = serializers.IncidentTypeSerializer
    filter_backends: list = []

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return selectors.incident_type_list(organization=self.organization).select_related("organization")

    @extend_schema(request=serializers.IncidentTypeInputSerializer, responses={201: serializers.IncidentTypeSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated_input(serializers.IncidentTypeInputSerializer)
        incident_type = actions.incident_type_create(organization=self.organization, actor=self.actor, **fields)
        return Response(self.get_serializer(incident_type).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.IncidentTypeInputSerializer, responses=serializers.IncidentTypeSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incident_type = self.get_object()
        fields = self.validated_input(serializers.IncidentTypeInputSerializer, partial=True)
        incident_type = actions.incident_type_update(incident_type=incident_type, actor=self.actor, **fields)
        return Response(self.get_serializer(incident_type).data)

    @extend_schema(
        responses={204: None},
        description="Incidents declared with the type lose it; their timeline still names it.",
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actions.incident_type_delete(incident_type=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

"""Reads of the incidents app shared by pages, the API and the consumers."""

from datetime import date

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from incidents.models import (
    OPEN_STATUSES,
    TERMINAL_STATUSES,
    Incident,
    IncidentRole,
    IncidentService,
    IncidentTask,
    IncidentType,
    RoleAssignment,
    Severity,
    StatusUpdate,
    TimelineEvent,
)
from orgs.models import Membership, Organization, User
from services.models import Service, ServiceRespondingTeam

TIMELINE_PAGE = 50
INCIDENT_SORTS = {
    "newest": ["-declared_at", "-number"],
    "oldest": ["declared_at", "number"],
    "severity": ["severity__rank", "-declared_at"],
    "number": ["-number"],
}


def severity_list(*, organization: Organization) -> QuerySet[Severity]:
    return Severity.objects.for_org(organization).order_by("rank")


def role_list(*, organization: Organization) -> QuerySet[IncidentRole]:
    return IncidentRole.objects.for_org(organization).order_by("position", "name")


def incident_type_list(*, organization: Organization) -> QuerySet[IncidentType]:
    """The org's incident types in menu order, with their default severity."""
    return IncidentType.objects.for_org(organization).select_related("default_severity").order_by("position", "name")


def severity_usage_list(*, organization: Organization) -> QuerySet[Severity]:
    """Severities worst first, each with `incident_count` (only an unused one can be deleted)."""
    return severity_list(organization=organization).annotate(incident_count=Count("incidents", distinct=True))


def role_usage_list(*, organization: Organization) -> QuerySet[IncidentRole]:
    """Roles in board order, each with `incident_count`: incidents it was ever assigned in."""
    return role_list(organization=organization).annotate(incident_count=Count("assignments__incident", distinct=True))


def incident_type_usage_list(*, organization: Organization) -> QuerySet[IncidentType]:
    """Incident types in menu order, each with `incident_count`."""
    return incident_type_list(organization=organization).annotate(incident_count=Count("incidents", distinct=True))


def severity_get(*, organization: Organization, name: str) -> Severity:
    """One severity of the org by name, with its usage (404 otherwise)."""
    return get_object_or_404(severity_usage_list(organization=organization), name=name)


def role_get(*, organization: Organization, slug: str) -> IncidentRole:
    """One incident role of the org by slug, with its usage (404 otherwise)."""
    return get_object_or_404(role_usage_list(organization=organization), slug=slug)


def incident_type_get(*, organization: Organization, slug: str) -> IncidentType:
    """One incident type of the org by slug, with its usage (404 otherwise)."""
    return get_object_or_404(incident_type_usage_list(organization=organization), slug=slug)


def incident_list_queryset() -> QuerySet[Incident]:
    """Incidents with what a list row shows, in a constant number of queries."""
    commanders = RoleAssignment.objects.filter(released_at=None, role__is_commander=True).select_related("user")
    return Incident.objects.select_related("severity", "incident_type", "organization").prefetch_related(
        Prefetch("service_links", queryset=IncidentService.objects.select_related("service")),
        Prefetch("role_assignments", queryset=commanders, to_attr="current_commanders"),
    )


def incident_list(
    *,
    organization: Organization,
    status: str = "",
    severity: str = "",
    service: str = "",
    team: str = "",
    incident_type: str = "",
    is_drill: bool | None = None,
    since: date | None = None,
    until: date | None = None,
    search: str = "",
    sort: str = "",
) -> QuerySet[Incident]:
    """The org's incidents, filtered; open ones first unless another sort is asked for.

    `status` is a status value or "open"/"closed"; `service` a service slug; `team` a team slug
    (owner or responding team of an affected service); `incident_type` a type slug, or "none" for
    incidents declared without a type.
    """
    qs = incident_list_queryset().filter(organization=organization)
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status == "closed":
        qs = qs.exclude(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if severity:
        qs = qs.filter(severity__name=severity)
    if service:
        qs = qs.filter(Exists(IncidentService.objects.filter(incident=OuterRef("pk"), service__slug=service)))
    if team:
        responding = ServiceRespondingTeam.objects.filter(service=OuterRef("service_id"), team__slug=team)
        links = IncidentService.objects.filter(incident=OuterRef("pk")).filter(
            Q(service__owner_team__slug=team) | Exists(responding)
        )
        qs = qs.filter(Exists(links))
    if incident_type == "none":
        qs = qs.filter(incident_type=None)
    elif incident_type:
        qs = qs.filter(incident_type__slug=incident_type)
    if is_drill is not None:
        qs = qs.filter(is_drill=is_drill)
    if since:
        qs = qs.filter(declared_at__date__gte=since)
    if until:
        qs = qs.filter(declared_at__date__lte=until)
    if search:
        number = search.upper().removeprefix("INC-")
        match = Q(title__icontains=search) | Q(summary__icontains=search)
        if number.isdigit():
            match |= Q(number=int(number))
        qs = qs.filter(match)
    if sort in INCIDENT_SORTS:
        return qs.order_by(*INCIDENT_SORTS[sort])
    open_first = Q(status__in=OPEN_STATUSES)
    return qs.annotate(is_open_sort=ExpressionWrapper(open_first, output_field=BooleanField())).order_by(
        "-is_open_sort", "-declared_at", "-number"
    )


def incident_get(*, organization: Organization, number: int) -> Incident:
    """One incident of the org by its number (404 otherwise) with what its page shows."""
    qs = (
        incident_list_queryset()
        .filter(organization=organization)
        .prefetch_related(  # extends the list's service_links prefetch (a second Prefetch of it would clash)
            "service_links__service__links", "service_links__service__owner_team__team_memberships__user"
        )
    )
    return get_object_or_404(qs, number=number)


def incident_for_member(*, user: User, org_slug: str, number: int) -> tuple[int, int] | None:
    """For the timeline consumer: (organization id, incident id) if `user` is a member of the org and the
    incident is one of its own, else None."""
    if user is None or not user.is_authenticated:
        return None
    membership = Membership.objects.filter(user=user, organization__slug=org_slug).first()
    if membership is None:
        return None
    incident_id = (
        Incident.objects.filter(organization_id=membership.organization_id, number=number)
        .values_list("pk", flat=True)
        .first()
    )
    return None if incident_id is None else (membership.organization_id, incident_id)


def timeline_list(
    *, incident: Incident, kind: str = "", before_id: int | None = None, limit: int = TIMELINE_PAGE
) -> list[TimelineEvent]:
    """Newest-first page of the timeline (keyset on id), optionally of one kind."""
    qs = TimelineEvent.objects.filter(incident=incident).select_related("actor_user")
    if kind:
        qs = qs.filter(kind=kind)
    if before_id:
        qs = qs.filter(id__lt=before_id)
    return list(qs.order_by("-occurred_at", "-id")[:limit])


def timeline_pinned(*, incident: Incident) -> list[TimelineEvent]:
    return list(TimelineEvent.objects.filter(incident=incident, is_pinned=True).order_by("-occurred_at", "-id"))


def timeline_after(*, incident_id: int, after_id: int, limit: int = 500) -> list[TimelineEvent]:
    """Events a reconnecting browser missed, oldest first."""
    return list(
        TimelineEvent.objects.filter(incident_id=incident_id, id__gt=after_id)
        .select_related("incident__severity", "incident__incident_type", "incident__organization", "actor_user")
        .order_by("id")[:limit]
    )


def timeline_event_get(*, incident: Incident, event_id: int) -> TimelineEvent:
    return get_object_or_404(TimelineEvent.objects.filter(incident=incident), pk=event_id)


def role_board(*, incident: Incident) -> list[tuple[IncidentRole, RoleAssignment | None]]:
    """Every org role with its current holder (or None)."""
    current = {
        a.role_id: a for a in RoleAssignment.objects.filter(incident=incident, released_at=None).select_related("user")
    }
    return [(role, current.get(role.pk)) for role in role_list(organization=incident.organization)]


def role_history(*, incident: Incident) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(incident=incident).select_related("role", "user").order_by("assigned_at")


def task_list(*, incident: Incident) -> QuerySet[IncidentTask]:
    return (
        IncidentTask.objects.filter(incident=incident)
        .select_related("assignee", "role")
        .order_by("completed_at", "created_at", "id")
    )


def task_get(*, incident: Incident, uuid: str) -> IncidentTask:
    return get_object_or_404(IncidentTask.objects.filter(incident=incident), uuid=uuid)


def status_update_list(*, incident: Incident) -> QuerySet[StatusUpdate]:
    return StatusUpdate.objects.filter(incident=incident).select_related("author").order_by("-created_at", "-id")


def service_incidents(*, service: Service, limit: int = 10) -> dict[str, list[Incident]]:
    """A service's open incidents and its most recent closed ones, for the service page."""
    qs = incident_list_queryset().filter(service_links__service=service)
    return {
        "open": list(qs.filter(status__in=OPEN_STATUSES).order_by("severity__rank", "-declared_at")),
        "recent": list(qs.exclude(status__in=OPEN_STATUSES).order_by("-declared_at")[:limit]),
    }


def incident_by_number(*, organization: Organization, number: int) -> Incident | None:
    """The org's incident with this number, or None (for fields that name another incident)."""
    return Incident.objects.for_org(organization).filter(number=number).first()


def open_incident_choices(*, organization: Organization, exclude: Incident | None = None) -> QuerySet[Incident]:
    """Open incidents of the org, newest first (targets for merging)."""
    qs = Incident.objects.for_org(organization).filter(status__in=OPEN_STATUSES).select_related("severity")
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.order_by("-number")


def incident_open_board(*, organization: Organization) -> list[Incident]:
    """Open real incidents (drills are not fires) worst severity first, oldest first within one (home page)."""
    return list(
        incident_list_queryset()
        .filter(organization=organization, status__in=OPEN_STATUSES, is_drill=False)
        .order_by("severity__rank", "declared_at", "number")
    )


def task_open_list_for_assignee(*, organization: Organization, user: User) -> QuerySet[IncidentTask]:
    """Tasks assigned to `user` and not done, on incidents still being worked (not closed, declined, merged or
    canceled), worst incident first (home page)."""
    return (
        IncidentTask.objects.for_org(organization)
        .filter(assignee=user, completed_at=None)
        .exclude(incident__status__in=TERMINAL_STATUSES)
        .select_related("incident__severity", "role")
        .order_by("incident__severity__rank", "incident__number", "created_at", "id")
    )

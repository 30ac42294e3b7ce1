"""Reads of the ticketing app shared by pages, the API, the incident panel and retrospectives."""

from datetime import date, timedelta

from django.db.models import Case, Count, DateField, F, IntegerField, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from incidents.models import Incident
from orgs.models import Organization, User
from ticketing.models import OPEN_FOLLOW_UP_STATUSES, PRIORITY_RANK, FollowUp

STATUS_FILTERS = ("open", "closed", "overdue")


def _ordered(qs: QuerySet[FollowUp], today: date) -> QuerySet[FollowUp]:
    """Overdue first, then open ones by due date (undated last) and priority, then finished ones newest first."""
    is_open = Q(status__in=OPEN_FOLLOW_UP_STATUSES)
    rank = Case(
        When(is_open & Q(due_date__lt=today), then=Value(0)),
        When(is_open, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    priority = Case(
        *(When(priority=p, then=Value(rank)) for p, rank in PRIORITY_RANK.items()), output_field=IntegerField()
    )
    due = Case(When(is_open, then=F("due_date")), default=Value(None), output_field=DateField())
    return qs.alias(state_sort=rank, due_sort=due, priority_sort=priority).order_by(
        "state_sort", F("due_sort").asc(nulls_last=True), "priority_sort", F("completed_at").desc(), "-number"
    )


def follow_up_list(
    *,
    organization: Organization,
    status: str = "",
    owner: User | None = None,
    incident: Incident | None = None,
    incident_number: int | None = None,
    priority: str = "",
    search: str = "",
    today: date | None = None,
) -> QuerySet[FollowUp]:
    """The org's follow-ups, overdue ones first. `status` is a status value or "open"/"closed"/"overdue"."""
    today = today or timezone.now().date()
    qs = FollowUp.objects.for_org(organization).select_related("owner", "incident__severity", "organization")
    if status == "open":
        qs = qs.filter(status__in=OPEN_FOLLOW_UP_STATUSES)
    elif status == "closed":
        qs = qs.exclude(status__in=OPEN_FOLLOW_UP_STATUSES)
    elif status == "overdue":
        qs = qs.filter(status__in=OPEN_FOLLOW_UP_STATUSES, due_date__lt=today)
    elif status:
        qs = qs.filter(status=status)
    if owner is not None:
        qs = qs.filter(owner=owner)
    if incident is not None:
        qs = qs.filter(incident=incident)
    if incident_number is not None:
        qs = qs.filter(incident__number=incident_number)
    if priority:
        qs = qs.filter(priority=priority)
    if search:
        number = search.upper().removeprefix("FU-")
        match = Q(title__icontains=search)
        if number.isdigit():
            match |= Q(number=int(number))
        qs = qs.filter(match)
    return _ordered(qs, today)


def follow_up_get(*, organization: Organization, number: int) -> FollowUp:
    """One follow-up of the org by its number (404 otherwise)."""
    return get_object_or_404(follow_up_list(organization=organization), number=number)


def follow_ups_of_incident(*, incident: Incident) -> list[FollowUp]:
    """The incident's follow-ups for its page, overdue and open first."""
    return list(follow_up_list(organization=incident.organization, incident=incident))


def follow_up_due_for_owner(*, organization: Organization, owner: User, today: date, days: int) -> QuerySet[FollowUp]:
    """The owner's open follow-ups overdue or due within `days` days of `today`, overdue first (home page)."""
    return follow_up_list(organization=organization, status="open", owner=owner, today=today).filter(
        due_date__lte=today + timedelta(days=days)
    )


def follow_up_due_counts(*, organization: Organization, owner: User, today: date, days: int) -> dict[str, int]:
    """How many open follow-ups the owner has: in all, due within `days` days (or overdue), overdue; one query."""
    return follow_up_list(organization=organization, status="open", owner=owner, today=today).aggregate(
        open=Count("pk"),
        due=Count("pk", filter=Q(due_date__lte=today + timedelta(days=days))),
        overdue=Count("pk", filter=Q(due_date__lt=today)),
    )

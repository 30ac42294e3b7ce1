"""Reads of the retros app shared by pages, the API, the drafting and the reminder task."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from core.text import duration_text
from incidents.models import Incident, IncidentService, RoleAssignment, TimelineEvent, TimelineKind
from orgs.models import Organization, User
from retros.models import (
    ContributingFactor,
    RetroFactor,
    RetroReviewer,
    RetroSection,
    RetroSettings,
    Retrospective,
    RetrospectiveStatus,
    RetroTemplate,
)

KEY_EVENT_KINDS = [
    TimelineKind.DECLARED,
    TimelineKind.STATUS_CHANGED,
    TimelineKind.SEVERITY_CHANGED,
    TimelineKind.ROLE_ASSIGNED,
    TimelineKind.PAGED,
    TimelineKind.ALERT_ATTACHED,
    TimelineKind.INCIDENT_MERGED,
]
# (label, milestone the duration ends at): every duration runs from `started_at` (DESIGN.md's MTTx definitions).
DURATIONS = [
    ("Time to detect", "detected_at"),
    ("Time to acknowledge", "acknowledged_at"),
    ("Time to mitigate", "mitigated_at"),
    ("Time to resolve", "resolved_at"),
]


@dataclass(frozen=True)
class Duration:
    label: str
    milestone: str
    seconds: int | None

    @property
    def text(self) -> str:
        return duration_text(self.seconds)


def milestone_durations(*, incident: Incident) -> list[Duration]:
    """Time to detect, acknowledge, mitigate and resolve, read live from the incident's milestones."""
    return [
        Duration(
            label,
            field,
            int((getattr(incident, field) - incident.started_at).total_seconds()) if getattr(incident, field) else None,
        )
        for label, field in DURATIONS
    ]


def key_events(*, incident: Incident) -> list[TimelineEvent]:
    """What a retrospective's timeline starts from: status, severity and role changes, pages, alerts, pinned events."""
    return list(
        TimelineEvent.objects.filter(incident=incident)
        .filter(Q(kind__in=KEY_EVENT_KINDS) | Q(is_pinned=True))
        .select_related("actor_user")
        .order_by("occurred_at", "id")
    )


def affected_services(*, incident: Incident) -> list[IncidentService]:
    """The incident's services with their owner teams and the teams' people (for "affected services and owners")."""
    return list(
        IncidentService.objects.filter(incident=incident)
        .select_related("service__owner_team")
        .prefetch_related("service__owner_team__team_memberships__user")
        .order_by("service__name")
    )


def incident_commander(*, incident: Incident) -> User | None:
    """The current holder of the incident's commander role, if any."""
    assignment = (
        RoleAssignment.objects.filter(incident=incident, released_at=None, role__is_commander=True)
        .select_related("user")
        .first()
    )
    return assignment.user if assignment else None


def retro_settings_get(*, organization: Organization) -> RetroSettings:
    """The org's retro policy; an unsaved default row when the org never changed it."""
    found = RetroSettings.objects.for_org(organization).first()
    return found or RetroSettings(organization=organization)


def retro_template_list(*, organization: Organization) -> QuerySet[RetroTemplate]:
    return RetroTemplate.objects.for_org(organization).order_by("-is_default", "name")


def retro_template_get(*, organization: Organization, slug: str) -> RetroTemplate:
    return get_object_or_404(retro_template_list(organization=organization), slug=slug)


def retro_template_default(*, organization: Organization) -> RetroTemplate | None:
    return retro_template_list(organization=organization).first()


def contributing_factor_list(*, organization: Organization) -> QuerySet[ContributingFactor]:
    return ContributingFactor.objects.for_org(organization).order_by("name")


def contributing_factor_get(*, organization: Organization, slug: str) -> ContributingFactor:
    return get_object_or_404(contributing_factor_list(organization=organization), slug=slug)


def _with_relations(qs: QuerySet[Retrospective]) -> QuerySet[Retrospective]:
    return qs.select_related(
        "incident__severity", "owner", "published_by", "template", "organization"
    ).prefetch_related(
        Prefetch("factor_links", queryset=RetroFactor.objects.select_related("factor").order_by("factor__name")),
        Prefetch("reviewer_links", queryset=RetroReviewer.objects.select_related("user").order_by("user__email")),
    )


def retrospective_list(
    *,
    organization: Organization,
    include_unpublished: bool = True,
    status: str = "",
    overdue: bool = False,
    owner: User | None = None,
    factor: str = "",
    now: datetime | None = None,
) -> QuerySet[Retrospective]:
    """The org's retrospectives, unfinished ones due soonest first, then published ones newest first.

    Viewers read published ones only (`include_unpublished=False`); `factor` is a contributing factor's slug.
    """
    now = now or timezone.now()
    qs = _with_relations(Retrospective.objects.for_org(organization))
    if not include_unpublished:
        qs = qs.filter(status=RetrospectiveStatus.PUBLISHED)
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.exclude(status=RetrospectiveStatus.PUBLISHED).filter(due_at__lt=now)
    if owner is not None:
        qs = qs.filter(owner=owner)
    if factor:
        qs = qs.filter(factor_links__factor__slug=factor)
    published_last = Q(status=RetrospectiveStatus.PUBLISHED)
    return qs.alias(done=published_last).order_by("done", "due_at", "-published_at", "-id")


def retrospective_get(*, organization: Organization, number: int, include_unpublished: bool = True) -> Retrospective:
    """The retrospective of incident `number` (404 if none, or unpublished and the reader may not see drafts)."""
    qs = retrospective_list(organization=organization, include_unpublished=include_unpublished)
    return get_object_or_404(qs, incident__number=number)


def retrospective_for_incident(*, incident: Incident) -> Retrospective | None:
    return Retrospective.objects.filter(incident=incident).select_related("owner").first()


def section_list(*, retrospective: Retrospective) -> list[RetroSection]:
    return list(RetroSection.objects.filter(retrospective=retrospective).order_by("position", "id"))


def retrospectives_to_remind(*, now: datetime | None = None) -> QuerySet[Retrospective]:
    """Unpublished retros with an owner, due within a day and not reminded yet, or overdue and not reminded since
    they fell due: at most a "due soon" and an "overdue" email each."""
    now = now or timezone.now()
    due_soon = Q(reminded_at__isnull=True, due_at__lte=now + timedelta(days=1))
    overdue = Q(due_at__lt=now) & (Q(reminded_at__isnull=True) | Q(reminded_at__lt=F("due_at")))
    return (
        Retrospective.objects.exclude(status=RetrospectiveStatus.PUBLISHED)
        .filter(owner__isnull=False, due_at__isnull=False)
        .filter(due_soon | overdue)
        .select_related("organization", "owner", "incident")
        .order_by("id")
    )


def incident_needs_retrospective(*, incident: Incident) -> bool:
    """Whether the org's policy asks for a retrospective of this incident (severity rank, major flag, drills)."""
    policy = retro_settings_get(organization=incident.organization)
    if incident.is_drill and not policy.include_drills:
        return False
    severity = incident.severity
    return (policy.include_major and severity.is_major) or severity.rank <= policy.severity_rank_max

"""Reads of escalation policies: lists, one policy with its steps, who each step reaches, and paging hygiene."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from oncall.models import EscalationPolicy, EscalationStep, EscalationStepTarget, Schedule, StepTargetKind
from oncall.selectors import schedules as schedule_selectors
from orgs import selectors as org_selectors
from orgs.models import Organization, Team, User
from services.models import Service

HYGIENE_GAP_DAYS = 14


def _with_steps(qs: QuerySet[EscalationPolicy]) -> QuerySet[EscalationPolicy]:
    targets = EscalationStepTarget.objects.select_related("user", "schedule", "team").order_by("pk")
    steps = EscalationStep.objects.order_by("position").prefetch_related(Prefetch("targets", queryset=targets))
    return qs.select_related("owner_team").prefetch_related(Prefetch("steps", queryset=steps))


def policy_list(*, organization: Organization, search: str = "") -> QuerySet[EscalationPolicy]:
    """The org's escalation policies by name, with their steps, targets and `service_count` (live services)."""
    qs = EscalationPolicy.objects.for_org(organization).annotate(
        service_count=Count("services", filter=Q(services__archived_at=None), distinct=True)
    )
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(slug__icontains=search))
    return _with_steps(qs).order_by("name")


def policy_get(*, organization: Organization, slug: str) -> EscalationPolicy:
    """One policy of the org with its steps and targets; 404 outside the org."""
    return get_object_or_404(_with_steps(EscalationPolicy.objects.for_org(organization)), slug=slug)


def policy_services(*, policy: EscalationPolicy) -> QuerySet[Service]:
    """The live services that route their alerts to this policy, most critical first."""
    return (
        Service.objects.for_org(policy.organization)
        .filter(escalation_policy=policy, archived_at=None)
        .select_related("owner_team")
        .order_by("tier", "name")
    )


def policy_choices(*, organization: Organization) -> QuerySet[EscalationPolicy]:
    """Policies for a picker (service form): name and slug only."""
    return EscalationPolicy.objects.for_org(organization).order_by("name").only("pk", "name", "slug", "organization")


def active_members(*, organization: Organization) -> QuerySet[User]:
    """Active members of the org (orgs' pickers' people, less those deactivated): only they are ever paged."""
    return org_selectors.member_choices(organization=organization).filter(is_active=True)


def schedule_choices(*, organization: Organization) -> QuerySet[Schedule]:
    return Schedule.objects.for_org(organization).order_by("name")


def team_choices(*, organization: Organization) -> QuerySet[Team]:
    return Team.objects.for_org(organization).order_by("name")


def team_member_users(*, team: Team) -> list[User]:
    """The team's people who are active members of its org (someone who left the org is never paged)."""
    return list(
        active_members(organization=team.organization).filter(
            team_memberships__team=team, team_memberships__organization=team.organization
        )
    )


def step_target_users(*, target: EscalationStepTarget, at: datetime) -> list[User]:
    """Who one step target reaches at `at`: the person, the schedule's on-call then, or the team's members."""
    if target.kind == StepTargetKind.USER:
        user = target.user
        if user is None or not user.is_active:
            return []
        return [user] if active_members(organization=target.organization).filter(pk=user.pk).exists() else []
    if target.kind == StepTargetKind.SCHEDULE:
        return list(schedule_selectors.schedule_oncall_users(schedule=target.schedule, at=at))
    if target.kind == StepTargetKind.TEAM:
        return team_member_users(team=target.team)
    return []


def step_users(*, step: EscalationStep, at: datetime) -> list[User]:
    """Everyone a step would notify at `at`, each once, in target order."""
    seen: dict[int, User] = {}
    for target in step.targets.all():
        for user in step_target_users(target=target, at=at):
            seen.setdefault(user.pk, user)
    return list(seen.values())


@dataclass(frozen=True)
class StepNow:
    """A step of a policy and who it would page at one instant, per target."""

    step: EscalationStep
    targets: list[tuple[EscalationStepTarget, list[User]]]

    @property
    def users(self) -> list[User]:
        seen: dict[int, User] = {}
        for _, users in self.targets:
            for user in users:
                seen.setdefault(user.pk, user)
        return list(seen.values())


def policy_now(*, policy: EscalationPolicy, at: datetime) -> list[StepNow]:
    """Each step of the policy with who every target of it would page at `at` (policy detail page)."""
    return [
        StepNow(step=step, targets=[(t, step_target_users(target=t, at=at)) for t in step.targets.all()])
        for step in policy.steps.all()
    ]


def policy_reachable(*, policy: EscalationPolicy, at: datetime) -> bool:
    """Whether any step of the policy would reach at least one person at `at`."""
    return any(step_target_users(target=target, at=at) for step in policy.steps.all() for target in step.targets.all())


def service_oncall_now(*, service: Service, at: datetime) -> list[User]:
    """Who the first step of the service's policy would page at `at` that reaches anyone ([] if nobody)."""
    if service.escalation_policy_id is None:
        return []
    policy = _with_steps(EscalationPolicy.objects.for_org(service.organization)).get(pk=service.escalation_policy_id)
    for step in policy.steps.all():
        users = step_users(step=step, at=at)
        if users:
            return users
    return []


def services_unreachable(*, organization: Organization, at: datetime) -> list[Service]:
    """Live services nobody would be paged for at `at`: no policy, or a policy that reaches nobody.

    Each returned service carries `paging_gap`: "no_policy" or "unreachable".
    """
    services = list(
        Service.objects.for_org(organization)
        .filter(archived_at=None)
        .select_related("owner_team", "escalation_policy")
        .order_by("tier", "name")
    )
    policies = {p.pk: p for p in _with_steps(EscalationPolicy.objects.for_org(organization))}
    reachable = {pk: policy_reachable(policy=policy, at=at) for pk, policy in policies.items()}
    found = []
    for service in services:
        if service.escalation_policy_id is None:
            service.paging_gap = "no_policy"
        elif not reachable.get(service.escalation_policy_id, False):
            service.paging_gap = "unreachable"
        else:
            continue
        found.append(service)
    return found


@dataclass(frozen=True)
class ScheduleGaps:
    schedule: Schedule
    gaps: list[tuple[datetime, datetime]]

    @property
    def first(self) -> tuple[datetime, datetime]:
        return self.gaps[0]

    @property
    def total(self) -> timedelta:
        return sum((end - start for start, end in self.gaps), timedelta())

    @property
    def total_hours(self) -> str:
        hours = self.total.total_seconds() / 3600
        return f"{hours:.0f}" if hours >= 10 or hours == int(hours) else f"{hours:.1f}"


def schedules_with_gaps(
    *, organization: Organization, start: datetime, days: int = HYGIENE_GAP_DAYS
) -> list[ScheduleGaps]:
    """Schedules of the org with times nobody is on call between `start` and `days` later (hygiene page)."""
    end = start + timedelta(days=days)
    found = []
    for schedule in schedule_choices(organization=organization):
        gaps = schedule_selectors.schedule_gaps(schedule=schedule, start=start, end=end)
        if gaps:
            found.append(ScheduleGaps(schedule=schedule, gaps=list(gaps)))
    return found

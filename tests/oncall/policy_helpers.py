"""Shared setup of the policy and manual paging tests: people, teams and always-staffed schedules."""

from datetime import time, timedelta
from typing import Any

from django.utils import timezone

from oncall.models import RotationKind, Schedule, ScheduleLayer, ScheduleLayerMember, StepTargetKind
from orgs.models import Membership, MembershipRole, Organization, Team, TeamMembership, User
from tests.factories import MembershipFactory, TeamFactory


def member(organization: Organization, email: str, name: str, role: str = MembershipRole.RESPONDER) -> Membership:
    return MembershipFactory(organization=organization, role=role, user__email=email, user__full_name=name)


def team(organization: Organization, name: str, users: list[User]) -> Team:
    created = TeamFactory(organization=organization, name=name, slug=name.lower().replace(" ", "-"))
    for user in users:
        TeamMembership.objects.create(organization=organization, team=created, user=user)
    return created


def schedule(organization: Organization, name: str, users: list[User]) -> Schedule:
    """A schedule whose one daily layer (started a month ago) has `users` taking turns; [] = nobody on call."""
    created = Schedule.objects.create(
        organization=organization, name=name, slug=name.lower().replace(" ", "-"), time_zone="UTC"
    )
    layer = ScheduleLayer.objects.create(
        organization=organization,
        schedule=created,
        name="Primary",
        position=0,
        rotation=RotationKind.DAILY,
        handoff_time=time(9, 0),
        start_date=timezone.now().date() - timedelta(days=30),
    )
    for position, user in enumerate(users):
        ScheduleLayerMember.objects.create(organization=organization, layer=layer, user=user, position=position)
    return created


def user_target(user: User) -> dict[str, Any]:
    return {"kind": StepTargetKind.USER, "user": user}


def team_target(team_: Team) -> dict[str, Any]:
    return {"kind": StepTargetKind.TEAM, "team": team_}


def schedule_target(schedule_: Schedule) -> dict[str, Any]:
    return {"kind": StepTargetKind.SCHEDULE, "schedule": schedule_}


def step(wait: int, *targets: dict[str, Any]) -> dict[str, Any]:
    return {"wait_minutes": wait, "targets": list(targets)}

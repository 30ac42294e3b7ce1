"""Demo data of the oncall app for `seed_demo` (idempotent): schedules first, then the policies using them.

Schedules: "Payments primary" (weekly, the demo user on call now) and "Platform follow-the-sun" (day and night
layers with restrictions, leaving weekend days uncovered), each with an override. Policies: one per owner team,
assigned to every demo service; a team's schedule (found by owner team) is its policy's first step when present.
"""

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from oncall.actions import policies as policy_actions
from oncall.actions import schedules as schedule_actions
from oncall.models import EscalationPolicy, Schedule, StepTargetKind
from orgs.models import Organization, Team, User
from orgs.tenancy import Actor
from services import actions as service_actions
from services.models import Service

DEMO_ORDER = 50  # schedules and policies before the alerts that page through them (core.demo)


def seed_demo(*, organization: Organization) -> None:
    """Schedules with rotations and an override, then a policy on every service."""
    schedules_seed(organization=organization)
    policies_seed(organization=organization)


# --- schedules ---------------------------------------------------------------------------------------------

ZONE = "Europe/London"


def _people(organization: Organization, *emails: str) -> list[User]:
    users = {u.email: u for u in User.objects.filter(email__in=emails, memberships__organization=organization)}
    return [users[e] for e in emails if e in users]


def _team(organization: Organization, name: str) -> Team | None:
    return Team.objects.for_org(organization).filter(name=name).first()


def _at(day: object, hour: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=tz)


@transaction.atomic
def schedules_seed(*, organization: Organization) -> None:
    """Add the demo org's schedules; running it twice changes nothing."""
    system = Actor.system()
    tz = ZoneInfo(ZONE)
    today = timezone.now().astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())

    if not Schedule.objects.for_org(organization).filter(slug="payments-primary").exists():
        people = _people(organization, "demo@example.com", "bob@example.com")
        if len(people) == 2:
            demo, bob = people
            schedule = schedule_actions.schedule_create(
                organization=organization,
                actor=system,
                name="Payments primary",
                slug="payments-primary",
                description="First responder for checkout, payments and billing. Weekly hand-off on the day "
                "the rotation started, 09:00 London.",
                time_zone=ZONE,
                owner_team=_team(organization, "Payments"),
            )
            # The first turn (the demo user's) started yesterday at 09:00, so they are on call now.
            schedule_actions.layer_create(
                schedule=schedule,
                actor=system,
                users=[demo, bob],
                name="Primary",
                rotation="weekly",
                handoff_time=time(9),
                start_date=today - timedelta(days=1),
            )
            evening = today + timedelta(days=2)
            schedule_actions.override_create(
                schedule=schedule,
                actor=system,
                user=bob,
                covers=demo,
                starts_at=_at(evening, 18, tz),
                ends_at=_at(evening, 23, tz),
            )

    if not Schedule.objects.for_org(organization).filter(slug="platform-follow-the-sun").exists():
        people = _people(organization, "alice@example.com", "deepak@example.com", "carmen@example.com")
        if len(people) == 3:
            alice, deepak, carmen = people
            schedule = schedule_actions.schedule_create(
                organization=organization,
                actor=system,
                name="Platform follow-the-sun",
                slug="platform-follow-the-sun",
                description="London covers weekday daytime, the Americas every night. Weekend days are not "
                "covered yet.",
                time_zone=ZONE,
                owner_team=_team(organization, "Platform"),
            )
            schedule_actions.layer_create(
                schedule=schedule,
                actor=system,
                users=[carmen, deepak],
                name="Americas nights",
                rotation="daily",
                handoff_time=time(19),
                start_date=monday,
                restrictions=[{"weekdays": [0, 1, 2, 3, 4, 5, 6], "start": "19:00", "end": "07:00"}],
            )
            schedule_actions.layer_create(
                schedule=schedule,
                actor=system,
                users=[alice, deepak],
                name="EMEA days",
                rotation="weekly",
                handoff_time=time(7),
                start_date=monday,
                restrictions=[{"weekdays": [0, 1, 2, 3, 4], "start": "07:00", "end": "19:00"}],
            )
            tomorrow = today + timedelta(days=1)
            while tomorrow.weekday() >= 5:  # alice is on call on weekdays only
                tomorrow += timedelta(days=1)
            schedule_actions.override_create(
                schedule=schedule,
                actor=system,
                user=carmen,
                covers=alice,
                starts_at=_at(tomorrow, 12, tz),
                ends_at=_at(tomorrow, 16, tz),
            )


# --- escalation policies -----------------------------------------------------------------------------------

# team name, policy name, team lead's email, repeat count
POLICIES = [
    ("Payments", "Payments escalation", "demo@example.com", 1),
    ("Platform", "Platform escalation", "alice@example.com", 1),
    ("Web", "Web escalation", "carmen@example.com", 1),
    ("Data", "Data escalation", "deepak@example.com", 0),
]
# Services with no owner team are paged through this team's policy.
FALLBACK_TEAM = "Platform"


def _steps(team: Team, lead: User | None, schedule: Schedule | None) -> list[dict[str, Any]]:
    """On-call of the team's schedule (5 min) → the team lead (10 min) → the whole team (15 min)."""
    steps = []
    if schedule is not None:
        steps.append({"wait_minutes": 5, "targets": [{"kind": StepTargetKind.SCHEDULE, "schedule": schedule}]})
    if lead is not None:
        steps.append({"wait_minutes": 10, "targets": [{"kind": StepTargetKind.USER, "user": lead}]})
    steps.append({"wait_minutes": 15, "targets": [{"kind": StepTargetKind.TEAM, "team": team}]})
    return steps


@transaction.atomic
def policies_seed(*, organization: Organization) -> None:
    """Create the missing demo policies (adding the team's schedule once it exists) and give every policy-less
    demo service its owner team's policy; running it twice changes nothing."""
    system = Actor.system()
    teams = {team.name: team for team in Team.objects.for_org(organization)}
    by_team: dict[str, EscalationPolicy] = {}
    for team_name, name, lead_email, repeat in POLICIES:
        team = teams.get(team_name)
        if team is None:
            continue
        lead = User.objects.filter(email=lead_email, memberships__organization=organization).first()
        schedule = Schedule.objects.for_org(organization).filter(owner_team=team).order_by("name").first()
        policy = EscalationPolicy.objects.for_org(organization).filter(name=name).first()
        if policy is None:
            policy = policy_actions.policy_create(
                organization=organization,
                actor=system,
                name=name,
                owner_team=team,
                repeat_count=repeat,
                description=f"Pages {team.name}: whoever is on call first, then the team lead, then everyone.",
                steps=_steps(team, lead, schedule),
            )
        elif schedule is not None and not policy.steps.filter(targets__kind=StepTargetKind.SCHEDULE).exists():
            policy = policy_actions.policy_update(policy=policy, actor=system, steps=_steps(team, lead, schedule))
        by_team[team_name] = policy
    fallback = by_team.get(FALLBACK_TEAM)
    for service in Service.objects.for_org(organization).filter(escalation_policy=None).select_related("owner_team"):
        policy = by_team.get(service.owner_team.name) if service.owner_team_id else fallback
        if policy is not None:
            service_actions.service_update(service=service, actor=system, escalation_policy=policy)

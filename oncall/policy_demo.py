"""Demo escalation policies for seed_demo (idempotent): one per owner team, assigned to every demo service.

Runs after the schedule demo: a team's schedule (found by owner team) is its policy's first step when present.
"""

from typing import Any

from django.db import transaction

from oncall.actions import policies as actions
from oncall.models import EscalationPolicy, Schedule, StepTargetKind
from orgs.models import Organization, Team, User
from orgs.tenancy import Actor
from services import actions as service_actions
from services.models import Service

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
def seed_demo(*, organization: Organization) -> None:
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
            policy = actions.policy_create(
                organization=organization,
                actor=system,
                name=name,
                owner_team=team,
                repeat_count=repeat,
                description=f"Pages {team.name}: whoever is on call first, then the team lead, then everyone.",
                steps=_steps(team, lead, schedule),
            )
        elif schedule is not None and not policy.steps.filter(targets__kind=StepTargetKind.SCHEDULE).exists():
            policy = actions.policy_update(policy=policy, actor=system, steps=_steps(team, lead, schedule))
        by_team[team_name] = policy
    fallback = by_team.get(FALLBACK_TEAM)
    for service in Service.objects.for_org(organization).filter(escalation_policy=None).select_related("owner_team"):
        policy = by_team.get(service.owner_team.name) if service.owner_team_id else fallback
        if policy is not None:
            service_actions.service_update(service=service, actor=system, escalation_policy=policy)

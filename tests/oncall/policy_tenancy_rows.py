"""Org A's policy rows for tests/orgs/test_tenancy.py (merged by tests/oncall/tenancy_rows.py).

`build(a)` returns objects stored in `a.extra`; the lookups read them back from there.
"""

from collections.abc import Callable
from typing import Any

from oncall.actions import policies as policy_actions
from oncall.models import Schedule, StepTargetKind
from orgs.tenancy import Actor
from services import actions as service_actions


def _policy(a: Any) -> dict[str, str]:
    return {"slug": a.extra["escalation_policy"].slug}


ROUTE_LOOKUPS: dict[str, Callable[[Any], dict[str, str]]] = {"escalation-policy": _policy}
PAGE_LOOKUPS: dict[str, Callable[[Any], dict[str, str]]] = {
    "oncall:policy-list": lambda a: {},
    "oncall:policy-create": lambda a: {},
    "oncall:policy-detail": _policy,
    "oncall:policy-update": _policy,
    "oncall:policy-delete": _policy,
    "oncall:incident-page": lambda a: {"number": str(a.incident.number)},
}


def build(a: Any) -> dict[str, Any]:
    """Org A's "Acme Escalation": its owner, then team and (when the schedule rows made one) a schedule's on-call;
    org A's service uses it."""
    actor = Actor.system()
    schedule = next((value for value in a.extra.values() if isinstance(value, Schedule)), None)
    second = [{"kind": StepTargetKind.TEAM, "team": a.team}]
    if schedule is not None:
        second.append({"kind": StepTargetKind.SCHEDULE, "schedule": schedule})
    policy = policy_actions.policy_create(
        organization=a.organization,
        actor=actor,
        name="Acme Escalation",
        slug="acme-escalation",
        repeat_count=1,
        steps=[
            {"wait_minutes": 5, "targets": [{"kind": StepTargetKind.USER, "user": a.owner.user}]},
            {"wait_minutes": 10, "targets": second},
        ],
    )
    service_actions.service_update(service=a.service, actor=actor, escalation_policy=policy)
    return {"escalation_policy": policy}

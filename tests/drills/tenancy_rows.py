"""Org A's rows of the drills app for tests/orgs/test_tenancy.py, and the lookups naming them.

`build(a)` runs at the end of the org_a fixture and returns objects stored in `a.extra`; the lookups read them back
from there (`a.extra["..."]`).
"""

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from drills.models import InjectStatus, RunStatus, ScenarioStatus
from tests.factories import (
    DrillInjectFactory,
    DrillIntegrationKeyFactory,
    DrillLinkFactory,
    DrillRunFactory,
    DrillRunObserverFactory,
    DrillRunTeamFactory,
    ScenarioFactory,
    ScenarioServiceFactory,
)

ROUTE_LOOKUPS: dict[str, Callable[[Any], dict[str, str]]] = {
    "drill-scenario": lambda a: {"id": str(a.extra["drill_scenario"].uuid)},
    "drill-run": lambda a: {"id": str(a.extra["drill_run"].uuid)},
}


def _scenario(a: Any) -> dict[str, str]:
    return {"scenario_id": str(a.extra["drill_scenario"].uuid)}


def _run(a: Any) -> dict[str, str]:
    return {"run_id": str(a.extra["drill_run"].uuid)}


PAGE_LOOKUPS: dict[str, Callable[[Any], dict[str, str]]] = {
    **{f"drills:{name}": _scenario for name in ("scenario", "scenario-approve", "scenario-delete")},
    **{
        f"drills:{name}": _run
        for name in ("run", "run-start", "run-halt", "run-finish", "run-cancel", "run-review", "run-scorecard")
    },
}

# Identifiers that exist in no org, for the URL kwargs of these pages.
MISSING_LOOKUPS = {
    "scenario_id": "00000000-0000-0000-0000-000000000002",
    "run_id": "00000000-0000-0000-0000-000000000002",
}


def build(a: Any) -> dict[str, Any]:
    """Org A's rows of this app: an approved scenario on org A's service and a running run of it that produced
    org A's alert group and incident, with a team, an observer, a pending inject and a drill integration key."""
    org = a.organization
    scenario = ScenarioFactory(
        organization=org,
        title="Acme checkout drill",
        status=ScenarioStatus.APPROVED,
        created_by=a.owner.user,
        approved_by=a.second_member.user,
        approved_at=timezone.now(),
    )
    ScenarioServiceFactory(scenario=scenario, organization=org, service=a.service)
    run = DrillRunFactory(
        scenario=scenario,
        organization=org,
        status=RunStatus.RUNNING,
        facilitator=a.owner.user,
        started_at=timezone.now(),
    )
    DrillRunTeamFactory(run=run, organization=org, team=a.team)
    DrillRunObserverFactory(run=run, organization=org, user=a.second_member.user)
    DrillInjectFactory(run=run, organization=org, position=0, text="Acme hint", status=InjectStatus.PENDING)
    DrillLinkFactory(run=run, organization=org, alert_group=a.alert_group)
    DrillLinkFactory(run=run, organization=org, alert_group=None, incident=a.incident)
    DrillIntegrationKeyFactory(integration=a.integration, organization=org, key="acme-raw-key")
    return {"drill_scenario": scenario, "drill_run": run}

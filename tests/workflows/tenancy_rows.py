"""Org A's rows of the workflows app (workflows and their runs) for tests/orgs/test_tenancy.py, and the lookups
naming them. The webhooks' rows are in webhook_tenancy_rows.py.

`build(a)` runs at the end of the org_a fixture and returns objects stored in `a.extra`; the lookups read them back
from there (`a.extra["..."]`).
"""

from collections.abc import Callable
from typing import Any

from tests.factories import WorkflowFactory, WorkflowRunFactory, WorkflowRunStepFactory
from workflows.models import RunStatus, Trigger

ROUTE_LOOKUPS: dict[str, Callable[[Any], dict[str, str]]] = {
    "workflow": lambda a: {"id": str(a.extra["workflow"].uuid)},
    "workflow-run": lambda a: {"id": str(a.extra["workflow_run"].uuid)},
}


def _workflow(a: Any) -> dict[str, str]:
    return {"workflow_id": str(a.extra["workflow"].uuid)}


def _run(a: Any) -> dict[str, str]:
    return {"run_id": str(a.extra["workflow_run"].uuid)}


PAGE_LOOKUPS: dict[str, Callable[[Any], dict[str, str]]] = {
    **{f"workflows:{name}": _workflow for name in ("detail", "detail-validate", "toggle", "dry-run", "runs", "delete")},
    **{f"workflows:{name}": _run for name in ("run", "run-cancel")},
}

# Identifiers that exist in no org, for the URL kwargs of these pages.
MISSING_LOOKUPS = {
    "workflow_id": "00000000-0000-0000-0000-000000000001",
    "run_id": "00000000-0000-0000-0000-000000000001",
}


def build(a: Any) -> dict[str, Any]:
    """Create org A's rows of this app: a workflow on org A's severity with a running run on org A's incident."""
    org = a.organization
    workflow = WorkflowFactory(
        organization=org,
        name="Acme kickoff",
        trigger=Trigger.INCIDENT_DECLARED,
        conditions=[{"field": "severity", "operator": "is", "value": a.severity.name}],
        actions=[{"action": "post_note", "params": {"body": "Acme kickoff"}, "delay_seconds": 0, "enabled": True}],
    )
    run = WorkflowRunFactory(
        workflow=workflow, organization=org, incident=a.incident, subject_id=a.incident.pk, status=RunStatus.RUNNING
    )
    WorkflowRunStepFactory(run=run, organization=org, position=1, params={"body": "Acme kickoff"})
    return {"workflow": workflow, "workflow_run": run}

"""A workflow's dry run against a past incident: would its conditions hold, and what would each step do. No writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

from django.db import transaction
from django.utils import timezone

from incidents.models import Incident
from workflows.actions.runs import DISABLED, workflow_actor
from workflows.models import Workflow, WorkflowRun, WorkflowRunStep


@dataclass(frozen=True)
class DryRun:
    """matched: whether a run would start; conditions: each with `held`; steps: what each would do
    ({position, action, label, delay_seconds, enabled, outcome: {status, outcome, result}}); reason: why no run
    would start when it is not the conditions (a drill incident, a workflow that does not run in drills)."""

    matched: bool
    conditions: list[dict] = field(default_factory=list)
    steps: list[dict] = field(default_factory=list)
    reason: str = ""


def workflow_dry_run(*, workflow: Workflow, incident: Incident) -> DryRun:
    """What the workflow would do if its trigger fired now for `incident` (an incident of its org). Every
    action's `plan` runs inside a transaction that is rolled back, so even a careless plan writes nothing."""
    from workflows.conditions import evaluate
    from workflows.steps import ACTIONS, StepContext, StepOutcome
    from workflows.triggers import incident_context, jsonable

    if incident.organization_id != workflow.organization_id:
        raise ValueError("the incident is not of the workflow's organization")
    now = timezone.now()
    context = incident_context(
        incident.organization_id,
        incident.pk,
        {"at": now, "subject": {"kind": "incident", "id": incident.pk}, "event": {"name": workflow.trigger}},
    )
    with transaction.atomic():
        matched, results = evaluate(workflow.conditions or [], workflow.condition_mode, context)
        reason = ""
        if incident.is_drill and not workflow.run_in_drills and workflow.trigger != "drill.started":
            matched, reason = False, f"{incident.reference} is a drill, and this workflow does not run in drills"
        run = WorkflowRun(
            uuid=uuid4(),
            organization=workflow.organization,
            workflow=workflow,
            workflow_name=workflow.name,
            trigger=workflow.trigger,
            event_key="dry-run",
            subject_kind="incident",
            subject_id=incident.pk,
            incident=incident,
            is_drill=incident.is_drill,
            event=jsonable(context.materialize()),
            matched=results,
            started_at=now,
        )
        actor = workflow_actor(run)
        steps = []
        for position, item in enumerate(workflow.actions or [], start=1):
            name = item.get("action", "")
            action = ACTIONS.get(name)
            step = WorkflowRunStep(
                organization=workflow.organization,
                run=run,
                position=position,
                action=name,
                params=item.get("params") or {},
                delay_seconds=int(item.get("delay_seconds") or 0),
            )
            enabled = bool(item.get("enabled", True))
            if action is None:
                outcome = StepOutcome("failed", f"Unknown action “{name}”")
            elif not enabled:
                outcome = StepOutcome("skipped", DISABLED)
            else:
                ctx = StepContext(
                    organization=workflow.organization, run=run, step=step, incident=incident, actor=actor, now=now
                )
                try:
                    with transaction.atomic():
                        outcome = action.plan(ctx)
                except Exception as error:  # a plan that cannot tell says so; the dry run still shows the rest
                    outcome = StepOutcome("failed", f"Cannot tell: {error}"[:300])
            steps.append(
                {
                    "position": position,
                    "action": name,
                    "label": action.label if action else name,
                    "delay_seconds": step.delay_seconds,
                    "enabled": enabled,
                    "outcome": _as_dict(outcome),
                }
            )
        transaction.set_rollback(True)
    return DryRun(matched=matched, conditions=results, steps=steps, reason=reason)


def _as_dict(outcome: Any) -> dict:
    if hasattr(outcome, "as_dict"):
        return outcome.as_dict()
    return {"status": outcome.status, "outcome": outcome.outcome, "result": dict(outcome.result or {})}

"""What every workflows page shares: finding the URL's workflow or run in the request's org (another org's is a 404),
who may change workflows (admins; every member reads) and a workflow's parts in words."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse

from orgs.permissions import ADMIN
from workflows import selectors
from workflows.models import RunStatus, StepStatus, Trigger, Workflow, WorkflowRun
from workflows.steps import ACTIONS

# How a condition reads: "severity is at least SEV2" (the field's label comes first).
OPERATOR_WORDS = {
    "is": "is",
    "is_not": "is not",
    "in": "is one of",
    "not_in": "is none of",
    "at_least": "is at least",
    "at_most": "is at most",
    "is_set": "is set",
    "is_not_set": "is not set",
    "includes_any": "include any of",
    "includes_all": "include all of",
    "excludes": "include none of",
    "between": "is between",
    "not_between": "is not between",
}
FIELD_WORDS = {
    "severity": "Severity",
    "severity_major": "Major severity",
    "status": "Status",
    "incident_type": "Incident type",
    "services": "Services",
    "owner_team": "Owner teams",
    "labels": "Service labels",
    "is_drill": "Drill",
    "time_of_day": "Time of day",
    "alert_severity": "Alert severity",
    "service": "Service",
    "priority": "Priority",
    "schedule": "Schedule",
}
RUN_BADGES = {
    RunStatus.RUNNING: "badge-info",
    RunStatus.COMPLETED: "badge-success",
    RunStatus.FAILED: "badge-danger",
    RunStatus.CANCELED: "badge-neutral",
}
STEP_BADGES = {
    StepStatus.PENDING: "badge-info",
    StepStatus.SUCCEEDED: "badge-success",
    StepStatus.FAILED: "badge-danger",
    StepStatus.SKIPPED: "badge-neutral",
    StepStatus.CANCELED: "badge-neutral",
}


def can_edit(request: HttpRequest) -> bool:
    return request.membership.has_role(ADMIN)


def workflow_list(request: HttpRequest) -> QuerySet[Workflow]:
    return selectors.workflow_list(organization=request.organization).select_related("organization")


def workflow_get(request: HttpRequest, workflow_id: Any) -> Workflow:
    """The URL's workflow in the request's org (404 otherwise: another org's is not found either)."""
    try:
        return selectors.workflow_get(organization=request.organization, uuid=workflow_id)
    except Workflow.DoesNotExist:
        raise Http404("No such workflow.") from None


def run_list(request: HttpRequest, workflow: Workflow | None = None) -> QuerySet[WorkflowRun]:
    return selectors.run_list(organization=request.organization, workflow=workflow).select_related("organization")


def run_get(request: HttpRequest, run_id: Any) -> WorkflowRun:
    try:
        return selectors.run_get(organization=request.organization, uuid=run_id)
    except WorkflowRun.DoesNotExist:
        raise Http404("No such run.") from None


def workflow_url(name: str, workflow: Workflow) -> str:
    return reverse(name, kwargs={"org_slug": workflow.organization.slug, "workflow_id": workflow.uuid})


def trigger_text(trigger: str) -> str:
    """The trigger in words ("Incident declared"); an unknown one as stored."""
    return Trigger(trigger).label if trigger in Trigger.values else trigger


def value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(value_text(item) for item in value)
    if isinstance(value, dict):  # a time window
        window = f"{value.get('start', '?')} to {value.get('end', '?')} {value.get('timezone', '')}".strip()
        days = value.get("days")
        if days:
            names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
            window += " on " + ", ".join(names[d] for d in days if isinstance(d, int) and 0 <= d < len(names))
        return window
    return str(value)


def condition_text(condition: dict[str, Any]) -> str:
    """One condition in words: "Severity is at least SEV2"."""
    field = str(condition.get("field", ""))
    operator = str(condition.get("operator", ""))
    words = f"{FIELD_WORDS.get(field, field)} {OPERATOR_WORDS.get(operator, operator)}"
    if operator in ("is_set", "is_not_set"):
        return words
    return f"{words} {value_text(condition.get('value'))}"


def conditions_text(workflow: Workflow) -> str:
    """The conditions in one line: "Always", or each joined by "and" (all) or "or" (any)."""
    conditions = [c for c in workflow.conditions or [] if isinstance(c, dict)]
    if not conditions:
        return "Always"
    joiner = " and " if workflow.condition_mode == "all" else " or "
    return joiner.join(condition_text(c) for c in conditions)


def action_label(name: str) -> str:
    action = ACTIONS.get(name)
    return action.label if action else name


def action_text(organization: Any, step: dict[str, Any]) -> str:
    """What one of a workflow's actions does, in words (the action's own description when it can give one)."""
    action = ACTIONS.get(str(step.get("action", "")))
    if action is None:
        return str(step.get("action", ""))
    try:
        return action.describe(organization, step.get("params") or {})
    except Exception:  # a stored param that no longer exists in the org (a deleted role): still show the step
        return action.label


def delay_text(seconds: int) -> str:
    if not seconds:
        return ""
    minutes, rest = divmod(int(seconds), 60)
    if rest:
        return f"after {seconds} s"
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"after {hours} hour{'s' if hours != 1 else ''}"
    return f"after {minutes} min"

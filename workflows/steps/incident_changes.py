"""change_severity and change_status: the incident's severity (incidents.actions.incident_update) and status
(incidents.actions.incident_transition, whose rules decide: an illegal move is a failed step with its message)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from incidents import actions as incident_actions
from incidents.models import IncidentStatus, allowed_transitions
from orgs.models import Organization
from workflows.steps import common
from workflows.steps.registry import ParamField, StepContext, StepOutcome, define, failed, skipped, succeeded

# --- change_severity -----------------------------------------------------------------------------------------

SEVERITY_FIELDS = (ParamField("severity", "Severity", "severity"),)


def change_severity_validate(organization: Organization, params: dict) -> dict:
    return {"severity": common.severity_get(organization, params["severity"], "severity").name}


def change_severity_describe(organization: Organization, params: dict) -> str:
    return f"Change the severity to {params['severity']}"


def change_severity_plan(ctx: StepContext) -> StepOutcome:
    severity = common.severity_get(ctx.organization, ctx.params["severity"], "severity")
    incident = ctx.incident
    if incident.severity_id == severity.pk:
        return skipped(f"{incident.reference} is already {severity.name}")
    return succeeded(f"Would change {incident.reference}'s severity from {incident.severity.name} to {severity.name}")


def change_severity_execute(ctx: StepContext) -> StepOutcome:
    severity = common.severity_get(ctx.organization, ctx.params["severity"], "severity")
    incident = ctx.incident
    if incident.severity_id == severity.pk:
        return skipped(f"{incident.reference} is already {severity.name}")
    before = incident.severity.name
    incident_actions.incident_update(incident=incident, actor=ctx.actor, severity=severity)
    return succeeded(f"{incident.reference} is now {severity.name} (was {before})", severity=severity.name)


CHANGE_SEVERITY = define(
    name="change_severity",
    label="Change the severity",
    needs_incident=True,
    fields=SEVERITY_FIELDS,
    validate=change_severity_validate,
    describe=change_severity_describe,
    plan=change_severity_plan,
    execute=change_severity_execute,
)

# --- change_status -------------------------------------------------------------------------------------------

# Merging needs the incident to merge into, which a workflow cannot name ahead of time.
STATUSES = tuple((value, label) for value, label in IncidentStatus.choices if value != IncidentStatus.MERGED)
STATUS_FIELDS = (ParamField("status", "Status", "status", choices=STATUSES),)


def change_status_validate(organization: Organization, params: dict) -> dict:
    status = params["status"]
    if status not in dict(STATUSES):
        allowed = ", ".join(value for value, _ in STATUSES)
        raise ValidationError(
            {"status": f"“{str(status)[:40]}” is not a status a workflow can set (one of {allowed})."}
        )
    return {"status": status}


def change_status_describe(organization: Organization, params: dict) -> str:
    return f"Move the incident to {IncidentStatus(params['status']).label}"


def _status_check(ctx: StepContext) -> StepOutcome | None:
    incident, status = ctx.incident, ctx.params["status"]
    if incident.status == status:
        return skipped(f"{incident.reference} is already {IncidentStatus(status).label.lower()}")
    if status not in allowed_transitions(incident.status):
        try:
            incident_actions.incident_transition(incident=incident, status=status, actor=ctx.actor)
        except ValidationError as exc:  # the incidents app's words for the illegal move (nothing was written)
            return failed(" ".join(exc.messages))
    return None


def change_status_plan(ctx: StepContext) -> StepOutcome:
    refusal = _status_check(ctx)
    if refusal:
        return refusal
    label = IncidentStatus(ctx.params["status"]).label.lower()
    return succeeded(f"Would move {ctx.incident.reference} from {ctx.incident.get_status_display().lower()} to {label}")


def change_status_execute(ctx: StepContext) -> StepOutcome:
    incident = ctx.incident
    if incident.status == ctx.params["status"]:
        return _status_check(ctx)
    before = incident.get_status_display().lower()
    incident = incident_actions.incident_transition(incident=incident, status=ctx.params["status"], actor=ctx.actor)
    return succeeded(f"{incident.reference} moved from {before} to {incident.get_status_display().lower()}")


CHANGE_STATUS = define(
    name="change_status",
    label="Change the status",
    needs_incident=True,
    fields=STATUS_FIELDS,
    validate=change_status_validate,
    describe=change_status_describe,
    plan=change_status_plan,
    execute=change_status_execute,
)

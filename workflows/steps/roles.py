"""assign_role: give an incident role to a member, a schedule's on-call now, or the on-call now of the incident's
first affected service (incidents.actions.role_assign: the holder changes, the role's checklist becomes their
tasks, the timeline says so)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from incidents import actions as incident_actions
from oncall.models import Schedule
from oncall.selectors import policies as policy_selectors
from oncall.selectors import schedules as schedule_selectors
from orgs.models import Organization, User
from workflows.steps import common
from workflows.steps.registry import ParamField, StepContext, StepOutcome, define, skipped, succeeded

TARGET_KINDS = ("user", "schedule", "service_oncall")

FIELDS = (
    ParamField("role", "Role", "role"),
    ParamField(
        "to",
        "Assign to",
        "role_target",
        choices=(
            ("user", "A member"),
            ("schedule", "A schedule's on-call"),
            ("service_oncall", "The service's on-call"),
        ),
        help_text="The on-call of the incident's first affected service is who its escalation policy pages first.",
    ),
)


def validate(organization: Organization, params: dict) -> dict:
    role = common.role_get(organization, params["role"], "role")
    to = params["to"]
    if not isinstance(to, dict) or to.get("kind") not in TARGET_KINDS:
        raise ValidationError({"to": "Choose a member, a schedule or the service's on-call."})
    if to["kind"] == "user":
        cleaned = {"kind": "user", "user": str(common.member_get(organization, to.get("user"), "to").uuid)}
    elif to["kind"] == "schedule":
        cleaned = {"kind": "schedule", "schedule": common.schedule_get(organization, to.get("schedule"), "to").slug}
    else:
        cleaned = {"kind": "service_oncall"}
    return {"role": role.slug, "to": cleaned}


def describe(organization: Organization, params: dict) -> str:
    role = common.role_get(organization, params["role"], "role")
    to = params["to"]
    if to["kind"] == "user":
        whom = common.member_get(organization, to["user"], "to").display_name
    elif to["kind"] == "schedule":
        whom = f"the on-call of schedule {common.schedule_get(organization, to['schedule'], 'to').name}"
    else:
        whom = "the on-call of the incident's first service"
    return f"Assign {role.name} to {whom}"


def _resolve(ctx: StepContext) -> tuple[User | None, str]:
    """(who gets the role now, how they were found) or (None, why nobody)."""
    to = ctx.params["to"]
    if to["kind"] == "user":
        return common.member_get(ctx.organization, to["user"], "to"), ""
    if to["kind"] == "schedule":
        schedule: Schedule = common.schedule_get(ctx.organization, to["schedule"], "to")
        oncall = schedule_selectors.schedule_oncall_users(schedule=schedule, at=ctx.now)
        if not oncall:
            return None, f"Nobody is on call on {schedule.name} now"
        return oncall[0], f"on call on {schedule.name} now"
    service = common.first_service(ctx.incident)
    if service is None:
        return None, f"{ctx.incident.reference} has no affected service"
    oncall = policy_selectors.service_oncall_now(service=service, at=ctx.now)
    if not oncall:
        return None, f"Nobody is on call for {service.name} now"
    return oncall[0], f"on call for {service.name} now"


def _how(how: str) -> str:
    return f" ({how})" if how else ""


def plan(ctx: StepContext) -> StepOutcome:
    role = common.role_get(ctx.organization, ctx.params["role"], "role")
    user, how = _resolve(ctx)
    if user is None:
        return skipped(how)
    if common.role_holder(ctx.incident, role) == user:
        return skipped(f"{user.display_name} is already {role.name}")
    return succeeded(f"Would assign {role.name} to {user.display_name}{_how(how)}")


def execute(ctx: StepContext) -> StepOutcome:
    role = common.role_get(ctx.organization, ctx.params["role"], "role")
    user, how = _resolve(ctx)
    if user is None:
        return skipped(how)
    if common.role_holder(ctx.incident, role) == user:
        return skipped(f"{user.display_name} is already {role.name}")
    assignment = incident_actions.role_assign(incident=ctx.incident, role=role, user=user, actor=ctx.actor)
    return succeeded(
        f"{user.display_name} is now {role.name}{_how(how)}",
        role=role.slug,
        user=str(user.uuid),
        assignment_id=assignment.pk,
    )


ASSIGN_ROLE = define(
    name="assign_role",
    label="Assign a role",
    needs_incident=True,
    fields=FIELDS,
    validate=validate,
    describe=describe,
    plan=plan,
    execute=execute,
)

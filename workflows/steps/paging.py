"""page: page a member, a schedule's on-call now, an escalation policy's first step that reaches anyone, a
team's members, or the holder of an incident role, through oncall's manual paging (oncall.actions.manual_paging:
one Notification per planned channel, one "paged" timeline entry). A drill incident's pages are marked [DRILL]
in their subject (manual paging marks them)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from oncall.actions import manual_paging
from oncall.selectors import policies as policy_selectors
from oncall.selectors import schedules as schedule_selectors
from orgs.models import Organization, Team, User
from workflows.steps import common
from workflows.steps.registry import ParamField, StepContext, StepOutcome, define, skipped, succeeded
from workflows.steps.templating import step_render, template_check

TARGET_KINDS = ("user", "schedule", "policy", "team", "role")
MESSAGE_MAX = manual_paging.MAX_MESSAGE

FIELDS = (
    ParamField(
        "target",
        "Page",
        "page_target",
        choices=(
            ("user", "A member"),
            ("schedule", "A schedule's on-call"),
            ("policy", "An escalation policy"),
            ("team", "A team"),
            ("role", "The holder of an incident role"),
        ),
    ),
    ParamField("message", "Message", "text", required=False, help_text="A template; empty: “<workflow> needs you”."),
)


def validate(organization: Organization, params: dict) -> dict:
    target = params["target"]
    kind = target.get("kind") if isinstance(target, dict) else None
    if kind not in TARGET_KINDS:
        raise ValidationError({"target": "Choose a member, a schedule, a policy, a team or a role to page."})
    lookups = {
        "user": lambda v: str(common.member_get(organization, v, "target").uuid),
        "schedule": lambda v: common.schedule_get(organization, v, "target").slug,
        "policy": lambda v: common.policy_get(organization, v, "target").slug,
        "team": lambda v: common.team_get(organization, v, "target").slug,
        "role": lambda v: common.role_get(organization, v, "target").slug,
    }
    cleaned = {"target": {"kind": kind, kind: lookups[kind](target.get(kind))}}
    message = template_check(params.get("message") or "", field="message", required=False)
    if len(message) > MESSAGE_MAX:
        raise ValidationError({"message": f"Keep the message under {MESSAGE_MAX} characters."})
    if message:
        cleaned["message"] = message
    return cleaned


def _target_words(organization: Organization, target: dict) -> str:
    kind, value = target["kind"], target[target["kind"]]
    if kind == "user":
        return common.member_get(organization, value, "target").display_name
    if kind == "schedule":
        return f"the on-call of schedule {common.schedule_get(organization, value, 'target').name}"
    if kind == "policy":
        return f"escalation policy {common.policy_get(organization, value, 'target').name}"
    if kind == "team":
        return f"team {common.team_get(organization, value, 'target').name}"
    return f"the {common.role_get(organization, value, 'target').name}"


def describe(organization: Organization, params: dict) -> str:
    return f"Page {_target_words(organization, params['target'])}"


def _reach(ctx: StepContext) -> tuple[dict, list[User], str]:
    """(incident_page's target kwargs, who that pages now, how they were found); no one: ({}, [], why)."""
    target = ctx.params["target"]
    kind, value = target["kind"], target[target["kind"]]
    organization = ctx.organization
    if kind == "user":
        user = common.member_get(organization, value, "target")
        return {"users": [user]}, [user], ""
    if kind == "role":
        role = common.role_get(organization, value, "target")
        holder = common.role_holder(ctx.incident, role)
        if holder is None:
            return {}, [], f"Nobody is {role.name} yet"
        return {"users": [holder]}, [holder], role.name
    if kind == "schedule":
        schedule = common.schedule_get(organization, value, "target")
        users = schedule_selectors.schedule_oncall_users(schedule=schedule, at=ctx.now)
        if not users:
            return {}, [], f"Nobody is on call on {schedule.name} now"
        return {"schedule": schedule}, list(users), f"on call on {schedule.name} now"
    if kind == "team":
        team: Team = common.team_get(organization, value, "target")
        users = policy_selectors.team_member_users(team=team)
        if not users:
            return {}, [], f"Team {team.name} has no members"
        return {"team": team}, users, f"team {team.name}"
    policy = common.policy_get(organization, value, "target")
    for step in policy_selectors.policy_now(policy=policy, at=ctx.now):
        users = step.users
        if users:
            return {"users": users}, users, f"escalation policy {policy.name}, step {step.step.position + 1}"
    return {}, [], f"Escalation policy {policy.name} reaches nobody now"


def _message(ctx: StepContext) -> str:
    source = ctx.params.get("message") or ""
    if not source:
        return f"Workflow “{ctx.run.workflow_name}” needs you on {ctx.incident.reference}: {ctx.incident.title}"
    return step_render(ctx, source, field="message", max_length=MESSAGE_MAX)


def _how(how: str, drill: bool) -> str:
    parts = [f" ({how})" if how else ""]
    if drill:
        parts.append(", marked [DRILL]")
    return "".join(parts)


def plan(ctx: StepContext) -> StepOutcome:
    _kwargs, users, how = _reach(ctx)
    if not users:
        return skipped(how)
    message = _message(ctx)
    return succeeded(
        f"Would page {common.names(users)}{_how(how, ctx.incident.is_drill)}: {common.quote(message)}",
        users=[str(u.uuid) for u in users],
    )


def execute(ctx: StepContext) -> StepOutcome:
    kwargs, users, how = _reach(ctx)
    if not users:
        return skipped(how)
    notifications = manual_paging.incident_page(incident=ctx.incident, actor=ctx.actor, message=_message(ctx), **kwargs)
    paged = list({n.user_id: n.user for n in notifications}.values())
    return succeeded(
        f"Paged {common.names(paged)}{_how(how, ctx.incident.is_drill)}",
        users=[str(u.uuid) for u in paged],
        notifications=len(notifications),
    )


PAGE = define(
    name="page",
    label="Page someone",
    needs_incident=True,
    fields=FIELDS,
    validate=validate,
    describe=describe,
    plan=plan,
    execute=execute,
)

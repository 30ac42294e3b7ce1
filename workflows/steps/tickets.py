"""create_follow_up: open a follow-up ticket (ticketing.actions.follow_up_create), tied to the run's incident when
there is one, owned by a member or by the holder of an incident role."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from orgs.models import Organization
from ticketing import actions as ticketing_actions
from ticketing.models import FollowUpPriority
from workflows.steps import common
from workflows.steps.registry import ParamField, StepContext, StepOutcome, define, skipped, succeeded
from workflows.steps.templating import step_render, template_check

TITLE_MAX = 300  # FollowUp.title
DESCRIPTION_MAX = 10_000

FIELDS = (
    ParamField("title", "Title", "text", help_text="A template."),
    ParamField("description", "Description", "markdown", required=False, help_text="Markdown; a template."),
    ParamField("priority", "Priority", "choice", required=False, choices=tuple(FollowUpPriority.choices)),
    ParamField(
        "assignee",
        "Owner",
        "assignee",
        required=False,
        choices=(("role", "The holder of a role"), ("user", "A member")),
    ),
)


def validate(organization: Organization, params: dict) -> dict:
    priority = params.get("priority") or FollowUpPriority.MEDIUM
    if priority not in FollowUpPriority.values:
        raise ValidationError({"priority": f"Choose one of {', '.join(FollowUpPriority.values)}."})
    cleaned = {
        "title": template_check(params["title"], field="title"),
        "priority": priority,
    }
    description = template_check(params.get("description") or "", field="description", required=False)
    if description:
        cleaned["description"] = description
    assignee = common.assignee_clean(organization, params.get("assignee"), "assignee")
    if assignee:
        cleaned["assignee"] = assignee
    return cleaned


def describe(organization: Organization, params: dict) -> str:
    text = f"Open a {params['priority']} follow-up {common.quote(params['title'])}"
    whom = common.assignee_describe(organization, params.get("assignee"))
    return f"{text} owned by {whom}" if whom else text


def _fields(ctx: StepContext) -> dict:
    title = step_render(ctx, ctx.params["title"], field="title", max_length=TITLE_MAX)
    description = step_render(ctx, ctx.params.get("description") or "", field="description", max_length=DESCRIPTION_MAX)
    owner, whom = common.assignee_resolve(ctx.organization, ctx.incident, ctx.params.get("assignee"))
    return {"title": title, "description": description, "owner": owner, "whom": whom}


def _words(fields: dict, ctx: StepContext) -> str:
    of = f" on {ctx.incident.reference}" if ctx.incident is not None else ""
    if fields["owner"] is not None:
        owned = f" for {fields['whom']}"
    else:
        owned = f", unassigned ({fields['whom']})" if fields["whom"] else ", unassigned"
    return f"{common.quote(fields['title'])} ({ctx.params['priority']}){of}{owned}"


def plan(ctx: StepContext) -> StepOutcome:
    fields = _fields(ctx)
    if not fields["title"]:
        return skipped("The title's template rendered nothing")
    return succeeded(f"Would open a follow-up {_words(fields, ctx)}")


def execute(ctx: StepContext) -> StepOutcome:
    fields = _fields(ctx)
    if not fields["title"]:
        return skipped("The title's template rendered nothing")
    follow_up = ticketing_actions.follow_up_create(
        organization=ctx.organization,
        actor=ctx.actor,
        title=fields["title"],
        description=fields["description"],
        owner=fields["owner"],
        priority=ctx.params["priority"],
        incident=ctx.incident,
    )
    return succeeded(
        f"Opened {follow_up.reference} {_words(fields, ctx)}", follow_up=str(follow_up.uuid), number=follow_up.number
    )


CREATE_FOLLOW_UP = define(
    name="create_follow_up",
    label="Create a follow-up",
    needs_incident=False,
    fields=FIELDS,
    validate=validate,
    describe=describe,
    plan=plan,
    execute=execute,
)

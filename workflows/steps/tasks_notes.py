"""add_tasks, post_note and post_status_update: the incident's own records, written through incidents.actions
(task_add, note_add, status_update_post), each on the timeline like a person's."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from incidents import actions as incident_actions
from incidents.models import IncidentTask, StatusUpdateVisibility
from orgs.models import Organization
from workflows.steps import common
from workflows.steps.registry import ParamField, StepContext, StepOutcome, define, skipped, succeeded
from workflows.steps.templating import OUTPUT_MAX, step_render, template_check

ITEMS_MAX = 50
TASK_TITLE_MAX = 300  # IncidentTask.title
NOTE_MAX = 10_000
UPDATE_MAX = 4000

# --- add_tasks -----------------------------------------------------------------------------------------------

ADD_TASKS_FIELDS = (
    ParamField("items", "Tasks", "lines", required=False, help_text="One task per line."),
    ParamField("from_role", "The checklist of role", "role", required=False),
    ParamField(
        "assignee",
        "Assign them to",
        "assignee",
        required=False,
        choices=(("role", "The holder of a role"), ("user", "A member")),
    ),
)


def add_tasks_validate(organization: Organization, params: dict) -> dict:
    items = params.get("items") or []
    if isinstance(items, str):
        items = items.splitlines()
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise ValidationError({"items": "List the tasks as text, one per line."})
    items = list(dict.fromkeys(item.strip() for item in items if item.strip()))
    if len(items) > ITEMS_MAX:
        raise ValidationError({"items": f"At most {ITEMS_MAX} tasks."})
    too_long = [item for item in items if len(item) > TASK_TITLE_MAX]
    if too_long:
        raise ValidationError({"items": f"A task is at most {TASK_TITLE_MAX} characters: {common.quote(too_long[0])}."})
    cleaned: dict = {}
    if items:
        cleaned["items"] = items
    if params.get("from_role"):
        cleaned["from_role"] = common.role_get(organization, params["from_role"], "from_role").slug
    if not cleaned:
        raise ValidationError({"items": "List tasks or choose a role whose checklist to add."})
    assignee = common.assignee_clean(organization, params.get("assignee"), "assignee")
    if assignee:
        cleaned["assignee"] = assignee
    return cleaned


def add_tasks_describe(organization: Organization, params: dict) -> str:
    parts = []
    if params.get("items"):
        count = len(params["items"])
        parts.append(f"{count} task{'s' if count != 1 else ''}")
    if params.get("from_role"):
        role = common.role_get(organization, params["from_role"], "from_role")
        parts.append(f"the {role.name}'s checklist")
    text = f"Add {' and '.join(parts)}"
    whom = common.assignee_describe(organization, params.get("assignee"))
    return f"{text}, assigned to {whom}" if whom else text


def _new_titles(ctx: StepContext) -> tuple[list[str], int]:
    """(the titles the incident does not have as tasks yet, how many were asked for)."""
    titles = list(ctx.params.get("items") or [])
    if ctx.params.get("from_role"):
        role = common.role_get(ctx.organization, ctx.params["from_role"], "from_role")
        titles += [item.strip() for item in role.checklist if isinstance(item, str) and item.strip()]
    titles = list(dict.fromkeys(title[:TASK_TITLE_MAX] for title in titles))
    existing = set(IncidentTask.objects.filter(incident=ctx.incident).values_list("title", flat=True))
    return [title for title in titles if title not in existing], len(titles)


def _tasks_words(titles: list[str]) -> str:
    listed = ", ".join(common.quote(title, 60) for title in titles[:5])
    more = f" and {len(titles) - 5} more" if len(titles) > 5 else ""
    return f"{len(titles)} task{'s' if len(titles) != 1 else ''} ({listed}{more})"


def _nothing_new(ctx: StepContext, asked: int) -> StepOutcome:
    if asked == 0:
        return skipped("The role's checklist is empty")
    return skipped(
        f"{'The task already exists' if asked == 1 else f'All {asked} tasks already exist'} on {ctx.incident.reference}"
    )


def add_tasks_plan(ctx: StepContext) -> StepOutcome:
    titles, asked = _new_titles(ctx)
    if not titles:
        return _nothing_new(ctx, asked)
    user, whom = common.assignee_resolve(ctx.organization, ctx.incident, ctx.params.get("assignee"))
    assigned = f", assigned to {whom}" if user else (f", unassigned ({whom})" if whom else "")
    return succeeded(f"Would add {_tasks_words(titles)}{assigned}", titles=titles)


def add_tasks_execute(ctx: StepContext) -> StepOutcome:
    titles, asked = _new_titles(ctx)
    if not titles:
        return _nothing_new(ctx, asked)
    user, whom = common.assignee_resolve(ctx.organization, ctx.incident, ctx.params.get("assignee"))
    for title in titles:
        incident_actions.task_add(incident=ctx.incident, title=title, actor=ctx.actor, assignee=user)
    assigned = f", assigned to {whom}" if user else (f", unassigned ({whom})" if whom else "")
    return succeeded(f"Added {_tasks_words(titles)}{assigned}", titles=titles)


ADD_TASKS = define(
    name="add_tasks",
    label="Add tasks",
    needs_incident=True,
    fields=ADD_TASKS_FIELDS,
    validate=add_tasks_validate,
    describe=add_tasks_describe,
    plan=add_tasks_plan,
    execute=add_tasks_execute,
)

# --- post_note -----------------------------------------------------------------------------------------------

NOTE_FIELDS = (ParamField("body", "Note", "markdown", help_text="Markdown; a template."),)


def post_note_validate(organization: Organization, params: dict) -> dict:
    return {"body": template_check(params["body"], field="body")}


def post_note_describe(organization: Organization, params: dict) -> str:
    return f"Post a note: {common.quote(params['body'])}"


def post_note_plan(ctx: StepContext) -> StepOutcome:
    body = step_render(ctx, ctx.params["body"], field="body", max_length=NOTE_MAX)
    return succeeded(f"Would post a note on {ctx.incident.reference}: {common.quote(body)}")


def post_note_execute(ctx: StepContext) -> StepOutcome:
    body = step_render(ctx, ctx.params["body"], field="body", max_length=NOTE_MAX)
    if not body:
        return skipped("The note's template rendered nothing")
    entry = incident_actions.note_add(incident=ctx.incident, body=body, actor=ctx.actor)
    return succeeded(f"Posted a note on {ctx.incident.reference}: {common.quote(body)}", timeline_event_id=entry.pk)


POST_NOTE = define(
    name="post_note",
    label="Post an internal note",
    needs_incident=True,
    fields=NOTE_FIELDS,
    validate=post_note_validate,
    describe=post_note_describe,
    plan=post_note_plan,
    execute=post_note_execute,
)

# --- post_status_update ----------------------------------------------------------------------------------------

UPDATE_FIELDS = (
    ParamField("message", "Update", "markdown", help_text="A template."),
    ParamField("visibility", "Visibility", "choice", required=False, choices=tuple(StatusUpdateVisibility.choices)),
)


def post_status_update_validate(organization: Organization, params: dict) -> dict:
    visibility = params.get("visibility") or StatusUpdateVisibility.INTERNAL
    if visibility not in StatusUpdateVisibility.values:
        raise ValidationError({"visibility": "Choose internal or external."})
    message = template_check(params["message"], field="message")
    if len(message) > OUTPUT_MAX:
        raise ValidationError({"message": f"At most {OUTPUT_MAX} characters."})
    return {"message": message, "visibility": visibility}


def post_status_update_describe(organization: Organization, params: dict) -> str:
    return f"Post an {params['visibility']} status update: {common.quote(params['message'])}"


def _update_skip(ctx: StepContext) -> StepOutcome | None:
    if ctx.incident.is_drill and ctx.params["visibility"] == StatusUpdateVisibility.EXTERNAL:
        return skipped("Drills never publish external updates")
    return None


def post_status_update_plan(ctx: StepContext) -> StepOutcome:
    skip = _update_skip(ctx)
    if skip:
        return skip
    message = step_render(ctx, ctx.params["message"], field="message", max_length=UPDATE_MAX)
    visibility = ctx.params["visibility"]
    return succeeded(f"Would post an {visibility} status update on {ctx.incident.reference}: {common.quote(message)}")


def post_status_update_execute(ctx: StepContext) -> StepOutcome:
    skip = _update_skip(ctx)
    if skip:
        return skip
    message = step_render(ctx, ctx.params["message"], field="message", max_length=UPDATE_MAX)
    if not message:
        return skipped("The update's template rendered nothing")
    visibility = ctx.params["visibility"]
    update = incident_actions.status_update_post(
        incident=ctx.incident, message=message, actor=ctx.actor, visibility=visibility
    )
    return succeeded(
        f"Posted an {visibility} status update on {ctx.incident.reference}: {common.quote(message)}",
        status_update=str(update.uuid),
    )


POST_STATUS_UPDATE = define(
    name="post_status_update",
    label="Post a status update",
    needs_incident=True,
    fields=UPDATE_FIELDS,
    validate=post_status_update_validate,
    describe=post_status_update_describe,
    plan=post_status_update_plan,
    execute=post_status_update_execute,
)

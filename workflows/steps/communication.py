"""stakeholder_update, publish_status_page and chat_post: telling people outside the response, through the status
page app.

- stakeholder_update sends through statuspage.stakeholders.actions.stakeholder_update_send (a stored template
  filled in with the message, or the message alone) to chosen audiences or all active ones. A drill's update goes
  out like a person's, marked [DRILL] by the stakeholders app (audiences are internal people, not the public).
- publish_status_page posts an external status update (incidents.actions.status_update_post), which the status
  page app publishes on the org's default page (statuspage.publishing: the public incident is made on the first
  one); chosen components are then set on the public incident (statuspage.actions.public_incident_edit). Drills
  never publish to the status page: skipped.
- chat_post posts text to one chat audience (Slack, Mattermost or Teams) through the same stakeholder delivery, so
  the webhook URL stays encrypted where the audience keeps it, delivery is retried, and the timeline says so.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from incidents import actions as incident_actions
from incidents.models import StatusUpdateVisibility
from orgs.models import Organization
from statuspage import actions as statuspage_actions
from statuspage.models import Audience, Component, PublicIncident, StakeholderTemplate, StatusPage
from statuspage.stakeholders import actions as stakeholder_actions
from workflows.steps import common
from workflows.steps.registry import ParamField, StepContext, StepOutcome, define, skipped, succeeded
from workflows.steps.templating import step_render, template_check

MESSAGE_MAX = stakeholder_actions.MESSAGE_MAX
AUDIENCES_MAX = stakeholder_actions.MAX_AUDIENCES_PER_SEND
PUBLIC_MESSAGE_MAX = 4000
COMPONENTS_MAX = 50
DRILLS_NEVER_PUBLISH = "Drills never publish to the status page"


def _audience_words(audiences: list[Audience]) -> str:
    return ", ".join(f"{a.name} ({a.get_kind_display()})" for a in audiences)


def _uuid_list(value: object, field: str, limit: int) -> list:
    if not isinstance(value, list) or not value:
        raise ValidationError({field: "Choose at least one."})
    if len(value) > limit:
        raise ValidationError({field: f"At most {limit}."})
    return list(dict.fromkeys(value))


# --- stakeholder_update --------------------------------------------------------------------------------------

STAKEHOLDER_FIELDS = (
    ParamField("template", "Stakeholder template", "stakeholder_template", required=False),
    ParamField("message", "Message", "markdown", help_text="A template; the stakeholder template's {message}."),
    ParamField("audiences", "Audiences", "audiences", help_text="Chosen audiences, or “all” active ones."),
)


def _template_get(organization: Organization, value: object) -> StakeholderTemplate:
    pk = common.uuid_value(value)
    template = StakeholderTemplate.objects.filter(organization=organization, uuid=pk).first() if pk else None
    if template is None:
        raise ValidationError({"template": f"“{str(value)[:100]}” is not a stakeholder template of this organization."})
    return template


def _audiences_get(organization: Organization, values: list, field: str, *, chat: bool = False) -> list[Audience]:
    pks = [common.uuid_value(v) for v in values]
    found = {str(a.uuid): a for a in Audience.objects.filter(organization=organization, uuid__in=[p for p in pks if p])}
    for value, pk in zip(values, pks, strict=True):
        audience = found.get(str(pk)) if pk else None
        if audience is None:
            raise ValidationError({field: f"“{str(value)[:100]}” is not an audience of this organization."})
        if not audience.active:
            raise ValidationError({field: f"Audience “{audience.name}” is not active."})
        if chat and audience.kind not in stakeholder_actions.WEBHOOK_KINDS:
            raise ValidationError(
                {field: f"Audience “{audience.name}” is not a chat audience (Slack, Mattermost or Teams)."}
            )
    return [found[str(pk)] for pk in pks]


def stakeholder_update_validate(organization: Organization, params: dict) -> dict:
    cleaned: dict = {}
    if params.get("template"):
        cleaned["template"] = str(_template_get(organization, params["template"]).uuid)
    message = template_check(params["message"], field="message")
    if len(message) > MESSAGE_MAX:
        raise ValidationError({"message": f"At most {MESSAGE_MAX} characters."})
    cleaned["message"] = message
    audiences = params["audiences"]
    if audiences == "all":
        cleaned["audiences"] = "all"
    else:
        chosen = _audiences_get(organization, _uuid_list(audiences, "audiences", AUDIENCES_MAX), "audiences")
        cleaned["audiences"] = [str(a.uuid) for a in chosen]
    return cleaned


def stakeholder_update_describe(organization: Organization, params: dict) -> str:
    if params["audiences"] == "all":
        whom = "every active audience"
    else:
        whom = _audience_words(_audiences_get(organization, params["audiences"], "audiences"))
    template = (
        f" with template “{_template_get(organization, params['template']).name}”" if params.get("template") else ""
    )
    return f"Send a stakeholder update{template} to {whom}"


def _stakeholder_parts(ctx: StepContext) -> tuple[list[Audience], StakeholderTemplate | None, str]:
    if ctx.params["audiences"] == "all":
        audiences = list(Audience.objects.filter(organization=ctx.organization, active=True).order_by("name"))
        audiences = audiences[:AUDIENCES_MAX]
    else:
        audiences = _audiences_get(ctx.organization, ctx.params["audiences"], "audiences")
    template = _template_get(ctx.organization, ctx.params["template"]) if ctx.params.get("template") else None
    message = step_render(ctx, ctx.params["message"], field="message", max_length=MESSAGE_MAX)
    return audiences, template, message


def _drill_words(ctx: StepContext) -> str:
    return ", marked [DRILL]" if ctx.incident.is_drill else ""


def stakeholder_update_plan(ctx: StepContext) -> StepOutcome:
    audiences, template, message = _stakeholder_parts(ctx)
    if not audiences:
        return skipped("The organization has no active audience")
    text = stakeholder_actions.update_text(incident=ctx.incident, message=message, template=template)
    return succeeded(
        f"Would send a stakeholder update to {_audience_words(audiences)}{_drill_words(ctx)}: {common.quote(text)}"
    )


def stakeholder_update_execute(ctx: StepContext) -> StepOutcome:
    audiences, template, message = _stakeholder_parts(ctx)
    if not audiences:
        return skipped("The organization has no active audience")
    update = stakeholder_actions.stakeholder_update_send(
        incident=ctx.incident, actor=ctx.actor, audiences=audiences, message=message, template=template
    )
    return succeeded(
        f"Sent a stakeholder update to {_audience_words(audiences)}{_drill_words(ctx)}: {common.quote(update.message)}",
        stakeholder_update=str(update.uuid),
    )


STAKEHOLDER_UPDATE = define(
    name="stakeholder_update",
    label="Send a stakeholder update",
    needs_incident=True,
    fields=STAKEHOLDER_FIELDS,
    validate=stakeholder_update_validate,
    describe=stakeholder_update_describe,
    plan=stakeholder_update_plan,
    execute=stakeholder_update_execute,
)

# --- publish_status_page -------------------------------------------------------------------------------------

PUBLISH_FIELDS = (
    ParamField("status_page", "Status page", "status_page", required=False, help_text="The default page."),
    ParamField("message", "Public update", "markdown", help_text="A template; what the public reads."),
    ParamField("components", "Affected components", "component", required=False),
)


def _default_page(organization: Organization) -> StatusPage | None:
    return StatusPage.objects.filter(organization=organization, is_default=True).first()


def _page_check(organization: Organization, value: object) -> str:
    """ "default", or the uuid of the org's default page: incidents are published on the default page only."""
    if value in (None, "", "default"):
        return "default"
    pk = common.uuid_value(value)
    page = StatusPage.objects.filter(organization=organization, uuid=pk).first() if pk else None
    if page is None:
        raise ValidationError({"status_page": f"“{str(value)[:100]}” is not a status page of this organization."})
    if not page.is_default:
        raise ValidationError(
            {"status_page": f"“{page.title}” is not the default status page: incidents are published there only."}
        )
    return str(page.uuid)


def _components_get(organization: Organization, values: list) -> list[Component]:
    page = _default_page(organization)
    pks = [common.uuid_value(v) for v in values]
    found = {
        str(c.uuid): c
        for c in Component.objects.filter(organization=organization, uuid__in=[p for p in pks if p]).select_related(
            "page"
        )
    }
    for value, pk in zip(values, pks, strict=True):
        component = found.get(str(pk)) if pk else None
        if component is None:
            raise ValidationError({"components": f"“{str(value)[:100]}” is not a component of this organization."})
        if page is None or component.page_id != page.pk:
            raise ValidationError({"components": f"Component “{component.name}” is not on the default status page."})
    return [found[str(pk)] for pk in pks]


def publish_validate(organization: Organization, params: dict) -> dict:
    cleaned = {"status_page": _page_check(organization, params.get("status_page"))}
    message = template_check(params["message"], field="message")
    if len(message) > PUBLIC_MESSAGE_MAX:
        raise ValidationError({"message": f"At most {PUBLIC_MESSAGE_MAX} characters."})
    cleaned["message"] = message
    if params.get("components"):
        components = _uuid_list(params["components"], "components", COMPONENTS_MAX)
        cleaned["components"] = [str(c.uuid) for c in _components_get(organization, components)]
    return cleaned


def publish_describe(organization: Organization, params: dict) -> str:
    page = _default_page(organization)
    where = f"status page “{page.title}”" if page else "the default status page"
    text = f"Publish the incident on {where}"
    if params.get("components"):
        text += f" affecting {', '.join(c.name for c in _components_get(organization, params['components']))}"
    return text


def _publish_target(ctx: StepContext) -> tuple[StatusPage | None, PublicIncident | None, str]:
    """(the page, the incident's public record if it has one, why nothing can be published)."""
    if ctx.incident.is_drill:
        return None, None, DRILLS_NEVER_PUBLISH
    public = PublicIncident.objects.filter(incident=ctx.incident).select_related("page").order_by("pk").first()
    if public is not None:
        return public.page, public, ""
    page = _default_page(ctx.organization)
    if page is None:
        return None, None, "The organization has no default status page"
    if ctx.params["status_page"] != "default" and ctx.params["status_page"] != str(page.uuid):
        return None, None, "The chosen status page is no longer the default page"
    return page, None, ""


def publish_plan(ctx: StepContext) -> StepOutcome:
    page, public, why = _publish_target(ctx)
    if page is None:
        return skipped(why)
    message = step_render(ctx, ctx.params["message"], field="message", max_length=PUBLIC_MESSAGE_MAX)
    what = "update the public incident" if public else "publish a new public incident"
    components = ""
    if ctx.params.get("components"):
        names = ", ".join(c.name for c in _components_get(ctx.organization, ctx.params["components"]))
        components = f" affecting {names}"
    return succeeded(f"Would {what} on “{page.title}”{components}: {common.quote(message)}")


def publish_execute(ctx: StepContext) -> StepOutcome:
    page, public, why = _publish_target(ctx)
    if page is None:
        return skipped(why)
    message = step_render(ctx, ctx.params["message"], field="message", max_length=PUBLIC_MESSAGE_MAX)
    if not message:
        return skipped("The public update's template rendered nothing")
    components = _components_get(ctx.organization, ctx.params["components"]) if ctx.params.get("components") else []
    update = incident_actions.status_update_post(
        incident=ctx.incident, message=message, actor=ctx.actor, visibility=StatusUpdateVisibility.EXTERNAL
    )
    public = PublicIncident.objects.filter(incident=ctx.incident).order_by("pk").first()
    if public is None:  # the status page app did not publish it (it decides): say so, keep the update
        return skipped(f"Posted an external update, but “{page.title}” did not publish it")
    if components:
        statuspage_actions.public_incident_edit(public_incident=public, actor=ctx.actor, components=components)
    names = f" affecting {', '.join(c.name for c in components)}" if components else ""
    return succeeded(
        f"Published on “{page.title}”{names}: {common.quote(message)}",
        public_incident=str(public.uuid),
        status_update=str(update.uuid),
    )


PUBLISH_STATUS_PAGE = define(
    name="publish_status_page",
    label="Publish to the status page",
    needs_incident=True,
    fields=PUBLISH_FIELDS,
    validate=publish_validate,
    describe=publish_describe,
    plan=publish_plan,
    execute=publish_execute,
)

# --- chat_post -----------------------------------------------------------------------------------------------

CHAT_FIELDS = (
    ParamField("audience", "Chat audience", "audience", help_text="A Slack, Mattermost or Teams audience."),
    ParamField("text", "Text", "markdown", help_text="A template."),
)


def chat_validate(organization: Organization, params: dict) -> dict:
    audience = _audiences_get(organization, [params["audience"]], "audience", chat=True)[0]
    text = template_check(params["text"], field="text")
    if len(text) > MESSAGE_MAX:
        raise ValidationError({"text": f"At most {MESSAGE_MAX} characters."})
    return {"audience": str(audience.uuid), "text": text}


def chat_describe(organization: Organization, params: dict) -> str:
    audience = _audiences_get(organization, [params["audience"]], "audience", chat=True)[0]
    return f"Post to {_audience_words([audience])}: {common.quote(params['text'])}"


def _chat_parts(ctx: StepContext) -> tuple[Audience, str]:
    audience = _audiences_get(ctx.organization, [ctx.params["audience"]], "audience", chat=True)[0]
    return audience, step_render(ctx, ctx.params["text"], field="text", max_length=MESSAGE_MAX)


def chat_plan(ctx: StepContext) -> StepOutcome:
    audience, text = _chat_parts(ctx)
    return succeeded(f"Would post to {_audience_words([audience])}{_drill_words(ctx)}: {common.quote(text)}")


def chat_execute(ctx: StepContext) -> StepOutcome:
    audience, text = _chat_parts(ctx)
    if not text:
        return skipped("The text's template rendered nothing")
    update = stakeholder_actions.stakeholder_update_send(
        incident=ctx.incident, actor=ctx.actor, audiences=[audience], message=text
    )
    return succeeded(
        f"Posted to {_audience_words([audience])}{_drill_words(ctx)}: {common.quote(text)}",
        stakeholder_update=str(update.uuid),
    )


CHAT_POST = define(
    name="chat_post",
    label="Post to a chat channel",
    needs_incident=True,
    fields=CHAT_FIELDS,
    validate=chat_validate,
    describe=chat_describe,
    plan=chat_plan,
    execute=chat_execute,
)

"""call_webhook: send a "workflow.action" message to one of the org's outbound webhook endpoints
(workflows.webhooks.actions.delivery_enqueue: signed per Standard Webhooks, retried, in the delivery log). The
delivery's idempotency key is the step (``step:<id>``), so a step run twice sends once. A drill's run reaches an
endpoint only if the endpoint takes drills (`include_drills`), as for every other event."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from orgs.models import Organization
from workflows.models import WebhookEndpoint
from workflows.steps import common
from workflows.steps.registry import ParamField, StepContext, StepOutcome, define, skipped, succeeded

EVENT_TYPE = "workflow.action"

FIELDS = (ParamField("endpoint", "Webhook endpoint", "endpoint"),)


def _endpoint_get(organization: Organization, value: object) -> WebhookEndpoint:
    pk = common.uuid_value(value)
    endpoint = WebhookEndpoint.objects.filter(organization=organization, uuid=pk).first() if pk else None
    if endpoint is None:
        raise ValidationError({"endpoint": f"“{str(value)[:100]}” is not a webhook endpoint of this organization."})
    return endpoint


def _shown(endpoint: WebhookEndpoint) -> str:
    from workflows.webhooks.actions import url_shown

    return url_shown(endpoint.url)


def validate(organization: Organization, params: dict) -> dict:
    return {"endpoint": str(_endpoint_get(organization, params["endpoint"]).uuid)}


def describe(organization: Organization, params: dict) -> str:
    return f"Call the webhook {_shown(_endpoint_get(organization, params['endpoint']))}"


def _refusal(ctx: StepContext, endpoint: WebhookEndpoint) -> str:
    if not endpoint.is_enabled:
        return f"The webhook endpoint {_shown(endpoint)} is disabled"
    is_drill = ctx.incident.is_drill if ctx.incident is not None else ctx.run.is_drill
    if is_drill and not endpoint.include_drills:
        return f"The webhook endpoint {_shown(endpoint)} does not take drills"
    return ""


def step_data(ctx: StepContext) -> dict:
    """What the receiver gets: the workflow, the run, the step, what triggered it and the incident (if any)."""
    from workflows.webhooks.payloads import incident_data

    run = ctx.run
    return {
        "workflow": {"id": str(run.workflow.uuid) if run.workflow_id else None, "name": run.workflow_name},
        "run": {"id": str(run.uuid), "trigger": run.trigger, "event_key": run.event_key, "event": run.event or {}},
        "step": {"position": ctx.step.position, "action": ctx.step.action},
        "incident": incident_data(ctx.incident) if ctx.incident is not None else None,
    }


def plan(ctx: StepContext) -> StepOutcome:
    endpoint = _endpoint_get(ctx.organization, ctx.params["endpoint"])
    refusal = _refusal(ctx, endpoint)
    if refusal:
        return skipped(refusal)
    return succeeded(f"Would send {EVENT_TYPE} to {_shown(endpoint)}")


def execute(ctx: StepContext) -> StepOutcome:
    from workflows.webhooks.actions import delivery_enqueue

    endpoint = _endpoint_get(ctx.organization, ctx.params["endpoint"])
    refusal = _refusal(ctx, endpoint)
    if refusal:
        return skipped(refusal)
    delivery = delivery_enqueue(
        endpoint=endpoint, event_type=EVENT_TYPE, data=step_data(ctx), idempotency_key=f"step:{ctx.step.pk}"
    )
    if delivery is None:
        return skipped(f"Already sent to {_shown(endpoint)} for this step")
    return succeeded(
        f"Queued {EVENT_TYPE} for {_shown(endpoint)}", delivery=str(delivery.uuid), message_id=delivery.message_id
    )


CALL_WEBHOOK = define(
    name="call_webhook",
    label="Call a webhook",
    needs_incident=False,
    fields=FIELDS,
    validate=validate,
    describe=describe,
    plan=plan,
    execute=execute,
)

"""call_webhook: a "workflow.action" delivery to one of the org's endpoints, once per step, the body naming the
workflow, run, step and incident; drills only to endpoints that take them."""

import json

import pytest
from django.core.exceptions import ValidationError

from tests.factories import WebhookEndpointFactory
from tests.workflows.steps_helpers import context, incident_of, org_ready
from workflows.models import WebhookDelivery
from workflows.steps import ACTIONS

pytestmark = pytest.mark.django_db

WEBHOOK = ACTIONS["call_webhook"]


@pytest.fixture
def acme(org):
    return org_ready(org)


@pytest.fixture
def endpoint(acme):
    return WebhookEndpointFactory(organization=acme, url="https://hooks.example.com/firebreak?token=s3cret")


def test_one_delivery_per_step_with_the_run_and_incident(acme, endpoint):
    incident = incident_of(acme, title="Checkout is down")
    ctx = context(acme, "call_webhook", {"endpoint": str(endpoint.uuid)}, incident=incident)

    assert WEBHOOK.plan(ctx).outcome == "Would send workflow.action to https://hooks.example.com/firebreak"
    assert not WebhookDelivery.objects.exists()
    outcome = WEBHOOK.execute(ctx)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.endpoint, delivery.event_type, delivery.idempotency_key) == (
        endpoint,
        "workflow.action",
        f"step:{ctx.step.pk}",
    )
    body = json.loads(delivery.body)
    assert body["type"] == "workflow.action"
    assert body["data"]["workflow"] == {"id": str(ctx.run.workflow.uuid), "name": "Declaration process"}
    assert body["data"]["run"]["id"] == str(ctx.run.uuid)
    assert body["data"]["step"] == {"position": ctx.step.position, "action": "call_webhook"}
    assert (body["data"]["incident"]["reference"], body["data"]["incident"]["title"]) == (
        incident.reference,
        "Checkout is down",
    )
    assert (outcome.status, outcome.outcome) == (
        "succeeded",
        "Queued workflow.action for https://hooks.example.com/firebreak",
    )
    assert outcome.result["delivery"] == str(delivery.uuid)

    again = WEBHOOK.execute(ctx)
    assert (again.status, again.outcome) == (
        "skipped",
        "Already sent to https://hooks.example.com/firebreak for this step",
    )
    assert WebhookDelivery.objects.count() == 1


def test_drills_and_disabled_endpoints_are_skipped(acme, endpoint):
    drill = incident_of(acme, is_drill=True)
    outcome = WEBHOOK.execute(context(acme, "call_webhook", {"endpoint": str(endpoint.uuid)}, incident=drill))
    assert (outcome.status, outcome.outcome) == (
        "skipped",
        "The webhook endpoint https://hooks.example.com/firebreak does not take drills",
    )
    endpoint.is_enabled = False
    endpoint.save()
    outcome = WEBHOOK.execute(
        context(acme, "call_webhook", {"endpoint": str(endpoint.uuid)}, incident=incident_of(acme))
    )
    assert outcome.outcome == "The webhook endpoint https://hooks.example.com/firebreak is disabled"
    assert not WebhookDelivery.objects.exists()

    takes_drills = WebhookEndpointFactory(organization=acme, url="https://drills.example.com/in", include_drills=True)
    outcome = WEBHOOK.execute(context(acme, "call_webhook", {"endpoint": str(takes_drills.uuid)}, incident=drill))
    assert outcome.status == "succeeded"
    assert json.loads(WebhookDelivery.objects.get().body)["data"]["incident"]["is_drill"] is True


def test_a_run_without_incident_sends_too(acme, endpoint):
    outcome = WEBHOOK.execute(context(acme, "call_webhook", {"endpoint": str(endpoint.uuid)}))
    assert outcome.status == "succeeded"
    assert json.loads(WebhookDelivery.objects.get().body)["data"]["incident"] is None


def test_describe_and_validate(acme, endpoint, other_org):
    theirs = WebhookEndpointFactory(organization=other_org)
    assert (
        WEBHOOK.describe(acme, {"endpoint": str(endpoint.uuid)})
        == "Call the webhook https://hooks.example.com/firebreak"
    )
    for value in (str(theirs.uuid), "not-a-uuid"):
        with pytest.raises(ValidationError) as caught:
            WEBHOOK.validate(acme, {"endpoint": value})
        assert caught.value.message_dict == {"endpoint": [f"“{value}” is not a webhook endpoint of this organization."]}

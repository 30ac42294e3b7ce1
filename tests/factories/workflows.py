"""Factories of the workflows app. Child rows take their organization from their parent. A webhook endpoint's
secret is a real ``whsec_`` secret (stored encrypted), readable on the object as `endpoint.secret`."""

import base64
import secrets

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from tests.factories.incidents import IncidentFactory
from tests.factories.orgs import OrganizationFactory
from workflows.models import (
    Trigger,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    Workflow,
    WorkflowRun,
    WorkflowRunStep,
)


def whsec() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


class WorkflowFactory(DjangoModelFactory[Workflow]):
    class Meta:
        model = Workflow

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Workflow {n}")
    trigger = Trigger.INCIDENT_DECLARED
    conditions = factory.LazyFunction(list)
    actions = factory.LazyFunction(
        lambda: [{"action": "post_note", "params": {"body": "Workflow note"}, "delay_seconds": 0, "enabled": True}]
    )


class WorkflowRunFactory(DjangoModelFactory[WorkflowRun]):
    class Meta:
        model = WorkflowRun

    workflow = factory.SubFactory(WorkflowFactory)
    organization = factory.LazyAttribute(lambda o: o.workflow.organization)
    workflow_name = factory.LazyAttribute(lambda o: o.workflow.name)
    trigger = factory.LazyAttribute(lambda o: o.workflow.trigger)
    incident = factory.SubFactory(IncidentFactory, organization=factory.SelfAttribute("..organization"))
    subject_kind = "incident"
    subject_id = factory.LazyAttribute(lambda o: o.incident.pk)
    event_key = factory.Sequence(lambda n: f"incident:test:{n}")
    started_at = factory.LazyFunction(timezone.now)


class WorkflowRunStepFactory(DjangoModelFactory[WorkflowRunStep]):
    class Meta:
        model = WorkflowRunStep

    run = factory.SubFactory(WorkflowRunFactory)
    organization = factory.LazyAttribute(lambda o: o.run.organization)
    position = factory.Sequence(lambda n: n + 1)
    action = "post_note"
    params = factory.LazyFunction(lambda: {"body": "Workflow note"})


class WebhookEndpointFactory(DjangoModelFactory[WebhookEndpoint]):
    class Meta:
        model = WebhookEndpoint

    organization = factory.SubFactory(OrganizationFactory)
    url = factory.Sequence(lambda n: f"https://hooks.example.com/firebreak/{n}")
    secret = factory.LazyFunction(whsec)


class WebhookDeliveryFactory(DjangoModelFactory[WebhookDelivery]):
    class Meta:
        model = WebhookDelivery

    endpoint = factory.SubFactory(WebhookEndpointFactory)
    organization = factory.LazyAttribute(lambda o: o.endpoint.organization)
    message_id = factory.Sequence(lambda n: f"msg_test{n:020d}")
    idempotency_key = factory.LazyAttribute(lambda o: o.message_id)
    event_type = "incident.declared"
    body = '{"type":"incident.declared","timestamp":"2026-12-07T00:00:00Z","data":{}}'
    next_attempt_at = factory.LazyFunction(timezone.now)


class WebhookAttemptFactory(DjangoModelFactory[WebhookAttempt]):
    class Meta:
        model = WebhookAttempt

    delivery = factory.SubFactory(WebhookDeliveryFactory)
    organization = factory.LazyAttribute(lambda o: o.delivery.organization)
    number = factory.Sequence(lambda n: n + 1)
    attempted_at = factory.LazyFunction(timezone.now)
    response_status = 200

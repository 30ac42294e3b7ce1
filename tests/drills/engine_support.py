"""Shared set-up of the drills engine tests: an org with its defaults, a service whose policy pages Ana by
webhook, an approved scenario, and `inbound_over_client`, which stands in for the HTTP hop in unit tests by
sending the inject's real request to the real inbound view through Django's test client (the integration test
sends it over a real socket)."""

from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from drills import actions
from drills.models import Scenario
from incidents import actions as incident_actions
from notifications.models import ContactKind, ContactMethod, NotificationRule
from oncall.models import EscalationPolicy, EscalationStep, EscalationStepTarget
from orgs.models import MembershipRole
from orgs.tenancy import Actor
from services import actions as service_actions

PD_PAYLOAD = {"payload": {"summary": "Checkout 5xx above 5%", "source": "lb-1", "severity": "critical"}}
AM_PAYLOAD = {"alerts": [{"labels": {"alertname": "CheckoutLatency", "severity": "warning"}}]}


@pytest.fixture
def drill_org(org, make_member):
    """Acme with its default severities and roles; Ana (responder, paged by webhook) and Olu (owner)."""
    incident_actions.organization_defaults_ensure(organization=org)
    people = {}
    for name, role in (("ana", MembershipRole.RESPONDER), ("olu", MembershipRole.OWNER), ("eve", MembershipRole.ADMIN)):
        user = make_member(org, role, email=f"{name}@acme.test").user
        method = ContactMethod.objects.create(
            organization=org,
            user=user,
            kind=ContactKind.WEBHOOK,
            address=f"https://hooks.acme.test/{name}",
            verified_at=timezone.now(),
        )
        NotificationRule.objects.create(organization=org, user=user, contact_method=method)
        people[name] = user
    policy = EscalationPolicy.objects.create(organization=org, name="Checkout paging", slug="checkout-paging")
    step = EscalationStep.objects.create(organization=org, policy=policy, position=0, wait_minutes=5)
    EscalationStepTarget.objects.create(organization=org, step=step, kind="user", user=people["ana"])
    service = service_actions.service_create(organization=org, actor=Actor.system(), name="Checkout")
    service.escalation_policy = policy
    service.save(update_fields=["escalation_policy"])
    return SimpleNamespace(org=org, service=service, policy=policy, **people)


def approved_scenario(env, *, injects=None, responses=None, title="Checkout outage") -> Scenario:
    """A scenario written by Eve and approved by Olu."""
    scenario = actions.scenario_create(
        organization=env.org,
        actor=Actor(user=env.eve),
        title=title,
        hypothesis="On-call acknowledges a checkout outage within five minutes.",
        injects=injects
        if injects is not None
        else [
            {"offset_seconds": 0, "kind": "alert", "format": "pagerduty", "service": "checkout", "payload": PD_PAYLOAD},
            {"offset_seconds": 60, "kind": "hint", "text": "The load balancer logs show 502s"},
        ],
        expected_responses=responses
        if responses is not None
        else [{"kind": "acknowledge", "target_seconds": 300}, {"kind": "declare", "target_seconds": 600}],
    )
    return actions.scenario_approve(scenario=scenario, actor=Actor(user=env.olu))


class InboundOverClient:
    """Replaces httpx.post in drills.injects: the same URL path and JSON body, answered by the real inbound view
    (through Django's test client); records each request."""

    def __init__(self) -> None:
        self.client = Client()
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.fail_with: int | None = None

    def __call__(self, url: str, *, json: dict[str, Any], timeout: float) -> Any:
        self.requests.append((url, json))
        if self.fail_with is not None:
            return SimpleNamespace(status_code=self.fail_with, text="unavailable")
        response = self.client.post(urlsplit(url).path, data=json, content_type="application/json")
        return SimpleNamespace(status_code=response.status_code, text=response.content.decode())


@pytest.fixture
def inbound(monkeypatch) -> InboundOverClient:
    fake = InboundOverClient()
    monkeypatch.setattr("drills.injects.httpx.post", fake)
    return fake

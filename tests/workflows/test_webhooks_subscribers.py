"""Which domain events become deliveries: to the enabled endpoints that want them, in the publisher's transaction,
once per event occurrence, drills only where included, one query when the org has no endpoint."""

import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import events
from incidents import actions as incident_actions
from incidents.events import IncidentStatusChanged
from orgs.tenancy import Actor
from retros.events import RetrospectiveStatusChanged
from tests.factories import (
    AlertGroupFactory,
    IncidentRoleFactory,
    RetrospectiveFactory,
    SeverityFactory,
    WebhookEndpointFactory,
)
from ticketing import actions as ticketing_actions
from workflows.models import WebhookDelivery
from workflows.webhooks import subscribers

pytestmark = pytest.mark.django_db


@pytest.fixture
def sev(org):
    return {
        "SEV1": SeverityFactory(organization=org, name="SEV1", rank=1, is_major=True),
        "SEV2": SeverityFactory(organization=org, name="SEV2", rank=2, is_major=True),
    }


def declare(org, owner, sev, **fields):
    return incident_actions.incident_declare(
        organization=org, actor=Actor(user=owner.user), title="Checkout down", severity=sev["SEV1"], **fields
    )


def sent(endpoint) -> list[dict]:
    return [json.loads(d.body) for d in WebhookDelivery.objects.filter(endpoint=endpoint).order_by("pk")]


def test_an_event_goes_to_each_enabled_endpoint_that_wants_it(org, owner, sev, other_org, enqueued):
    every = WebhookEndpointFactory(organization=org)
    declared_only = WebhookEndpointFactory(organization=org, event_types=["incident.declared"])
    updates_only = WebhookEndpointFactory(organization=org, event_types=["status_update.posted"])
    disabled = WebhookEndpointFactory(organization=org, is_enabled=False)
    elsewhere = WebhookEndpointFactory(organization=other_org)

    incident = declare(org, owner, sev)

    for endpoint in (every, declared_only):
        [payload] = sent(endpoint)
        assert payload["type"] == "incident.declared"
        assert payload["data"]["incident"]["reference"] == f"INC-{incident.number}"
        assert payload["data"]["incident"]["url"].endswith(f"/o/{org.slug}/incidents/{incident.number}/")
    for endpoint in (updates_only, disabled, elsewhere):
        assert sent(endpoint) == []
    row = WebhookDelivery.objects.get(endpoint=every)
    assert row.idempotency_key == f"incident:{incident.pk}:declared"
    assert row.organization_id == org.pk


def test_the_spines_incident_events_each_become_their_type(org, owner, sev, enqueued):
    endpoint = WebhookEndpointFactory(organization=org)
    incident = declare(org, owner, sev)
    role = IncidentRoleFactory(organization=org, name="Scribe", slug="scribe")
    actor = Actor(user=owner.user)

    incident_actions.incident_update(incident=incident, actor=actor, severity=sev["SEV2"])
    incident_actions.role_assign(incident=incident, role=role, user=owner.user, actor=actor)
    incident_actions.status_update_post(incident=incident, message="Rolling back.", actor=actor)
    incident_actions.incident_transition(incident=incident, status="resolved", actor=actor)

    by_type = {payload["type"]: payload["data"] for payload in sent(endpoint)}
    assert set(by_type) == {
        "incident.declared",
        "incident.severity_changed",
        "incident.role_assigned",
        "status_update.posted",
        "incident.status_changed",
    }
    assert (by_type["incident.severity_changed"]["before"], by_type["incident.severity_changed"]["after"]) == (
        "SEV1",
        "SEV2",
    )
    assert by_type["incident.role_assigned"]["role"] == "Scribe"
    assert by_type["incident.role_assigned"]["user"]["email"] == owner.user.email
    assert by_type["status_update.posted"]["status_update"]["message"] == "Rolling back."
    assert by_type["incident.status_changed"]["after"] == "resolved"
    assert by_type["incident.status_changed"]["incident"]["status"] == "resolved"


def test_the_same_event_twice_creates_one_delivery(org, owner, sev, enqueued):
    endpoint = WebhookEndpointFactory(organization=org)
    incident = declare(org, owner, sev)
    event = IncidentStatusChanged(
        organization_id=org.pk,
        incident_id=incident.pk,
        is_drill=False,
        services_health="operational",
        number=incident.number,
        before="investigating",
        after="identified",
        timeline_event_id=4242,
    )

    with transaction.atomic():
        events.publish(event)
    with transaction.atomic():
        events.publish(event)

    keys = list(WebhookDelivery.objects.filter(endpoint=endpoint).values_list("idempotency_key", flat=True))
    assert sorted(keys) == sorted([f"incident:{incident.pk}:declared", f"incident:{incident.pk}:status:4242"])


def test_drill_events_go_only_to_endpoints_that_include_drills(org, owner, sev, enqueued):
    plain = WebhookEndpointFactory(organization=org)
    drills = WebhookEndpointFactory(organization=org, include_drills=True)

    drill = declare(org, owner, sev, is_drill=True)

    assert sent(plain) == []
    [payload] = sent(drills)
    assert payload["data"]["incident"]["is_drill"] is True
    assert payload["data"]["incident"]["reference"] == f"INC-{drill.number}"


def test_a_rolled_back_change_sends_nothing(org, owner, sev, enqueued):
    endpoint = WebhookEndpointFactory(organization=org)

    def declare_then_fail() -> None:
        with transaction.atomic():
            declare(org, owner, sev)
            raise RuntimeError("the declaration fails after the event")

    with pytest.raises(RuntimeError):
        declare_then_fail()

    assert sent(endpoint) == []
    assert enqueued.messages("workflows.tasks.webhooks.webhook_deliver") == []


def test_an_org_without_endpoints_pays_one_query(org, owner, sev):
    incident = declare(org, owner, sev)
    event = IncidentStatusChanged(
        organization_id=org.pk,
        incident_id=incident.pk,
        is_drill=False,
        services_health="operational",
        number=incident.number,
        before="investigating",
        after="identified",
        timeline_event_id=1,
    )
    WebhookEndpointFactory(organization=org, event_types=["incident.declared"])  # wants another event

    with CaptureQueriesContext(connection) as queries:
        subscribers.incident_status_changed(event)

    assert len(queries.captured_queries) == 1


def test_follow_ups_and_published_retrospectives_are_sent(org, owner, sev, enqueued):
    endpoint = WebhookEndpointFactory(organization=org, event_types=["follow_up.changed", "retrospective.published"])
    incident = declare(org, owner, sev)
    follow_up = ticketing_actions.follow_up_create(
        organization=org, actor=Actor(user=owner.user), title="Add a canary", incident=incident
    )
    retro = RetrospectiveFactory(incident=incident, organization=org, status="published", published_at=timezone.now())
    published = RetrospectiveStatusChanged(
        organization_id=org.pk,
        actor=Actor(user=owner.user),
        retrospective_id=retro.pk,
        incident_id=incident.pk,
        title=retro.title,
        path="/",
        before="in_review",
        after="published",
        action="published",
    )
    with transaction.atomic():
        events.publish(published)
        events.publish(published)  # twice: one delivery
        events.publish(RetrospectiveStatusChanged(**{**published.__dict__, "after": "draft"}))  # not a publication

    follow_ups, retros = sent(endpoint)
    assert follow_ups["type"] == "follow_up.changed"
    assert follow_ups["data"]["change"] == "created"
    assert follow_ups["data"]["follow_up"]["id"] == str(follow_up.uuid)
    assert follow_ups["data"]["follow_up"]["title"] == "Add a canary"
    assert follow_ups["data"]["incident"]["reference"] == f"INC-{incident.number}"
    assert retros["type"] == "retrospective.published"
    assert retros["data"]["retrospective"]["id"] == str(retro.uuid)
    assert retros["data"]["incident"]["reference"] == f"INC-{incident.number}"


def test_a_triggered_alert_group_is_sent(org, enqueued):
    triggered = events.event_types().get("alert_group.triggered")
    if triggered is None:
        pytest.skip("alert_group.triggered is not published yet")
    endpoint = WebhookEndpointFactory(organization=org, event_types=["alert_group.triggered"])
    group = AlertGroupFactory(organization=org, title="Disk almost full on db-1", severity="critical")

    with transaction.atomic():
        events.publish(
            triggered(
                organization_id=org.pk,
                alert_group_id=group.pk,
                service_id=group.service_id,
                integration_id=group.integration_id,
                title=group.title,
                alert_severity="critical",
            )
        )

    [payload] = sent(endpoint)
    assert payload["type"] == "alert_group.triggered"
    assert payload["data"]["alert_group"]["id"] == str(group.uuid)
    assert payload["data"]["alert_group"]["title"] == "Disk almost full on db-1"
    assert payload["data"]["alert_group"]["severity"] == "critical"
    assert payload["data"]["incident"] is None

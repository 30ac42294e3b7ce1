"""The stakeholder API: audiences (admin tokens; the webhook URL write-only and masked) and stakeholder updates
(any token reads, responder tokens send) through statuspage.stakeholders.actions."""

import pytest

from orgs.models import AuditEvent
from statuspage.models import Audience, StakeholderDelivery, StakeholderUpdate
from tests.factories import AudienceFactory, IncidentFactory

pytestmark = pytest.mark.django_db


def test_create_an_email_audience_and_read_it(api_client, org):
    response = api_client.post(
        "/api/v1/audiences/",
        {"name": "Execs", "kind": "email", "emails": ["ceo@acme.test", "cto@acme.test"]},
        format="json",
    )

    audience = Audience.objects.get(organization=org)
    assert response.status_code == 201
    assert {k: v for k, v in response.json().items() if k not in ("created_at", "updated_at")} == {
        "id": str(audience.uuid),
        "name": "Execs",
        "kind": "email",
        "emails": ["ceo@acme.test", "cto@acme.test"],
        "webhook_url": "",
        "active": True,
    }
    assert AuditEvent.objects.filter(organization=org, action="audience.created").count() == 1


def test_a_webhook_url_is_never_shown_back(api_client, org):
    audience = AudienceFactory(
        organization=org, kind="slack", emails="", webhook_url="https://hooks.slack.test/T1/B2/secret"
    )

    body = api_client.get(f"/api/v1/audiences/{audience.uuid}/").json()

    assert body["webhook_url"] == "https://hooks.slack.test/…"
    assert "secret" not in str(body)


def test_audiences_are_for_admin_tokens(api_client_for, org):
    responder = api_client_for(org, "responder")

    assert responder.get("/api/v1/audiences/").status_code == 403
    assert responder.post("/api/v1/audiences/", {"name": "X", "kind": "email"}, format="json").status_code == 403


def test_a_responder_token_sends_an_update_and_reads_its_deliveries(api_client_for, org):
    incident = IncidentFactory(organization=org, title="Ledger down")
    audience = AudienceFactory(organization=org, name="Execs", kind="email", emails="ceo@acme.test")
    responder = api_client_for(org, "responder")

    response = responder.post(
        "/api/v1/stakeholder-updates/",
        {"incident": incident.number, "message": "We are on it.", "audiences": [str(audience.uuid)]},
        format="json",
    )
    listed = api_client_for(org, "viewer").get(f"/api/v1/stakeholder-updates/?incident={incident.number}")

    update = StakeholderUpdate.objects.get(incident=incident)
    assert response.status_code == 201
    assert (response.json()["incident"], response.json()["template"]) == (incident.number, None)
    assert [(d["audience_name"], d["status"]) for d in response.json()["deliveries"]] == [("Execs", "pending")]
    assert [u["id"] for u in listed.json()["results"]] == [str(update.uuid)]
    assert StakeholderDelivery.objects.filter(update=update, audience=audience).count() == 1


def test_another_orgs_audience_cannot_be_named(api_client, org, other_org):
    incident = IncidentFactory(organization=org)
    foreign = AudienceFactory(organization=other_org, kind="email", emails="x@globex.test")

    response = api_client.post(
        "/api/v1/stakeholder-updates/",
        {"incident": incident.number, "message": "Hi", "audiences": [str(foreign.uuid)]},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["audiences"]
    assert StakeholderUpdate.objects.exists() is False

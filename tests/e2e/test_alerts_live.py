"""The triage queue in Chromium against the real ASGI app (daphne) on PostgreSQL and the Redis channel layer: a
PagerDuty-format trigger posted over HTTP to the served inbound endpoint shows up in an open queue without a
reload; the responder opens it, escalates it and lands on the new incident with the alert group attached."""

from dataclasses import dataclass

import httpx
import pytest

from alerting import actions
from incidents import actions as incident_actions
from orgs.models import MembershipRole, Organization
from orgs.tenancy import Actor
from services import actions as service_actions
from tests.e2e.conftest import Server
from tests.e2e.test_incidents_live import LIVE, person, signed_in, wait_live
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@dataclass
class Scene:
    org: Organization
    key: str

    @property
    def queue(self) -> str:
        return f"/o/{self.org.slug}/alerts/"


@pytest.fixture
def scene(db: None) -> Scene:
    org = Organization.objects.create(name="Acme", slug="acme")
    MembershipFactory(organization=org, user=person("alice@acme.test", "Alice Acme"), role=MembershipRole.RESPONDER)
    MembershipFactory(organization=org, user=person("bob@acme.test", "Bob Acme"), role=MembershipRole.RESPONDER)
    incident_actions.organization_defaults_ensure(organization=org)
    service = service_actions.service_create(organization=org, actor=Actor.system(), name="Payments", tier=1)
    _, key = actions.integration_create(
        organization=org, service=service, name="PagerDuty events", kind="pagerduty_v2", actor=Actor.system()
    )
    return Scene(org, key)


def enqueue(
    server: Server, key: str, dedup_key: str, summary: str, action: str = "trigger", severity: str = "warning"
) -> None:
    response = httpx.post(
        f"{server.base}/integrations/pagerduty/v2/enqueue",
        json={
            "routing_key": key,
            "event_action": action,
            "dedup_key": dedup_key,
            "payload": {"summary": summary, "source": "prometheus", "severity": severity},
        },
        timeout=10,
    )
    assert response.status_code == 202, response.text


def test_a_posted_alert_appears_live_and_escalates_to_an_incident(browser, server, scene):
    from playwright.sync_api import expect

    context, alice = signed_in(browser, server, "alice@acme.test")
    try:
        alice.goto(scene.queue)
        wait_live(alice)
        expect(alice.locator("#alert-empty")).to_contain_text("All clear")
        alice.evaluate("() => { window.notReloaded = true; }")

        # A monitoring tool posts a PagerDuty Events v2 trigger to the served app.
        response = httpx.post(
            f"{server.base}/integrations/pagerduty/v2/enqueue",
            json={
                "routing_key": scene.key,
                "event_action": "trigger",
                "dedup_key": "payments-5xx",
                "payload": {"summary": "Payments API 5xx above 5%", "source": "prometheus", "severity": "critical"},
            },
            timeout=10,
        )
        assert response.status_code == 202, response.text
        assert response.json() == {"status": "success", "message": "Event processed", "dedup_key": "payments-5xx"}

        # It shows up at the top of the open queue without a reload.
        rows = alice.locator("#alert-rows > tr")
        expect(rows).to_have_count(1, timeout=LIVE)
        expect(rows.first).to_contain_text("Payments API 5xx above 5%")
        expect(rows.first).to_contain_text("Triggered")
        expect(rows.first.locator(".badge-alert-sev")).to_have_text("Critical")
        expect(alice.locator("#alert-empty")).to_have_count(0)
        assert alice.evaluate("() => window.notReloaded") is True

        # A repeat of the same alert joins the group.
        enqueue(server, scene.key, "payments-5xx", "Payments API 5xx above 5%")

        # Alice opens it and escalates it to an incident, prefilled from the alert.
        with alice.expect_navigation():
            rows.first.get_by_role("link", name="Payments API 5xx above 5%").click()
        expect(alice.locator("#id_escalate_title")).to_have_value("Payments API 5xx above 5%")
        expect(alice.locator("#id_escalate_severity")).to_have_value("SEV1")
        expect(alice.locator("#alerts .alert-event")).to_have_count(2)
        with alice.expect_navigation():
            alice.locator("#escalate").get_by_role("button", name="Declare incident").click()

        # She lands on the new incident, with the alert group attached.
        assert alice.url == f"{server.base}/o/acme/incidents/1/"
        expect(alice.locator(".page-title-ref")).to_have_text("INC-1")
        expect(alice.locator("#incident-alerts")).to_contain_text("Payments API 5xx above 5%")
        expect(alice.locator("#incident-alerts")).to_contain_text("Acknowledged")
        expect(alice.locator("#timeline-events")).to_contain_text("Payments API 5xx above 5%")

        # Back on the queue, the group shows it is on INC-1.
        alice.goto(scene.queue)
        expect(alice.locator("#alert-rows > tr").first.locator(".alert-on-incident")).to_have_text("INC-1")
    finally:
        context.close()


def test_triage_in_one_queue_updates_the_row_in_place_in_another(browser, server, scene):
    from playwright.sync_api import expect

    enqueue(server, scene.key, "disk-db-1", "Disk almost full on db-1")
    context_a, alice = signed_in(browser, server, "alice@acme.test")
    context_b, bob = signed_in(browser, server, "bob@acme.test")
    try:
        for page in (alice, bob):
            page.goto(scene.queue)
            wait_live(page)
        expect(bob.locator("#alert-rows > tr")).to_have_count(1)

        # Alice acknowledges from her queue row (htmx, no navigation); Bob's row changes in place.
        alice.locator("#alert-rows > tr").first.get_by_role("button", name="Acknowledge").click()
        expect(alice.locator("#alert-rows > tr").first).to_contain_text("by Alice Acme")
        expect(bob.locator("#alert-rows > tr").first).to_contain_text("Acknowledged", timeout=LIVE)
        expect(bob.locator("#alert-rows > tr").first).to_contain_text("by Alice Acme")
        expect(bob.locator("#alert-rows > tr")).to_have_count(1)

        # The tool resolves it; a new alert goes on top of both queues.
        enqueue(server, scene.key, "disk-db-1", "Disk almost full on db-1", action="resolve")
        enqueue(server, scene.key, "cpu-db-2", "CPU saturated on db-2")
        for page in (alice, bob):
            rows = page.locator("#alert-rows > tr")
            expect(rows).to_have_count(2, timeout=LIVE)
            expect(rows.nth(0)).to_contain_text("CPU saturated on db-2")
            expect(rows.nth(1)).to_contain_text("Resolved")
            expect(rows.nth(1).get_by_role("button")).to_have_count(0)  # nothing left to triage on it
    finally:
        context_a.close()
        context_b.close()

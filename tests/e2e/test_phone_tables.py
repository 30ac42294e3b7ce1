"""Wide pages on a phone (390 px): the incident list and the audit log become one card per row, so a responder
sees every incident's severity and status without scrolling sideways, and the sidebar folds under a Menu button so
a page starts with its own content; at 1280 px the tables and the sidebar are as they were."""

import pytest

from incidents.models import IncidentStatus
from orgs.models import Organization
from services.models import Service
from tests.e2e.conftest import sign_in
from tests.factories import (
    AlertGroupFactory,
    AuditEventFactory,
    IncidentFactory,
    IntegrationFactory,
    MembershipFactory,
    ServiceFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def acme() -> Organization:
    org = Organization.objects.create(name="Acme", slug="acme")
    MembershipFactory(organization=org, role="owner", user=UserFactory(email="owner@acme.test"))
    services = [ServiceFactory(organization=org, name=name) for name in ("Checkout API", "Payments gateway")]
    IncidentFactory(
        organization=org,
        title="Checkout returns 502 for every card payment in eu-west-1 and us-east-2",
        status=IncidentStatus.IDENTIFIED,
        services=services,
    )
    IncidentFactory(organization=org, title="Search latency above 2 s", status=IncidentStatus.TRIAGE)
    AuditEventFactory(
        organization=org,
        actor_label="a-very-long-address-of-a-service-account@automation.acme.test",
        action="escalation_policy.updated",
        target_type="escalationpolicy",
        target_label="Payments platform primary escalation policy",
        changes={"name": {"before": "Payments primary", "after": "Payments platform primary escalation policy"}},
    )
    return org


def right_edge(locator) -> float:
    box = locator.bounding_box()
    return box["x"] + box["width"]


def test_on_a_phone_each_incident_shows_its_severity_and_status_without_sideways_scrolling(acme, page):
    sign_in(page, "owner@acme.test", PASSWORD)
    page.set_viewport_size(PHONE)

    page.goto("/o/acme/incidents/")

    assert page.evaluate("document.documentElement.scrollWidth") == 390
    assert page.locator("#incident-table").evaluate("el => el.scrollWidth <= el.clientWidth") is True
    assert page.locator(".incident-table thead").is_visible() is False
    rows = page.locator("tr.incident-row")
    assert rows.count() == 2
    first = page.locator("#incident-row-1")  # triage sorts first; the long one is INC-1
    assert first.locator(".inc-title").inner_text() == (
        "Checkout returns 502 for every card payment in eu-west-1 and us-east-2"
    )
    for badge in (first.locator(".badge").nth(0), first.locator(".badge").nth(1)):
        assert badge.is_visible()
        assert right_edge(badge) <= 390
    assert [b.inner_text() for b in first.locator(".badge").all()][:2] == ["SEV2", "Identified"]
    assert first.locator(".inc-services .tag").all_inner_texts() == ["Checkout API", "Payments gateway"]
    # The status stripe moves to the card's edge: one 3 px inset shadow on the row, none left on its first cell
    assert first.evaluate("el => getComputedStyle(el).boxShadow") != "none"
    assert first.locator("td").first.evaluate("el => getComputedStyle(el).boxShadow") == "none"

    page.set_viewport_size({"width": 1280, "height": 800})
    assert page.locator(".incident-table thead").is_visible() is True


def test_on_a_phone_the_audit_log_labels_each_line_and_hides_nothing_sideways(acme, page):
    sign_in(page, "owner@acme.test", PASSWORD)
    page.set_viewport_size(PHONE)

    page.goto("/o/acme/audit/?action=escalation_policy.updated")

    assert page.evaluate("document.documentElement.scrollWidth") == 390
    row = page.locator("table.audit-table tbody tr").first
    action = row.locator("td[data-label='Action']")
    assert action.inner_text() == "escalation_policy.updated"
    assert action.evaluate("el => getComputedStyle(el, '::before').content") == '"Action: "'
    assert right_edge(action) <= 390
    assert row.locator("td[data-label='Changes']").inner_text() == (
        "Name: Payments primary → Payments platform primary escalation policy"
    )


def test_on_a_phone_the_sidebar_folds_under_a_menu_button_and_opens_on_a_tap(acme, page):
    sign_in(page, "owner@acme.test", PASSWORD)
    page.set_viewport_size(PHONE)

    page.goto("/o/acme/audit/")

    main_nav = page.get_by_role("navigation", name="Main")
    menu = page.get_by_role("button", name="Menu")
    # Folded: the page's own title is on the first screen, under Firebreak and Declare incident
    assert main_nav.is_visible() is False
    assert page.get_by_role("link", name="Declare incident").is_visible()
    assert page.get_by_role("heading", name="Audit log").bounding_box()["y"] < 250
    assert menu.get_attribute("aria-expanded") == "false"

    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    assert main_nav.is_visible()
    assert page.get_by_role("button", name="Sign out").is_visible()
    main_nav.get_by_role("link", name="Incidents").click()
    page.wait_for_url("**/o/acme/incidents/")
    assert page.get_by_role("navigation", name="Main").is_visible() is False  # a new page starts folded

    page.set_viewport_size({"width": 1280, "height": 800})
    assert page.get_by_role("button", name="Menu").is_visible() is False
    assert page.get_by_role("navigation", name="Main").is_visible()


def test_the_folded_menu_shows_the_alerts_count_and_follows_it_live(acme, page):
    integration = IntegrationFactory(service=Service.objects.get(organization=acme, name="Checkout API"))
    AlertGroupFactory.create_batch(2, integration=integration)
    sign_in(page, "owner@acme.test", PASSWORD)
    page.set_viewport_size(PHONE)

    page.goto("/o/acme/incidents/")

    count = page.get_by_role("button", name="Menu").locator(".count")
    assert (count.is_visible(), count.inner_text()) == (True, "2")
    # What a live push does (an htmx out-of-band swap replacing the nav's badge): the copy follows
    page.evaluate(
        """() => {
            const badge = document.getElementById("nav-alert-count");
            const pushed = badge.cloneNode(false);
            pushed.textContent = "3";
            badge.replaceWith(pushed);
        }"""
    )
    page.wait_for_function("document.querySelector('.nav-toggle .count').textContent === '3'")
    page.evaluate("() => { document.getElementById('nav-alert-count').hidden = true; }")
    page.wait_for_function("document.querySelector('.nav-toggle .count').hidden === true")
    assert count.is_visible() is False

"""The analytics dashboard in Chromium: a viewer reads the headline figures, switches the breakdown without a
page reload (htmx swaps the card and the URL follows), opens a chart's table and applies a filter."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import actions as incident_actions
from orgs.models import Organization
from tests.e2e.conftest import browser, page, sign_in  # noqa: F401 - the e2e fixtures, used here too
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.retros.test_analytics_metrics import make_incident, service

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_viewer_reads_the_dashboard_and_switches_the_breakdown(page, live_server):  # noqa: F811
    from playwright.sync_api import expect

    org = Organization.objects.create(name="Acme", slug="acme")
    MembershipFactory(organization=org, role="viewer", user=UserFactory(email="vera@acme.test"))
    incident_actions.organization_defaults_ensure(organization=org)
    payments = TeamFactory(organization=org, name="Payments", slug="payments")
    ledger = service(org, "Ledger", payments)
    recent = timezone.now() - timedelta(days=3)
    make_incident(org, started=recent, severity="SEV1", services=(ledger,), ack=5, resolve=45)
    make_incident(org, started=recent - timedelta(days=8), severity="SEV3", ack=15, resolve=120)

    sign_in(page, "vera@acme.test", "correct-horse-battery")
    page.goto("/o/acme/analytics/")

    incidents_card = page.locator(".an-headline").first
    expect(incidents_card.locator(".an-headline-value")).to_have_text("2")
    mttr_card = page.locator(".an-headline").nth(4)
    expect(mttr_card.locator(".an-headline-value")).to_have_text("1h 23m")  # median of 45 and 120 minutes

    # The breakdown switches to teams in place: the rest of the page stays, the URL follows.
    page.evaluate("window.__marker = 'same page'")
    page.get_by_role("link", name="By team").click()
    breakdown = page.locator("#analytics-breakdown")
    expect(breakdown.locator("thead th").first).to_have_text("Owner team")
    expect(breakdown.locator("tbody tr").first).to_contain_text("Payments")
    expect(page).to_have_url(re.compile(r"by=team"))
    assert page.evaluate("window.__marker") == "same page"

    # Every chart has its table.
    page.get_by_text("Show the table").first.click()
    expect(page.locator(".an-table-toggle").first.locator("tbody tr").last).to_contain_text("(partial)")

    # A filter narrows the figures.
    page.locator("#an-severity").select_option("SEV1")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".an-headline").first.locator(".an-headline-value")).to_have_text("1")
    expect(page).to_have_url(re.compile(r"severity=SEV1"))

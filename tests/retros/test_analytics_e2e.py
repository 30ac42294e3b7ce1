"""The analytics dashboard in Chromium: a viewer reads the headline figures, switches the breakdown without a
page reload (htmx swaps the card and the URL follows), opens a chart's table and applies a filter; and reads the
on-call load (pages per person) with its table."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from incidents import actions as incident_actions
from orgs.models import Organization
from tests.e2e.conftest import browser, page, sign_in  # noqa: F401 - the e2e fixtures, used here too
from tests.factories import (
    MembershipFactory,
    ServiceFactory,
    SeverityFactory,
    TeamFactory,
    TimedIncidentFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def on_a_wednesday():
    """This week's Wednesday afternoon (UTC): the range ends mid-week, so the last week of a chart is "(partial)"
    (on a Sunday it would not be). Near the real date: the browser checks cookie expiry against its own clock."""
    today = timezone.now().date()
    wednesday = today + timedelta(days=(2 - today.weekday()) % 7)
    with time_machine.travel(datetime.combine(wednesday, time(15), tzinfo=UTC), tick=True):
        yield


def test_viewer_reads_the_dashboard_and_switches_the_breakdown(page, live_server, on_a_wednesday):  # noqa: F811
    from playwright.sync_api import expect

    org = Organization.objects.create(name="Acme", slug="acme")
    MembershipFactory(organization=org, role="viewer", user=UserFactory(email="vera@acme.test"))
    incident_actions.organization_defaults_ensure(organization=org)
    payments = TeamFactory(organization=org, name="Payments", slug="payments")
    ledger = ServiceFactory(organization=org, name="Ledger", owner_team=payments)
    recent = timezone.now() - timedelta(days=3)
    TimedIncidentFactory(
        organization=org,
        started_at=recent,
        severity=SeverityFactory(organization=org, name="SEV1"),
        services=(ledger,),
        ack=5,
        resolve=45,
    )
    TimedIncidentFactory(
        organization=org,
        started_at=recent - timedelta(days=8),
        severity=SeverityFactory(organization=org, name="SEV3"),
        ack=15,
        resolve=120,
    )

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


def test_viewer_reads_the_on_call_load(page, live_server):  # noqa: F811
    from playwright.sync_api import expect

    from tests.retros.test_analytics_paging import page as page_person
    from tests.retros.test_analytics_paging import person

    org = Organization.objects.create(name="Acme", slug="acme")
    MembershipFactory(organization=org, role="viewer", user=UserFactory(email="vera@acme.test"))
    incident_actions.organization_defaults_ensure(organization=org)
    TimedIncidentFactory(organization=org, started_at=timezone.now() - timedelta(days=3), resolve=45)
    lena = person(org, "lena@acme.test", "Lena London", "Europe/London")
    nate = person(org, "nate@acme.test", "Nate New York", "America/New_York")
    monday = (timezone.now() - timedelta(days=timezone.now().weekday() + 7)).date()  # a Monday, last week
    for hour in ("09:00", "10:00", "23:00"):  # in London (GMT or BST): two in business hours, one in sleep
        page_person(lena, f"{monday} {hour}")
    page_person(nate, f"{monday} 15:00")  # 10:00 in New York: business

    sign_in(page, "vera@acme.test", "correct-horse-battery")
    page.goto("/o/acme/analytics/")

    panel = page.locator("#analytics-paging")
    expect(panel.get_by_role("heading", name="On-call load")).to_be_visible()
    expect(panel.locator(".an-paging-figures dd").first).to_have_text("4")
    expect(panel.locator(".an-load-label").first).to_have_text("Lena London")
    panel.get_by_text("Show the table (2 people)").click()
    first = panel.locator("tbody tr").first
    expect(first).to_contain_text("Lena London")
    expect(first.locator("td.num")).to_have_text(["3", "2", "0", "1", "33%"])

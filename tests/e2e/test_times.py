"""Times in a real browser: every <time> shows in the profile's zone (else the browser's) in the one format,
with the exact UTC time on hover, also for times added to the page later (htmx swaps, websocket pushes)."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from notifications import actions as notification_actions
from notifications.models import Notification, NotificationStatus
from orgs.models import Organization, User
from tests.e2e.conftest import sign_in
from tests.factories import AuditEventFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EVENT = datetime(2026, 12, 6, 20, 55, 3, tzinfo=UTC)
BROWSER_NOW = datetime(2026, 12, 6, 21, 0, 0, tzinfo=UTC)
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password


@pytest.fixture
def acme() -> Organization:
    org = Organization.objects.create(name="Acme", slug="acme")
    MembershipFactory(organization=org, role="owner", user=UserFactory(email="owner@acme.test"))
    AuditEventFactory(organization=org, action="team.created", occurred_at=EVENT)
    return org


@pytest.fixture
def new_york_browser(browser, live_server) -> Iterator[object]:
    """A browser whose own zone is New York, with its clock stopped a few minutes after the event."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 800}, timezone_id="America/New_York"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.clock.set_fixed_time(BROWSER_NOW)
    yield page
    context.close()


def audit_time(page):
    return page.locator("table.table tbody tr").first.locator("td").first.locator("time")


def test_a_time_shows_in_the_profile_zone_with_the_exact_utc_time_on_hover(acme, new_york_browser):
    User.objects.filter(email="owner@acme.test").update(time_zone="Asia/Tokyo")
    page = new_york_browser
    sign_in(page, "owner@acme.test", PASSWORD)

    page.goto("/o/acme/audit/?action=team.created")

    when = audit_time(page)
    assert when.inner_text() == "Dec 7, 05:55"  # 20:55 UTC is 05:55 the next day in Tokyo, not New York's 15:55
    assert when.get_attribute("title") == "2026-12-06 20:55:03 UTC"


def test_without_a_profile_zone_the_browser_zone_is_used(acme, new_york_browser):
    page = new_york_browser
    sign_in(page, "owner@acme.test", PASSWORD)

    page.goto("/o/acme/audit/?action=team.created")

    assert audit_time(page).inner_text() == "Dec 6, 15:55"


def test_times_added_to_the_page_later_are_shown_in_the_zone_too(acme, new_york_browser):
    User.objects.filter(email="owner@acme.test").update(time_zone="Europe/Paris")
    page = new_york_browser
    sign_in(page, "owner@acme.test", PASSWORD)
    page.goto("/o/acme/audit/")

    page.evaluate(
        """() => {
            const pushed = document.createElement("div");
            pushed.id = "pushed";
            pushed.innerHTML = '<time datetime="2026-12-06T20:50:00Z" data-time="time">20:50 UTC</time>'
              + ' <time datetime="2026-12-06T20:50:00Z" data-time="relative">just now</time>'
              + ' <time datetime="2025-01-02T08:00:00Z" data-time="datetime">Jan 2, 2025, 08:00 UTC</time>'
              + ' <time datetime="2026-12-24">Dec 24, 2026</time>';
            document.querySelector("main").append(pushed);
        }"""
    )

    times = page.locator("#pushed time")
    page.wait_for_function("document.querySelector('#pushed time').textContent === '21:50'")
    assert times.all_inner_texts() == ["21:50", "10 min ago", "Jan 2, 2025, 09:00", "Dec 24, 2026"]


def test_the_notifications_table_fits_1280_pixels_with_long_addresses_and_errors(acme, page, live_server):
    owner = User.objects.get(email="owner@acme.test")
    address = "https://chat.example.com/hooks/" + "firebreak-team-channel-" * 6
    [delivery] = notification_actions.user_notify(
        organization=acme,
        user=owner,
        reason="page",
        idempotency_base="esc:1",
        subject="Payments API 5xx rate above 5% in every region of the world at once",
        message="",
    )
    Notification.objects.filter(pk=delivery.pk).update(
        address=address, status=NotificationStatus.FAILED, attempts=6, last_error="HTTP 404: " + "no_service " * 20
    )
    sign_in(page, "owner@acme.test", PASSWORD)

    page.goto("/o/acme/notifications/")

    wrap = page.locator(".notification-table-wrap")
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth") is True
    assert page.get_by_role("button", name="Retry").is_visible()
    assert page.locator(".notification-address").get_attribute("title") == address
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") == 390
    assert re.match(r"HTTP 404: no_service", page.locator(".notification-error").inner_text())

"""The home page in a 1280x800 window: the sidebar keeps Audit log and Sign out in view without scrolling the
page, and they work."""

import pytest

from orgs.models import Organization
from tests.e2e.conftest import sign_in
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VIEWPORT_HEIGHT = 800


def in_view_and_on_top(page, locator) -> bool:
    """The element is inside the 1280x800 viewport and is what a click at its centre would hit."""
    box = locator.bounding_box()
    if box is None or box["y"] < 0 or box["y"] + box["height"] > VIEWPORT_HEIGHT:
        return False
    return locator.evaluate(
        "(el, [x, y]) => el.contains(document.elementFromPoint(x, y))",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )


@pytest.fixture
def owner(live_server) -> None:
    org = Organization.objects.create(name="Acme", slug="acme")
    user = UserFactory(email="owner@acme.test", full_name="Olive Owner")
    MembershipFactory(organization=org, role="owner", user=user)


def test_audit_log_and_sign_out_are_in_view_at_1280_by_800(page, owner):
    sign_in(page, "owner@acme.test", "correct-horse-battery")
    page.goto("/o/acme/")
    sidebar = page.locator("aside.sidebar")

    audit_log = sidebar.get_by_role("link", name="Audit log")
    sign_out = sidebar.get_by_role("button", name="Sign out")

    assert page.viewport_size == {"width": 1280, "height": VIEWPORT_HEIGHT}
    assert page.evaluate("window.scrollY") == 0
    assert (in_view_and_on_top(page, audit_log), in_view_and_on_top(page, sign_out)) == (True, True)
    audit_log.click()
    page.wait_for_url("**/o/acme/audit/")
    assert page.locator("h1.page-title").inner_text() == "Audit log"
    assert in_view_and_on_top(page, sidebar.get_by_role("button", name="Sign out")) is True


def test_sign_out_from_the_home_page(page, owner):
    sign_in(page, "owner@acme.test", "correct-horse-battery")
    page.goto("/o/acme/")

    page.locator("aside.sidebar").get_by_role("button", name="Sign out").click()

    page.wait_for_url("**/accounts/login/**")
    assert page.get_by_role("button", name="Sign in").is_visible()

"""Counts pushed with the rows, in Chromium against the real ASGI app (daphne) on PostgreSQL and the Redis layer: the
alert queue's tab counts, the sidebar's Alerts badge and a row's alert count on a repeated trigger, and the
incident list's "N incidents", all change without a reload; a list filtered by severity counts its own."""

import pytest

from tests.e2e.test_alerts_live import (
    enqueue,
    scene,  # noqa: F401 (fixture: Acme, Alice and Bob, a PagerDuty integration)
)
from tests.e2e.test_incidents_live import LIVE, signed_in, wait_live

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def tab_counts(page) -> dict[str, str]:
    return {
        status: page.locator(f"#queue-count-{status}").inner_text()
        for status in ("open", "triggered", "acknowledged", "resolved", "all")
    }


def expect_tabs(page, **expected: int) -> None:
    from playwright.sync_api import expect

    for status, count in expected.items():
        expect(page.locator(f"#queue-count-{status}")).to_have_text(str(count), timeout=LIVE + 1500)


def test_queue_counts_badge_and_a_repeated_triggers_count_change_without_a_reload(browser, server, scene):  # noqa: F811
    from playwright.sync_api import expect

    context_a, alice = signed_in(browser, server, "alice@acme.test")
    context_b, bob = signed_in(browser, server, "bob@acme.test")
    try:
        alice.goto(scene.queue)
        bob.goto(f"{scene.queue}?severity=critical")  # a queue filtered by severity: its counts are its own
        for page in (alice, bob):
            wait_live(page)
            page.evaluate("() => { window.notReloaded = true; }")
        badge = alice.locator("#nav-alert-count")
        expect(badge).to_be_hidden()
        assert tab_counts(alice) == {"open": "0", "triggered": "0", "acknowledged": "0", "resolved": "0", "all": "0"}

        # A warning opens a group: Alice's tabs and badge count it, Bob's critical-only tabs do not.
        enqueue(server, scene.key, "disk-db-1", "Disk almost full on db-1", severity="warning")
        row = alice.locator("#alert-rows > tr").first
        expect(row).to_contain_text("Disk almost full on db-1", timeout=LIVE)
        expect_tabs(alice, open=1, triggered=1, acknowledged=0, all=1)
        expect(badge).to_have_text("1")
        expect(badge).to_be_visible()
        expect(bob.locator("#nav-alert-count")).to_have_text("1", timeout=LIVE)  # the badge is the org's
        expect_tabs(bob, open=0, triggered=0, all=0)

        # The same alert again: only its row's count moves.
        expect(row.locator(".alert-count")).to_have_text("1")
        enqueue(server, scene.key, "disk-db-1", "Disk almost full on db-1", severity="warning")
        enqueue(server, scene.key, "disk-db-1", "Disk almost full on db-1", severity="warning")
        expect(row.locator(".alert-count")).to_have_text("3", timeout=LIVE)
        expect_tabs(alice, open=1, triggered=1, all=1)

        # A critical one: both queues count it (Bob's fetches its own counts again).
        enqueue(server, scene.key, "cpu-db-2", "CPU saturated on db-2", severity="critical")
        expect_tabs(alice, open=2, triggered=2, all=2)
        expect(badge).to_have_text("2")
        expect_tabs(bob, open=1, triggered=1, all=1)
        expect(bob.locator("#alert-rows > tr")).to_have_count(1)

        # Alice acknowledges the warning from its row; the tool resolves the critical one.
        warning_row = alice.locator("#alert-rows > tr", has_text="Disk almost full on db-1")
        warning_row.get_by_role("button", name="Acknowledge").click()
        expect_tabs(alice, open=2, triggered=1, acknowledged=1, all=2)
        expect(badge).to_have_text("1")
        enqueue(server, scene.key, "cpu-db-2", "CPU saturated on db-2", action="resolve", severity="critical")
        expect_tabs(alice, open=1, triggered=0, acknowledged=1, resolved=1, all=2)
        expect(badge).to_be_hidden()
        expect_tabs(bob, open=0, triggered=0, resolved=1, all=1)

        for page in (alice, bob):
            assert page.evaluate("() => window.notReloaded") is True
    finally:
        context_a.close()
        context_b.close()


def test_the_incident_lists_count_follows_new_incidents(browser, server, scene):  # noqa: F811
    from playwright.sync_api import expect

    context_a, alice = signed_in(browser, server, "alice@acme.test")
    context_b, bob = signed_in(browser, server, "bob@acme.test")
    try:
        alice.goto(f"/o/{scene.org.slug}/incidents/")
        wait_live(alice)
        alice.evaluate("() => { window.notReloaded = true; }")
        expect(alice.locator("#incident-count")).to_have_text("0 incidents")
        filtered = context_a.new_page()
        filtered.goto(f"/o/{scene.org.slug}/incidents/?severity=SEV1")
        wait_live(filtered)
        expect(filtered.locator("#incident-count")).to_have_text("0 incidents match")

        for title, severity in (("Checkout failing", "SEV2"), ("Payments down", "SEV1")):
            bob.goto(f"/o/{scene.org.slug}/incidents/declare/")
            bob.get_by_label("Title").fill(title)
            bob.locator(f"input[name=severity][value='{severity}']").check(force=True)
            with bob.expect_navigation():
                bob.get_by_role("button", name="Declare incident").click()

        expect(alice.locator("#incident-count")).to_have_text("2 incidents", timeout=LIVE)
        expect(alice.locator("#incident-rows > tr")).to_have_count(2)
        expect(filtered.locator("#incident-count")).to_have_text("1 incident matches", timeout=LIVE + 1500)
        assert alice.evaluate("() => window.notReloaded") is True
    finally:
        context_a.close()
        context_b.close()

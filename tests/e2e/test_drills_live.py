"""The facilitator's view of a running drill in Chromium: the elapsed clock (which the 5 s poll moves on) and the
injects, a due hint's text shown and a later one's kept back; "Halt drill" asks for a reason on its confirmation
page (none given: asked again, the drill keeps running), and once confirmed the run reads Halted with the reason and
offers no Halt button any more. The scenario's injects are hints only: nothing is sent over HTTP."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from drills import actions
from drills.models import DrillInject, DrillRun, InjectStatus, RunStatus
from orgs.tenancy import Actor
from tests.drills.engine_support import approved_scenario, drill_org  # noqa: F401 - the drills set-up fixture
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
HINTS = [
    {"offset_seconds": 0, "kind": "hint", "text": "Checkout's error rate is climbing"},
    {"offset_seconds": 600, "kind": "hint", "text": "The load balancer logs show 502s"},
]


@pytest.fixture
def run(drill_org) -> DrillRun:  # noqa: F811
    """DR-1, facilitated by Ana (a responder), started 90 s ago: its T+0 hint is due, its T+10 min hint is not."""
    scenario = approved_scenario(drill_org, injects=HINTS)
    run = actions.run_create(
        organization=drill_org.org, actor=Actor(user=drill_org.eve), scenario=scenario, facilitator=drill_org.ana
    )
    run = actions.run_start(run=run, actor=Actor(user=drill_org.eve))
    start = timezone.now() - timedelta(seconds=90)
    DrillRun.objects.filter(pk=run.pk).update(started_at=start)
    for inject in DrillInject.objects.filter(run=run):
        DrillInject.objects.filter(pk=inject.pk).update(due_at=start + timedelta(seconds=inject.offset_seconds))
    run.refresh_from_db()
    return run


def inject_rows(page):
    return page.locator(".dr-injects-card .dr-tl-item")


def test_facilitator_sees_the_clock_and_injects_then_halts_with_a_reason(page, live_server, run):
    from playwright.sync_api import expect

    sign_in(page, "ana@acme.test", PASSWORD)
    page.goto(f"/o/acme/drills/runs/{run.uuid}/")

    expect(page.locator("h1.page-title")).to_have_text("DR-1 Checkout outage")
    status = page.get_by_role("region", name="Status")
    expect(status.locator(".badge").first).to_have_text("Running")
    clock = page.get_by_label("Elapsed")
    expect(clock).to_have_text(re.compile(r"^T\+1 min 3\d s$"))
    expect(status.locator(".live-indicator")).to_have_text("Live")
    expect(status.locator(".dr-next")).to_have_text(re.compile(r"^Next: Hint at T\+0 — due now$"))

    rows = inject_rows(page)
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator(".dr-tl-offset")).to_have_text("T+0")
    expect(rows.nth(0).locator(".dr-tl-head")).to_have_text("Hint Due now")
    expect(rows.nth(0).locator(".dr-tl-say")).to_have_text("Checkout's error rate is climbing")
    expect(rows.nth(1).locator(".dr-tl-offset")).to_have_text("T+10 min")
    expect(rows.nth(1).locator(".dr-tl-head")).to_have_text("Hint Pending")
    later = re.compile(r"^Shown here at T\+10 min \(in 8 min 2\d s\)\.$")
    expect(rows.nth(1).locator(".dr-tl-text")).to_have_text(later)
    expect(page.locator(".dr-injects-card")).not_to_contain_text("The load balancer logs show 502s")

    # The view polls every 5 s: the clock moves on without a reload.
    shown = clock.inner_text()
    page.evaluate("window.__notReloaded = true")
    expect(clock).not_to_have_text(shown, timeout=8000)
    expect(clock).to_have_text(re.compile(r"^T\+1 min [3-5]\d s$"))
    assert page.evaluate("window.__notReloaded") is True

    page.get_by_role("link", name="Halt drill").click()
    page.wait_for_url(f"**/o/acme/drills/runs/{run.uuid}/halt/")
    expect(page.locator("h1.page-title")).to_have_text("Halt DR-1?")
    expect(page.locator(".dr-halt li").nth(0)).to_have_text("2 injects not sent yet are canceled;")

    # No reason: asked again, nothing halted.
    page.get_by_role("button", name="Halt the drill").click()
    expect(page.locator(".field.has-error .errorlist")).to_have_text("This field is required.")
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING

    page.get_by_label("Why halt?").fill("A real incident on checkout")
    page.get_by_role("button", name="Halt the drill").click()
    page.wait_for_url(f"**/o/acme/drills/runs/{run.uuid}/")

    expect(page.locator("#messages")).to_have_text("DR-1 halted: nothing more is sent, its incidents are closed.")
    status = page.get_by_role("region", name="Status")
    expect(status.locator(".badge").first).to_have_text("Halted")
    expect(status.locator(".dr-halt-reason")).to_have_text("Halt reason: A real incident on checkout")
    expect(status).to_contain_text("halted by ")
    expect(page.get_by_role("link", name="Halt drill")).to_have_count(0)
    expect(page.get_by_role("button", name="End drill")).to_have_count(0)
    expect(status.locator(".live-indicator")).to_have_count(0)
    expect(inject_rows(page).locator(".dr-tl-head")).to_have_text(["Hint Canceled", "Hint Canceled"])

    run.refresh_from_db()
    assert (run.status, run.halt_reason, run.halted_by) == (
        RunStatus.HALTED,
        "A real incident on checkout",
        run.facilitator,
    )
    assert set(DrillInject.objects.filter(run=run).values_list("status", flat=True)) == {InjectStatus.CANCELED}

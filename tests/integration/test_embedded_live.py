"""`make run` (embedded: SQLite, no Redis, a Celery worker beside runserver) behaves like production for live
pages: a change the worker makes — an escalation running out and turning a group "unanswered" — reaches an open
browser without a reload, through core.channel_layer.EmbeddedChannelLayer's spool, also after the web process
restarted (runserver's autoreloader). Escalation minutes are shrunk to 50 ms."""

import os
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import browser, sign_in  # noqa: F401 - the e2e fixtures, used here too
from tests.integration.helpers import clean_env, free_port, fresh_copy, manage, start, stop, wait_http

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

LIVE = 30_000  # ms: every escalation step of the demo policy, run by the worker, then pushed

ADD_INTEGRATION = """
from alerting import actions
from orgs.tenancy import Actor
from services.models import Service
service = Service.objects.get(organization__slug="demo", slug="search")
_, key = actions.integration_create(
    organization=service.organization, service=service, name="Live check", kind="pagerduty_v2", actor=Actor.system()
)
print("KEY", key)
"""


def trigger(base: str, key: str, dedup_key: str, summary: str) -> None:
    response = httpx.post(
        f"{base}/integrations/pagerduty/v2/enqueue",
        json={
            "routing_key": key,
            "event_action": "trigger",
            "dedup_key": dedup_key,
            "payload": {"summary": summary, "source": "synthetic check", "severity": "critical"},
        },
        timeout=15,
    )
    assert response.status_code == 202, response.text


def test_a_worker_made_change_reaches_an_open_browser_in_make_run(browser, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    clone = fresh_copy(tmp_path / "clone")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "make-run.log"
    env = clean_env(FIREBREAK_ESCALATION_MINUTE_SECONDS="0.05")
    env.pop("FIREBREAK_ENV_FILE")  # read the .env that `make run` writes, as a developer's clone does
    process = start(["make", "-o", ".venv/bin/.installed", "run", f"PORT={port}"], env, log, cwd=clone)
    context = None
    try:
        wait_http(f"{base}/healthz", 240, log)
        key = manage(env, "shell", "-c", ADD_INTEGRATION, cwd=clone).split("KEY ", 1)[1].strip()

        context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 800})
        context.set_default_timeout(20_000)
        page = context.new_page()
        sign_in(page, "demo@example.com", "firebreak-demo")
        page.goto("/o/demo/alerts/")
        indicator = page.locator(".live-indicator")
        expect(indicator).to_have_attribute("data-state", "open")
        page.evaluate("() => { window.notReloaded = true; }")

        # A monitoring tool triggers an alert: the web process stores it and starts paging (its own push) ...
        trigger(base, key, "search-canary", "Search canary failing")
        row = page.locator("#alert-rows > tr", has_text="Search canary failing")
        expect(row).to_have_count(1, timeout=10_000)
        # ... and the worker runs every step of the escalation, nobody acknowledges: its push turns the row.
        expect(row).to_contain_text("Unanswered: nobody acknowledged", timeout=LIVE)
        expect(row).not_to_contain_text("Paging on-call")
        expect(page.locator("#unanswered-banner")).to_contain_text("went unanswered")
        assert page.evaluate("() => window.notReloaded") is True

        # The web process restarts (a code change: runserver's autoreloader); the browser reconnects and the
        # worker's next push still arrives.
        before = log.read_text(errors="replace").count("Watching for file changes")
        os.utime(clone / "alerting" / "live.py", (time.time(), time.time()))
        deadline = time.monotonic() + 60
        while log.read_text(errors="replace").count("Watching for file changes") == before:
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            time.sleep(0.2)
        wait_http(f"{base}/healthz", 60, log)
        expect(indicator).to_have_attribute("data-state", "open", timeout=30_000)
        trigger(base, key, "search-canary-2", "Second search canary failing")
        second = page.locator("#alert-rows > tr", has_text="Second search canary failing")
        expect(second).to_contain_text("Unanswered: nobody acknowledged", timeout=LIVE)
        assert page.evaluate("() => window.notReloaded") is True
    finally:
        if context is not None:
            context.close()
        stop(process)
    output = log.read_text(errors="replace")
    assert "Traceback" not in output, output[-3000:]
    assert Path(clone / "var" / "live").is_dir()

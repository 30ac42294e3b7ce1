"""Playwright driving Debian's Chromium: against pytest-django's live server (WSGI, no websockets) or,
for the live tests, against the real ASGI app served by daphne on PostgreSQL and Redis (`server`).

Every browser context a test opens (through `page` or `browser.new_context`) listens for Content-Security-Policy
violations and console errors; closing it with any recorded fails the test (docs/security.md)."""

import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from tests.integration.helpers import clean_env, free_port, start, stop, wait_http
from tests.integration.test_embedded_run import manage
from tests.integration.test_worker_email import database_url

BIN = Path(sys.executable).parent

# Playwright's sync API runs an event loop in this thread; the ORM calls in the tests are still
# plain synchronous calls, so allow them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
]


# Injected before any script of every page: each `securitypolicyviolation` is kept in window and also reported
# as a console error, which reaches the test even when the page has navigated away since.
VIOLATION_LISTENER = """
window.__securityPolicyViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const text = "securitypolicyviolation " + JSON.stringify({
    directive: event.effectiveDirective, blocked: event.blockedURI, source: event.sourceFile,
    line: event.lineNumber, sample: event.sample,
  });
  window.__securityPolicyViolations.push(text);
  console.error(text);
}, true);
"""


# Console errors that are the browser or htmx reporting an outcome a test provokes and asserts on itself, not a
# fault of the page: a 4xx answer (another org's page, a viewer's refused edit, a conflicting save; a 5xx still
# fails), and a websocket that cannot connect (the test stopped or restarted the server, refused a non-member, or
# runs on pytest-django's WSGI live server, which serves no websockets). Live pushes are the same for every
# viewer, so htmx notes a pushed fragment whose row this viewer's page does not show.
EXPECTED_CONSOLE_ERRORS = re.compile(
    r"Failed to load resource: the server responded with a status of 4\d\d "
    r"|Response Status Error Code 4\d\d from "
    r"|WebSocket connection to '[^']*' failed: "
    r"|htmx:oobErrorNoTarget, "
)
HTMX_WEBSOCKET_ERROR = "[object Event]"  # htmx logging its htmx:wsError event: a websocket that failed, as above


def unexpected(message) -> bool:
    """A console error no test provokes on purpose: a script error, a CSP violation, a 5xx, anything else."""
    if message.type != "error" or EXPECTED_CONSOLE_ERRORS.match(message.text):
        return False
    return not (message.text == HTMX_WEBSOCKET_ERROR and "/django_htmx/" in message.location.get("url", ""))


class PageProblems(AssertionError):
    """A page hit the Content-Security-Policy, logged a console error or threw."""


def recorded_violations(page) -> list[str]:
    """The violations the listener kept in the page's window (none from a page that crashed or is closing)."""
    try:
        return page.evaluate("window.__securityPolicyViolations || []")
    except Exception:  # the page has nothing more to say
        return []


class GuardedBrowser:
    """The browser, whose every new context records CSP violations, console errors and uncaught exceptions, and
    fails when closed with any (`page.context.close()` included: it is the same object)."""

    def __init__(self, browser: object) -> None:
        self._browser = browser
        self.unclosed: list[tuple[object, list[str]]] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self._browser, name)

    def new_context(self, **options: object) -> object:
        context = self._browser.new_context(**options)
        problems: list[str] = []
        context.add_init_script(script=VIOLATION_LISTENER)

        def console(message) -> None:
            if unexpected(message):
                problems.append(f"console error: {message.text} ({message.location.get('url')})")

        context.on("console", console)
        context.on("weberror", lambda error: problems.append(f"uncaught: {error.error}"))
        close = context.close

        def guarded_close(**close_options: object) -> None:
            for page in context.pages:  # a round trip per page also delivers the console messages still in flight
                problems.extend(
                    f"console error: {text} ({page.url})"
                    for text in recorded_violations(page)
                    if not any(text in seen for seen in problems)
                )
            close(**close_options)
            self.unclosed = [entry for entry in self.unclosed if entry[0] is not context]
            if problems:
                found = list(dict.fromkeys(problems))
                problems.clear()
                raise PageProblems("the browser reported:\n" + "\n".join(found))

        context.close = guarded_close
        self.unclosed.append((context, problems))
        return context


@pytest.fixture(scope="module")
def browser() -> Iterator[GuardedBrowser]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"Chromium not found at {CHROMIUM}")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        guarded = GuardedBrowser(playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS))
        yield guarded
        left = [problem for _, problems in guarded.unclosed for problem in problems]
        guarded.close()
        if left:
            raise PageProblems("a browser context never closed reported:\n" + "\n".join(dict.fromkeys(left)))


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")


@dataclass
class Server:
    base: str
    env: dict[str, str]
    port: int
    log: Path
    process: object = None

    def start(self) -> None:
        args = [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(self.port), "config.asgi:application"]
        self.process = start(args, self.env, self.log)
        wait_http(f"{self.base}/healthz", 60, self.log)

    def stop(self) -> None:
        stop(self.process)


def worker_redis_url(url: str) -> str:
    """A Redis database of its own per xdist worker: the workers' test databases reuse incident ids, so their
    channel groups (incident.<id>) must not meet."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    base = url.rsplit("/", 1)[0] if url.count("/") > 2 else url
    return f"{base}/{10 + int(worker.removeprefix('gw') or 0)}"


@pytest.fixture
def server(redis_url: str, tmp_path: Path) -> Iterator[Server]:
    """daphne serving config.asgi on this test's database, with WhiteNoise serving collected static files."""
    if connection.vendor != "postgresql":
        pytest.skip("the live browser test runs on PostgreSQL and Redis")
    url = worker_redis_url(redis_url)
    redis.Redis.from_url(url).flushdb()
    env = clean_env(
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        DATABASE_URL=database_url(),
        REDIS_URL=url,
        FIREBREAK_VAR_DIR=str(tmp_path / "var"),
        DJANGO_SECURE_COOKIES="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    manage(env, "collectstatic", "--noinput")
    port = free_port()
    server = Server(f"http://127.0.0.1:{port}", env, port, tmp_path / "daphne.log")
    server.start()
    yield server
    server.stop()

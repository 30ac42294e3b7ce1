"""Playwright driving Debian's Chromium: against pytest-django's live server (WSGI, no websockets) or,
for the live tests, against the real ASGI app served by daphne on PostgreSQL and Redis (`server`)."""

import os
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


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"Chromium not found at {CHROMIUM}")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


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

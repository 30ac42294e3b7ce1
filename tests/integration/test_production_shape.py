"""The commands docker-compose.yml runs, run here for real on PostgreSQL and Redis:
migrate, collectstatic, uvicorn workers serving config.asgi, a Celery worker and Celery beat."""

import sys
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection

from tests.integration.helpers import clean_env, free_port, start, start_worker, stop, wait_for, wait_http
from tests.integration.test_embedded_run import manage
from tests.integration.test_worker_email import database_url

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BIN = Path(sys.executable).parent


def test_compose_commands_serve_the_app_with_redis_ready(redis_url, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the production shape runs on PostgreSQL")
    env = clean_env(
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        DATABASE_URL=database_url(),
        REDIS_URL=redis_url,
        FIREBREAK_VAR_DIR=str(tmp_path / "var"),
        DJANGO_SECURE_COOKIES="false",
        DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1",
    )
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    port = free_port()
    logs = {name: tmp_path / f"{name}.log" for name in ("web", "worker", "beat")}
    web_args = [str(BIN / "uvicorn"), "config.asgi:application", "--host=127.0.0.1", f"--port={port}", "--workers=2"]
    web = start([*web_args, "--proxy-headers"], env, logs["web"])
    worker = start_worker(env, logs["worker"])
    beat_args = [str(BIN / "celery"), "-A", "config", "beat", "--schedule", str(tmp_path / "beat"), "-l", "info"]
    beat = start(beat_args, env, logs["beat"])
    try:
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/healthz", 60, logs["web"])
        ready = httpx.get(f"{base}/readyz", timeout=10)
        login = httpx.get(f"{base}/accounts/login/", timeout=10)
        css_url = next(part.split('"')[0] for part in login.text.split('href="') if part.startswith("/static/css/"))
        css = httpx.get(f"{base}{css_url}", timeout=10)
        wait_for(lambda: "ready." in logs["worker"].read_text(errors="replace"), 60, "worker ready", logs["worker"])
        wait_for(lambda: "beat: Starting" in logs["beat"].read_text(errors="replace"), 60, "beat", logs["beat"])
    finally:
        for process in (beat, worker, web):
            stop(process)
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
    assert login.status_code == 200
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert ".btn-declare" in css.text

"""The commands docker-compose.yml runs, run here for real on PostgreSQL and Redis:
migrate, collectstatic, uvicorn workers serving config.asgi, a Celery worker and Celery beat."""

import json
import re
import sys
import tomllib
from pathlib import Path

import httpx
import pytest
import yaml
from django.conf import settings

from tests.integration.helpers import BASE_DIR, clean_env, free_port, start, start_worker, stop, wait_for, wait_http
from tests.integration.test_embedded_run import manage
from tests.integration.test_worker_email import database_url

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BIN = Path(sys.executable).parent


@pytest.mark.requires_postgres("the production shape runs on PostgreSQL")
def test_compose_commands_serve_the_app_with_redis_ready(redis_url, tmp_path):
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
    web = start([*web_args, "--proxy-headers", "--no-access-log"], env, logs["web"])
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
    # One JSON object per line, each request once (uvicorn's access log is off), with its request id.
    web_log = logs["web"].read_text(errors="replace")
    requests = [json.loads(line) for line in web_log.splitlines() if line.startswith("{") and '"request"' in line]
    readyz = [event for event in requests if event.get("path") == "/readyz"]
    assert [(event["status"], event["logger"], event["level"]) for event in readyz] == [
        (200, "firebreak.request", "info")
    ]
    assert len(readyz[0]["request_id"]) == 32
    assert ready.headers["X-Request-ID"] == readyz[0]["request_id"]
    assert '"GET /readyz' not in web_log  # no uvicorn access line


def test_the_compose_commands_are_the_ones_run_here():
    """docker-compose.yml runs exactly the commands the test above runs (ports, paths and hosts aside)."""
    services = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())["services"]

    assert " ".join(services["web"]["command"].split()) == (
        'sh -c "python manage.py migrate --noinput && python manage.py collectstatic --noinput && '
        "uvicorn config.asgi:application --host 0.0.0.0 --port 8000 --workers $${WEB_WORKERS:-2} --proxy-headers "
        '--no-access-log"'
    )
    assert services["worker"]["command"] == "celery -A config worker -Q critical,default --loglevel=info"
    assert services["beat"]["command"] == (
        "celery -A config beat --schedule /app/var/celerybeat-schedule --loglevel=info"
    )


def test_the_image_installs_every_package_of_the_project():
    """The Dockerfile copies each package pyproject.toml installs before `pip install .`."""
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    includes = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    packages = sorted(name.rstrip("*") for name in includes["include"])
    copied = sorted(re.findall(r"^COPY (\w+) \./\1$", dockerfile, flags=re.MULTILINE))

    assert copied == packages
    assert dockerfile.index("RUN pip install .") > dockerfile.index(f"COPY {packages[-1]} ./{packages[-1]}")
    assert 'FIREBREAK_ENV_FILE=""' in dockerfile
    assert ".env" in (BASE_DIR / ".dockerignore").read_text().splitlines()

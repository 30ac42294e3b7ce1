"""The commands docker-compose.yml runs, run here for real on PostgreSQL and Redis:
migrate, collectstatic, uvicorn workers serving config.asgi, a Celery worker and Celery beat."""

import json
import re
import shlex
import sys
import tomllib
from pathlib import Path

import httpx
import pytest
import yaml
from django.conf import settings

from tests.integration.helpers import BASE_DIR, clean_env, free_port, start, stop, wait_for, wait_http
from tests.integration.test_embedded_run import manage
from tests.integration.test_worker_email import database_url

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BIN = Path(sys.executable).parent


def compose_commands(port: int, tmp_path: Path) -> dict[str, list[list[str]]]:
    """The commands of docker-compose.yml's web, worker and beat, as argument lists to run here: this venv's
    programs, a free port on 127.0.0.1 instead of 0.0.0.0:8000, the beat schedule under tmp_path."""
    services = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())["services"]
    programs = {"python": sys.executable, "uvicorn": str(BIN / "uvicorn"), "celery": str(BIN / "celery")}
    values = {"0.0.0.0": "127.0.0.1", "8000": str(port), "$${WEB_WORKERS:-2}": "2"}
    values["/app/var/celerybeat-schedule"] = str(tmp_path / "celerybeat-schedule")
    commands = {}
    for name in ("web", "worker", "beat"):
        words = shlex.split(services[name]["command"])
        lines = [shlex.split(part) for part in words[2].split("&&")] if words[:2] == ["sh", "-c"] else [words]
        commands[name] = [[programs.get(line[0], line[0]), *(values.get(w, w) for w in line[1:])] for line in lines]
    return commands


@pytest.mark.requires_postgres("the production shape runs on PostgreSQL")
def test_compose_commands_serve_the_app_with_redis_ready_and_log_json_lines(redis_url, tmp_path):
    env = clean_env(
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        FIREBREAK_ENCRYPTION_KEYS=",".join(settings.FIREBREAK_ENCRYPTION_KEYS),
        DATABASE_URL=database_url(),
        REDIS_URL=redis_url,
        FIREBREAK_VAR_DIR=str(tmp_path / "var"),
        DJANGO_SECURE_COOKIES="false",
        DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1",
    )
    port = free_port()
    commands = compose_commands(port, tmp_path)
    *setup, serve = commands["web"]
    assert [command[1:] for command in setup] == [
        ["manage.py", "migrate", "--noinput"],
        ["manage.py", "collectstatic", "--noinput"],
    ]
    for command in setup:
        manage(env, *command[2:])
    logs = {name: tmp_path / f"{name}.log" for name in ("web", "worker", "beat")}
    web = start(serve, env, logs["web"])
    [worker_command], [beat_command] = commands["worker"], commands["beat"]
    worker = start(worker_command, env, logs["worker"])
    beat = start(beat_command, env, logs["beat"])
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
    # Every line of every process is one JSON object: no banner, no plain uvicorn line, Python warnings logged.
    # Celery prints its shutdown notice itself, whatever the logging (celery/apps/worker.py, safe_say).
    lines = {name: log.read_text().splitlines() for name, log in logs.items()}
    assert {name: [line for line in text if not line.startswith("{")] for name, text in lines.items()} == {
        "web": [],
        "worker": ["", "worker: Warm shutdown (MainProcess)"],
        "beat": [],
    }
    lines = {name: [line for line in text if line.startswith("{")] for name, text in lines.items()}
    events = {name: [json.loads(line) for line in text] for name, text in lines.items()}
    assert {"level", "logger", "event", "timestamp"} <= set(events["worker"][0])
    # Each request once (uvicorn's access log is off), with its request id.
    readyz = [event for event in events["web"] if event.get("path") == "/readyz"]
    assert [(e["status"], e["logger"], e["level"]) for e in readyz] == [(200, "firebreak.request", "info")]
    assert len(readyz[0]["request_id"]) == 32
    assert ready.headers["X-Request-ID"] == readyz[0]["request_id"]


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

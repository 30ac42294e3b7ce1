"""`make run` for real, in a fresh copy of the repository: it writes .env, migrates SQLite, seeds the demo and
serves the app (DEBUG off) with a worker on the filesystem broker — no PostgreSQL or Redis anywhere. Then the
README's operator commands run there exactly as written."""

import re
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.integration.helpers import (
    clean_env,
    free_port,
    fresh_copy,
    manage,  # noqa: F401 - imported from here by other test modules
    readme_shell_blocks,
    start,
    stop,
    wait_for,
    wait_http,
)

pytestmark = pytest.mark.integration


def make_run(clone: Path, port: int, log: Path) -> subprocess.Popen:
    """`make run PORT=<port>` in the copy (the shared .venv counts as installed: no pip)."""
    env = clean_env()
    env.pop("FIREBREAK_ENV_FILE")  # read the .env that `make run` writes, as a developer's clone does
    return start(["make", "-o", ".venv/bin/.installed", "run", f"PORT={port}"], env, log, cwd=clone)


def sign_in(http: httpx.Client, base: str) -> httpx.Response:
    http.get("/accounts/login/")
    return http.post(
        "/accounts/login/",
        data={
            "username": "demo@example.com",
            "password": "firebreak-demo",
            "csrfmiddlewaretoken": http.cookies["csrftoken"],
        },
        headers={"Referer": f"{base}/accounts/login/"},
    )


def test_make_run_serves_the_app_on_its_port_and_the_readme_commands_work(tmp_path):
    clone = fresh_copy(tmp_path / "clone")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "make-run.log"
    process = make_run(clone, port, log)
    try:
        wait_http(f"{base}/healthz", 240, log)
        with httpx.Client(base_url=base, follow_redirects=True, timeout=15) as http:
            signed_in = sign_in(http, base)
            invited = http.post(
                "/o/demo/members/invite/",
                data={
                    "email": "newbie@example.com",
                    "role": "viewer",
                    "csrfmiddlewaretoken": http.cookies["csrftoken"],
                },
                headers={"Referer": f"{base}/o/demo/members/"},
            )
            integrations = http.get("/o/demo/alerts/integrations/")
            mistyped = http.get("/o/demo/incidentz/")
            favicon = http.get("/favicon.ico")
            css_url = re.search(r'href="(/static/css/[^"]+)"', signed_in.text).group(1)
            css = http.get(css_url)
            ready = http.get("/readyz")

        # The worker sends the invitation (logged, no mail server) with a link on this port.
        wait_for(lambda: "newbie@example.com" in log.read_text(errors="replace"), 60, "the invitation", log)
        # As written, but for the port: the README's server is `make run`'s default, 8000.
        script = "\n".join(readme_shell_blocks("Operator commands")).replace("http://127.0.0.1:8000", base)
        operator_env = clean_env()
        operator_env.pop("FIREBREAK_ENV_FILE")
        operator = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=clone,
            env=operator_env,
            capture_output=True,
            text=True,
            timeout=300,
            input="",
        )
    finally:
        stop(process)
    output = log.read_text(errors="replace")

    assert f"Firebreak is starting on {base}/" in output
    dotenv = (clone / ".env").read_text()
    assert re.search(r"^DJANGO_SECRET_KEY=[\w-]{60,}$", dotenv, flags=re.MULTILINE)
    assert "FIREBREAK_DEV=true" in dotenv.splitlines()
    assert (signed_in.url.path, "Demo Corp" in signed_in.text) == ("/o/demo/", True)
    assert "Invitation sent to newbie@example.com." in invited.text
    assert ready.json() == {"status": "ok", "checks": {"database": "ok"}}
    # The links the app sends use the address it is served on (FIREBREAK_SITE_URL from PORT).
    assert integrations.status_code == 200
    assert re.search(rf"{re.escape(base)}/invitations/[^/\s]+/", output)
    assert "127.0.0.1:8000" not in output
    # DEBUG is off: the app's own 404 page, not Django's technical one; static files still served.
    assert mistyped.status_code == 404
    assert "This page doesn't exist" in mistyped.text
    assert "URLconf" not in mistyped.text
    assert (favicon.status_code, favicon.headers["content-type"]) == (200, "image/svg+xml")
    assert favicon.url.path == "/static/img/favicon.svg"
    assert (css.status_code, ".btn-declare" in css.text) == (200, True)
    # Each request is logged once; so is the reloader's start.
    assert output.count("GET /o/demo/alerts/integrations/ 200 ") == 1
    assert output.count("GET /o/demo/incidentz/ 404 ") == 1
    assert output.count("Watching for file changes") == 1
    assert "Not Found:" not in output
    # The README's operator commands, as written: the token pipeline yields a token the API accepts.
    assert operator.returncode == 0, operator.stderr
    assert "Organization acme (Acme) is owned by ops@acme.test" in operator.stdout
    assert re.search(r"^fb_[0-9a-f]{8}_[\w-]{43}$", operator.stdout, flags=re.MULTILINE)
    assert '"results":[]' in operator.stdout.replace(" ", "")


def test_operator_commands_fail_loudly_without_configuration(tmp_path):
    """No .env and no DJANGO_SECRET_KEY: one line saying what to do, a non-zero exit, nothing on stdout."""
    result = subprocess.run(
        [".venv/bin/python", "manage.py", "create_api_token", "acme", "--name", "cli"],
        cwd=fresh_copy(tmp_path / "clone"),
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        "Firebreak is not configured: DJANGO_SECRET_KEY is not set. On a development machine run `make run` once "
        "(it writes .env with a generated key and development settings); in production set DJANGO_SECRET_KEY."
    ]

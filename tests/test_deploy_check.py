"""Production settings as docker-compose.yml sets them pass `check --deploy` with no warning, and behave so: http
redirected to https (health checks aside), HSTS, secure cookies. A developer's machine (FIREBREAK_DEV) still
serves plain http on localhost. Each run is a child process with exactly that environment (no .env read)."""

import json
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet

from tests.integration.helpers import BASE_DIR, clean_env

# What the operator must provide (compose's `${NAME:?…}`): made up here, of the right shape.
REQUIRED = {
    "DJANGO_SECRET_KEY": lambda: secrets.token_urlsafe(50),
    "FIREBREAK_ENCRYPTION_KEYS": lambda: Fernet.generate_key().decode(),
}
VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:-|:\?)(?P<arg>[^}]*))?\}")

# Requests through the full middleware stack of a process started with a given environment; prints one JSON
# object per request (status, the headers of interest, the cookies with their flags) and the settings read.
PROBE = """
import json, sys
import django
django.setup()
from django.conf import settings
from django.test import Client, override_settings
answers = []
# No collectstatic here: pages link static files by their plain names instead of the manifest's.
plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
plain_static = {**settings.STORAGES, "staticfiles": plain}
for path, headers in json.loads(sys.argv[1]):
    with override_settings(STORAGES=plain_static):
        response = Client(raise_request_exception=True).get(path, headers=headers)
    answers.append({
        "status": response.status_code,
        "location": response.get("Location"),
        "hsts": response.get("Strict-Transport-Security"),
        "csp": response.get("Content-Security-Policy"),
        "cookies": {name: {"secure": bool(c["secure"]), "httponly": bool(c["httponly"])}
                    for name, c in response.cookies.items()},
    })
names = ["SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SESSION_COOKIE_SECURE",
         "CSRF_COOKIE_SECURE", "DEBUG"]
print(json.dumps({"answers": answers, "settings": {name: getattr(settings, name) for name in names}}))
"""


def compose_web_environment() -> dict[str, str]:
    """docker-compose.yml's environment of the web service, interpolated as compose does with nothing set in the
    shell but the required variables: every `${NAME:-default}` takes its default."""
    web = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())["services"]["web"]
    shell = {name: make() for name, make in REQUIRED.items()}

    def interpolate(match: re.Match) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        if op == ":?":
            assert name in shell, f"docker-compose.yml requires {name}: give it a made-up value in REQUIRED"
            return shell[name]
        return shell.get(name) or (arg if op == ":-" else "")

    return {
        name: VARIABLE.sub(interpolate, str(value)).replace("$$", "$") for name, value in web["environment"].items()
    }


def run(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = clean_env(**environment)
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def probe(environment: dict[str, str], requests: list[tuple[str, dict[str, str]]]) -> dict:
    result = run(environment, "-c", PROBE, json.dumps(requests))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_passes_with_the_compose_environment(tmp_path: Path):
    """`check --deploy` connects to nothing: compose's own DATABASE_URL and REDIS_URL stay as they are."""
    environment = compose_web_environment()
    assert environment["DJANGO_SECURE_COOKIES"] == "true"

    result = run(
        {**environment, "FIREBREAK_VAR_DIR": str(tmp_path)}, "manage.py", "check", "--deploy", "--fail-level", "WARNING"
    )

    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "System check identified no issues (1 silenced).\n"


def test_the_compose_environment_redirects_http_and_sends_hsts_and_secure_cookies(tmp_path: Path):
    environment = {
        **compose_web_environment(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'probe.sqlite3'}",  # nothing here touches it
        "FIREBREAK_VAR_DIR": str(tmp_path),
    }
    http = {"host": "localhost"}
    https = {"host": "localhost", "x-forwarded-proto": "https"}

    result = probe(environment, [("/accounts/login/", http), ("/healthz", http), ("/accounts/login/", https)])

    redirected, health, login = result["answers"]
    assert (redirected["status"], redirected["location"]) == (301, "https://localhost/accounts/login/")
    # The container's health check speaks plain http from inside: answered, not redirected.
    assert (health["status"], health["location"], health["hsts"]) == (200, None, None)
    assert login["status"] == 200
    assert login["hsts"] == "max-age=31536000; includeSubDomains"
    assert login["cookies"] == {"csrftoken": {"secure": True, "httponly": False}}
    assert "frame-ancestors 'none'" in login["csp"]
    assert result["settings"] == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "DEBUG": False,
    }


@pytest.mark.parametrize(
    ("variables", "hsts"),
    [
        ({"DJANGO_HSTS_SECONDS": "300", "DJANGO_HSTS_INCLUDE_SUBDOMAINS": "false"}, "max-age=300"),
        (
            {"DJANGO_HSTS_SECONDS": "63072000", "DJANGO_HSTS_PRELOAD": "true"},
            "max-age=63072000; includeSubDomains; preload",
        ),
    ],
)
def test_hsts_follows_its_variables(tmp_path: Path, variables: dict[str, str], hsts: str):
    environment = {
        **compose_web_environment(),
        **variables,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'probe.sqlite3'}",
        "FIREBREAK_VAR_DIR": str(tmp_path),
    }

    result = probe(environment, [("/healthz", {"host": "localhost", "x-forwarded-proto": "https"})])

    assert result["answers"][0]["hsts"] == hsts


def test_development_serves_plain_http_on_localhost(tmp_path: Path):
    environment = {"FIREBREAK_DEV": "true", "DJANGO_SECRET_KEY": "dev-key", "FIREBREAK_VAR_DIR": str(tmp_path)}

    result = probe(environment, [("/accounts/login/", {"host": "localhost:8000"})])

    [login] = result["answers"]
    assert (login["status"], login["location"], login["hsts"]) == (200, None, None)
    assert login["cookies"] == {"csrftoken": {"secure": False, "httponly": False}}
    assert result["settings"] == {
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "DEBUG": False,
    }

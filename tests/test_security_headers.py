"""The response headers of docs/security.md, "Headers and production settings": a Content-Security-Policy with no
inline script, framing refused, and `Cache-Control: no-store` on everything signed in and on the API."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

from oncall import ical
from oncall.actions import schedules as schedule_actions
from orgs.tenancy import Actor

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
TAG = re.compile(r"<[a-zA-Z][^<>]*>")
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]} (django-csp writes directives in any order)."""
    directives = [part.split() for part in response["Content-Security-Policy"].split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


def expected_policy(websocket_origin: str) -> dict[str, list[str]]:
    return {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'", websocket_origin],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }


def inline_scripts(html: str) -> list[str]:
    """<script> tags that run inline code: neither loaded from a file (src=) nor data (type="application/json")."""
    return [
        tag.group(0)
        for tag in SCRIPT_TAG.finditer(html)
        if "src=" not in tag.group(1) and 'type="application/json"' not in tag.group(1)
    ]


def inline_handlers(html: str) -> list[str]:
    return [tag for tag in TAG.findall(html) if HANDLER.search(tag) or "javascript:" in tag.lower()]


def project_templates() -> list[Path]:
    """Every template of ours: the templates folder and the project's apps' own (not the installed packages')."""
    folders = [Path(folder) for folder in settings.TEMPLATES[0]["DIRS"]]
    folders += [Path(config.path) / "templates" for config in apps.get_app_configs()]
    ours = [folder for folder in folders if folder.is_dir() and ".venv" not in folder.parts]
    ours = [folder for folder in ours if folder.resolve().is_relative_to(BASE_DIR.resolve())]
    return sorted({path for folder in ours for path in folder.rglob("*.html")})


def test_every_template_is_free_of_inline_script_and_handlers():
    templates = project_templates()
    assert BASE_DIR / "templates" / "base.html" in templates

    found = {str(path.relative_to(BASE_DIR)): inline_scripts(path.read_text()) for path in templates}
    handlers = {str(path.relative_to(BASE_DIR)): inline_handlers(path.read_text()) for path in templates}

    assert {name: tags for name, tags in found.items() if tags} == {}
    assert {name: tags for name, tags in handlers.items() if tags} == {}


def test_the_scanners_catch_what_they_look_for():
    html = (
        '<script>alert(1)</script><script type="module">x()</script><script src="/static/a.js"></script>'
        '<script type="application/json" id="d">{}</script><button onclick="x()">'
        '<form class="row" onsubmit="return confirm()"><a href="javascript:x()"><div data-on="1">'
    )

    assert inline_scripts(html) == ["<script>", '<script type="module">']
    assert inline_handlers(html) == [
        '<button onclick="x()">',
        '<form class="row" onsubmit="return confirm()">',
        '<a href="javascript:x()">',
    ]


def test_our_scripts_never_evaluate_strings():
    sources = {path.name: path.read_text() for path in (BASE_DIR / "static" / "js").glob("*.js")}

    assert {name for name, text in sources.items() if re.search(r"\beval\(|new Function\(", text)} == set()


def test_a_signed_in_page_carries_the_policy_no_store_and_refuses_framing(member, member_client):
    response = member_client.get(f"/o/{member.organization.slug}/")

    assert response.status_code == 200
    assert policy(response) == expected_policy("ws://testserver")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert inline_scripts(html) == []
    assert inline_handlers(html) == []
    assert """<meta name="htmx-config" content='{"allowEval": false, "includeIndicatorStyles": false}'>""" in html


def test_behind_https_websockets_are_allowed_to_the_same_host_over_wss(member, member_client):
    response = member_client.get(f"/o/{member.organization.slug}/incidents/", secure=True)

    assert response.status_code == 200
    assert policy(response)["connect-src"] == ["'self'", "wss://testserver"]


def test_an_anonymous_page_has_the_policy_and_keeps_its_own_caching(client):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert policy(response) == expected_policy("ws://testserver")
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cache-Control"] == NEVER_CACHE  # the login view's own never_cache
    assert inline_scripts(response.content.decode()) == []


def test_api_answers_are_never_stored(api_client, client):
    answer = api_client.get("/api/v1/teams/")
    refused = client.get("/api/v1/teams/")

    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    assert refused.status_code == 401
    assert refused["Cache-Control"] == "no-store"


def test_health_checks_and_calendar_feeds_keep_their_own_caching(client, member, member_client):
    profile = schedule_actions.feed_regenerate(organization=member.organization, user=member.user, actor=Actor.system())
    feed_url = f"/calendar/{ical.feed_token(profile)}/on-call.ics"

    health = client.get("/healthz")
    feed = client.get(feed_url)
    feed_signed_in = member_client.get(feed_url)

    assert (health.status_code, health.get("Cache-Control")) == (200, None)
    assert (feed.status_code, feed["Cache-Control"]) == (200, "private, max-age=300")
    assert (feed_signed_in.status_code, feed_signed_in["Cache-Control"]) == (200, "private, max-age=300")


def test_a_signed_in_page_that_already_refuses_caching_keeps_its_header(member, member_client):
    response = member_client.get(f"/o/{member.organization.slug}/notifications/settings/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"].split(", ")


def test_the_api_docs_load_their_start_script_from_a_url(client):
    page = client.get("/api/docs/")
    html = page.content.decode()
    sources = re.findall(r'<script src="([^"]+)"', html)
    start = client.get(sources[-1])

    assert page.status_code == 200
    assert inline_scripts(html) == []
    assert [source.split("?")[0] for source in sources[:2]] == [
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js",
    ]
    assert start.status_code == 200
    assert start["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in start.content.decode()


def test_the_admin_sign_in_page_runs_no_inline_script(client):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert inline_scripts(response.content.decode()) == []
    assert policy(response)["script-src"] == ["'self'"]

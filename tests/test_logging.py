"""Logs a person can read (config/logging.py): one JSON object per line in production with the request id,
org and user of the request being served; each request logged once; emails never logged at WARNING."""

import asyncio
import json
import logging
from collections.abc import Iterator
from io import StringIO

import pytest
import structlog
from django.core import mail
from django.http import HttpResponse
from django.test import RequestFactory

from config.logging import RequestLogMiddleware, asgi_access_log, logging_config
from orgs.models import ApiToken

pytestmark = pytest.mark.django_db


class Captured:
    def __init__(self, stream: StringIO) -> None:
        self.stream = stream

    @property
    def lines(self) -> list[str]:
        return self.stream.getvalue().splitlines()

    @property
    def events(self) -> list[dict]:
        return [json.loads(line) for line in self.lines]


def capture(json_lines: bool) -> Iterator[Captured]:
    """What the root handler writes, formatted as settings.LOGGING formats it in production (or development)."""
    options = dict(logging_config(json_lines=json_lines, level="INFO")["formatters"]["structlog"])
    options.pop("()")
    stream = StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(**options))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield Captured(stream)
    finally:
        root.removeHandler(handler)


@pytest.fixture
def json_log() -> Iterator[Captured]:
    yield from capture(json_lines=True)


@pytest.fixture
def console_log() -> Iterator[Captured]:
    yield from capture(json_lines=False)


def test_a_page_is_logged_once_as_one_json_line_with_request_id_org_and_user(member_client, member, json_log):
    response = member_client.get("/o/acme/", HTTP_X_REQUEST_ID="req-42")

    [event] = json_log.events
    assert response.status_code == 200
    assert response["X-Request-ID"] == "req-42"
    assert {key: event[key] for key in event if key not in ("timestamp", "duration_ms")} == {
        "event": "request",
        "level": "info",
        "logger": "firebreak.request",
        "method": "GET",
        "path": "/o/acme/",
        "status": 200,
        "request_id": "req-42",
        "org": "acme",
        "user_id": member.user.pk,
    }
    assert event["timestamp"].endswith("Z")
    assert isinstance(event["duration_ms"], float)


def test_an_api_request_names_the_tokens_org_and_prefix_not_a_user(api_client, org, json_log):
    response = api_client.get("/api/v1/teams/")

    [event] = json_log.events
    assert response.status_code == 200
    assert (event["org"], event["status"], "user_id" in event) == ("acme", 200, False)
    assert event["api_token"] == ApiToken.objects.get(organization=org).prefix
    assert len(event["request_id"]) == 32  # none was sent: a fresh uuid4
    assert response["X-Request-ID"] == event["request_id"]


def test_a_mistyped_url_is_one_access_line_without_a_django_warning(client, json_log):
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="bad id with spaces")

    [event] = json_log.events
    assert response.status_code == 404
    assert (event["path"], event["status"], event["level"]) == ("/no-such-page/", 404, "info")
    assert "org" not in event
    assert "user_id" not in event
    assert event["request_id"] != "bad id with spaces"
    assert response["X-Request-ID"] == event["request_id"]


def test_records_written_while_serving_carry_the_request_id(rf: RequestFactory, json_log):
    def view(request):
        logging.getLogger("notifications.actions").warning("could not enqueue %d notification(s)", 3)
        return HttpResponse("ok")

    request = rf.get("/anything", HTTP_X_REQUEST_ID="abc-123")

    RequestLogMiddleware(view)(request)

    warning, access = json_log.events
    assert {key: warning[key] for key in ("event", "level", "logger", "request_id")} == {
        "event": "could not enqueue 3 notification(s)",
        "level": "warning",
        "logger": "notifications.actions",
        "request_id": "abc-123",
    }
    assert (access["event"], access["request_id"]) == ("request", "abc-123")
    logging.getLogger("after").info("outside any request")
    assert "request_id" not in json_log.events[-1]


def test_a_task_log_names_the_task(json_log):
    structlog.contextvars.bind_contextvars(task="orgs.tasks.invitation_send", task_id="t-1")
    try:
        logging.getLogger("orgs.actions").info("sending")
    finally:
        structlog.contextvars.unbind_contextvars("task", "task_id")

    [event] = json_log.events
    assert (event["task"], event["task_id"], event["event"]) == ("orgs.tasks.invitation_send", "t-1", "sending")


def test_development_lines_are_human_readable(member_client, console_log):
    member_client.get("/o/acme/")

    [line] = console_log.lines
    timestamp, rest = line.split(" ", 1)
    assert timestamp.endswith("Z")
    assert rest.startswith("[info     ] GET /o/acme/ 200 ")
    assert "ms" in rest.split("[firebreak.request]")[0]
    assert " org=acme " in rest


def test_without_a_mail_server_an_email_is_one_info_record_never_a_warning(settings, caplog, json_log):
    settings.EMAIL_BACKEND = "config.logging.EmailLogBackend"

    with caplog.at_level(logging.DEBUG):
        sent = mail.send_mail("Invited", "Open http://x.test/invitations/abc/", None, ["new@acme.test"])

    [event] = json_log.events
    assert sent == 1
    assert [(r.name, r.levelname) for r in caplog.records] == [("firebreak.email", "INFO")]
    assert (event["to"], event["subject"], event["body"]) == (
        "new@acme.test",
        "Invited",
        "Open http://x.test/invitations/abc/",
    )


def test_the_console_email_url_means_the_log_backend(monkeypatch):
    import importlib

    import config.settings

    monkeypatch.setenv("EMAIL_URL", "consolemail://")
    try:
        assert importlib.reload(config.settings).EMAIL_BACKEND == "config.logging.EmailLogBackend"
        monkeypatch.setenv("EMAIL_URL", "smtp://mail.example.com:587")
        assert importlib.reload(config.settings).EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
    finally:
        monkeypatch.undo()
        importlib.reload(config.settings)


def serve(app, path: str = "/integrations/generic/key/", headers: list | None = None) -> list[dict]:
    """One HTTP request through an ASGI app; the messages it sent."""
    sent: list[dict] = []
    scope = {"type": "http", "method": "POST", "path": path, "headers": headers or []}

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(asgi_access_log(app)(scope, receive, send))
    return sent


async def lean(scope, receive, send) -> None:
    """Answers before Django, as the alert-ingestion path does, and logs on the way."""
    logging.getLogger("alerting.inbound.asgi").warning("throttled")
    await send({"type": "http.response.start", "status": 429, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b"{}"})


def test_a_request_answered_before_django_is_logged_once_with_its_id(json_log):
    sent = serve(lean, headers=[(b"x-request-id", b"prom-7")])

    warning, access = json_log.events
    assert sent[0]["headers"] == [(b"content-type", b"application/json"), (b"x-request-id", b"prom-7")]
    assert (warning["event"], warning["request_id"]) == ("throttled", "prom-7")
    assert {key: access[key] for key in ("event", "method", "path", "status", "request_id")} == {
        "event": "request",
        "method": "POST",
        "path": "/integrations/generic/key/",
        "status": 429,
        "request_id": "prom-7",
    }
    logging.getLogger("after").info("outside any request")
    assert "request_id" not in json_log.events[-1]


def test_a_request_django_serves_is_left_to_the_middleware(json_log):
    async def django(scope, receive, send) -> None:
        request = RequestFactory().get("/healthz")
        request.scope = scope  # what ASGIRequest keeps
        response = RequestLogMiddleware(lambda request: HttpResponse("ok"))(request)
        await send({"type": "http.response.start", "status": response.status_code, "headers": []})

    sent = serve(django, path="/healthz")

    [access] = json_log.events
    assert sent[0]["headers"] == []  # the middleware sets X-Request-ID on Django's response itself
    assert (access["path"], len(access["request_id"])) == ("/healthz", 32)

"""Logging, configured in one place: every process (web, worker, beat, manage.py) logs through the standard
library into one handler formatted by structlog.

* production: one JSON object per line — timestamp, level, logger, event, and the request id, org slug and
  user id (or API token prefix) of the request being served, or the Celery task being run;
* development (`make run`): the same records, human-readable.

Each request is logged once, by `RequestLogMiddleware` (the servers' own access logs are off), or by
`asgi_access_log` for the requests answered before Django (the lean alert-ingestion path); every log record
written while a request is served carries its request id.
"""

import logging
import os
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from contextvars import ContextVar
from typing import Any

import structlog
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's (or proxy's) request id is kept when it is a plain token; anything else gets a fresh one.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_current_request: ContextVar[HttpRequest | None] = ContextVar("firebreak_request", default=None)

# The `extra={...}` fields of standard-library records that become fields of the event.
EXTRA_FIELDS = ["method", "path", "status", "duration_ms", "to", "subject", "body"]
access_logger = logging.getLogger("firebreak.request")
# Path segments that are secrets (an integration's key, a calendar feed's token, an invitation or password-reset
# link): the request log keeps the route, never the secret (docs/security.md, "Secrets").
SECRET_PATH = re.compile(
    r"^(/integrations/(?:alertmanager|grafana|webhook)/|/calendar/|/invitations/|/accounts/reset/[^/]+/)[^/]+"
)
email_logger = logging.getLogger("firebreak.email")


def loggable_path(path: str) -> str:
    """The path as the request log writes it: a secret segment becomes "[secret]"."""
    return SECRET_PATH.sub(r"\1[secret]", path)


def request_id_for(incoming: str) -> str:
    """The caller's (or proxy's) request id when it is a plain token, else a fresh one."""
    return incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def _loaded_user(request: HttpRequest) -> Any:
    """The request's user if something already loaded it (never a query just for the log line)."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        wrapped = user._wrapped
        return None if wrapped is empty else wrapped
    return user


def request_fields(request: HttpRequest) -> dict[str, Any]:
    """request_id, org and user_id (or api_token) of a request, those that are known."""
    fields: dict[str, Any] = {"request_id": getattr(request, "request_id", None)}
    organization = getattr(request, "organization", None)
    token = getattr(request, "auth", None)  # DRF copies the authenticated API token onto the Django request
    if organization is None:
        organization = getattr(token, "organization", None)
    if organization is not None:
        fields["org"] = organization.slug
    user = _loaded_user(request)
    if getattr(user, "is_authenticated", False) and getattr(user, "pk", None) is not None:
        fields["user_id"] = user.pk
    if getattr(token, "prefix", None):
        fields["api_token"] = token.prefix
    return {key: value for key, value in fields.items() if value is not None}


def add_request_context(logger: Any, method_name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: the fields of the request being served, read when the record is written (the org
    and the user are known only once the view resolved them)."""
    request = _current_request.get()
    if request is not None:
        for key, value in request_fields(request).items():
            event_dict.setdefault(key, value)
    return event_dict


class RequestLogMiddleware:
    """Give each request an id (kept from X-Request-ID when sane, echoed back) and log it once when answered."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        scope = getattr(request, "scope", None)  # under ASGI: asgi_access_log chose the id already
        if scope is not None and "firebreak.request_id" in scope:
            request.request_id = scope["firebreak.request_id"]
            scope["firebreak.logged"] = True  # this request gets its line here, not there
        else:
            request.request_id = request_id_for(request.headers.get(REQUEST_ID_HEADER, ""))
        token = _current_request.set(request)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request.request_id
            access_logger.info(
                "request",
                extra={
                    "method": request.method,
                    "path": loggable_path(request.path),
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            _current_request.reset(token)


ASGIApp = Callable[[dict[str, Any], Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Awaitable[None]]


def asgi_access_log(app: ASGIApp) -> ASGIApp:
    """Log the HTTP requests that are answered before Django's middleware (alerting/inbound/asgi.py), once,
    with a request id sent back as X-Request-ID; the requests Django serves are logged by RequestLogMiddleware."""

    async def application(scope: dict[str, Any], receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        incoming = next((value for name, value in scope["headers"] if name == b"x-request-id"), b"")
        request_id = request_id_for(incoming.decode("latin-1"))
        scope["firebreak.request_id"] = request_id
        status = 0

        async def send_with_id(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start" and not scope.get("firebreak.logged"):
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", request_id.encode())]}
            await send(message)

        tokens = structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await app(scope, receive, send_with_id)
            if not scope.get("firebreak.logged"):
                access_logger.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": loggable_path(scope["path"]),
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    },
                )
        finally:
            structlog.contextvars.reset_contextvars(**tokens)

    return application


def _readable_access_line(logger: Any, method_name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Development: an access line reads "GET /o/demo/ 200 12.5ms" instead of a list of fields."""
    if event_dict.get("logger") == access_logger.name and event_dict.get("event") == "request":
        method, path, status = (event_dict.pop(key, "") for key in ("method", "path", "status"))
        event_dict["event"] = f"{method} {path} {status} {event_dict.pop('duration_ms', '')}ms"
    return event_dict


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        add_request_context,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def logging_config(*, json_lines: bool, level: str) -> dict[str, Any]:
    """The LOGGING dict of settings.py, and structlog configured to write through it."""
    shared = _shared_processors()
    logging.captureWarnings(True)  # Python warnings become records of logger "py.warnings", formatted like the rest
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    renderer = (
        [structlog.processors.dict_tracebacks, structlog.processors.JSONRenderer()]
        if json_lines
        else [_readable_access_line, structlog.dev.ConsoleRenderer(colors=False)]
    )
    return {
        "version": 1,
        # Replaces Django's default configuration instead of adding to it: its own console handler on the
        # "django" logger is what printed every runserver line twice.
        "disable_existing_loggers": False,
        "formatters": {
            "structlog": {
                "()": structlog.stdlib.ProcessorFormatter,
                "foreign_pre_chain": [*shared, structlog.stdlib.ExtraAdder(allow=EXTRA_FIELDS)],
                "processors": [structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer],
            }
        },
        "filters": {"no_beat_ticks": {"()": "config.logging.NoBeatTicks"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structlog"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Every logger propagates to the root's one handler: none has a handler of its own.
            "django": {"handlers": [], "level": level, "propagate": True},
            # 4xx answers are in the access line already; 5xx keep their traceback here.
            "django.request": {"level": "ERROR"},
            "django.server": {"level": "ERROR"},
            # daphne's `runserver` access log: replaced by RequestLogMiddleware's line.
            "django.channels.server": {"level": "ERROR"},
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": True},
            # A line per task received and done and per beat tick (the sweepers run every few seconds) would
            # bury everything else; failures are still logged at ERROR, beat's start and errors are kept.
            "celery.beat": {"filters": ["no_beat_ticks"]},
            "celery.worker.strategy": {"level": "WARNING"},
            "celery.app.trace": {"level": "WARNING"},
            # httpx logs every request with its URL at INFO: chat and webhook URLs carry their secret tokens.
            "httpx": {"level": "WARNING"},
        },
    }


def startup_formatter() -> logging.Formatter:
    """The formatter of config/uvicorn-logging.json (`uvicorn --log-config`): uvicorn's supervisor logs before
    any Django settings are loaded, in the same format (FIREBREAK_LOG_FORMAT, JSON unless `console`)."""
    json_lines = os.environ.get("FIREBREAK_LOG_FORMAT", "json") != "console"
    options = dict(logging_config(json_lines=json_lines, level="INFO")["formatters"]["structlog"])
    return options.pop("()")(**options)


class NoBeatTicks(logging.Filter):
    """Drops Celery beat's "Scheduler: Sending due task ..." line, written for every tick of every schedule."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Scheduler: Sending due task")


class EmailLogBackend(BaseEmailBackend):
    """The email backend when no EMAIL_URL is configured: each message is one INFO log record (recipients,
    subject, body), so a development invitation link can be read in the log — never a WARNING, and never a
    message printed raw across many lines of a JSON log."""

    def send_messages(self, email_messages: Iterable[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            email_logger.info(
                "email not sent (no EMAIL_URL): logged instead",
                extra={"to": ", ".join(message.recipients()), "subject": message.subject, "body": message.body},
            )
            sent += 1
        return sent

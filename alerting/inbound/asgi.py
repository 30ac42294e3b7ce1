"""The lean ASGI path of the alert-event endpoints: answered before Django's middleware and URL resolver.

Why: ingestion must take well over a thousand events a second on two cores, and Django's request cycle
under ASGI (eleven sync middleware, each request hopping to a worker thread and back) costs more than that
budget before a view runs — GET /healthz through it peaks near 700 req/s on the benchmark machine. Here a
POST to an alert-event endpoint is read, validated and authenticated on the event loop, with the same
protocol and the same answers as the Django views (alerting/inbound/handling.py), and its events go to the
process's group-commit batcher (alerting/batcher.py), which answers 202 only after the commit.

What the middleware did that matters here is kept: the Host header is checked against ALLOWED_HOSTS (a
bad one is passed to Django, which answers its 400), and the security headers are set. What the lean path
adds: the integration key lookup is cached for a few seconds (selectors.INTEGRATION_KEY_CACHE_SECONDS) and
rate-limit hits are counted in the process (alerting/ratelimit.py). Everything else — other methods, the
change-event endpoint, every other URL — goes to Django unchanged.
"""

import asyncio
import functools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.http.request import split_domain_port, validate_host
from django.utils.http import parse_header_parameters

from alerting import batcher, ratelimit, selectors
from alerting.inbound import MAX_BODY_BYTES, InboundError, parse_json
from alerting.inbound.handling import (
    Format,
    Refused,
    Reply,
    check_headers,
    check_integration,
    check_size,
    route,
    throttled,
)
from alerting.models import Integration

logger = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HEALTHZ_PATH = "/integrations/healthz"


class _Disconnected(Exception):
    """The client went away before its body arrived: there is nobody to answer."""


def _headers(scope: Scope) -> dict[bytes, str]:
    """Request headers by lower-case name; repeated headers joined with commas, as Django does."""
    headers: dict[bytes, str] = {}
    for name, value in scope["headers"]:
        text = value.decode("latin-1")
        headers[name] = f"{headers[name]},{text}" if name in headers else text
    return headers


def _host_allowed(headers: dict[bytes, str]) -> bool:
    """The Host header passes ALLOWED_HOSTS (Django's own check; DEBUG's localhost default included)."""
    host = headers.get(b"host")
    if not host:
        return False
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    domain, _ = split_domain_port(host)
    return bool(domain) and validate_host(domain, allowed)


def _response_headers(body: bytes, retry_after: int) -> list[tuple[bytes, bytes]]:
    """What Django's security and clickjacking middleware would add, plus the JSON ones."""
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append((b"x-content-type-options", b"nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        headers.append((b"referrer-policy", str(settings.SECURE_REFERRER_POLICY).encode()))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append((b"cross-origin-opener-policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY.encode()))
    headers.append((b"x-frame-options", settings.X_FRAME_OPTIONS.encode()))
    if retry_after:
        headers.append((b"retry-after", str(retry_after).encode()))
    return headers


async def _send_reply(send: Send, reply: Reply) -> None:
    body = json.dumps(reply.body).encode()
    headers = _response_headers(body, reply.retry_after)
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Receive) -> bytes:
    """The body, at most one byte past the limit (the rest is never read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BODY_BYTES or not message.get("more_body", False):
            return b"".join(chunks)[: MAX_BODY_BYTES + 1]


def _closing_connection(function: Callable[..., Any], /, **kwargs: Any) -> Any:
    """Run a blocking call on a pool thread and give back any database connection it opened."""
    try:
        return function(**kwargs)
    finally:
        connection.close()


async def _in_thread(function: Callable[..., Any], /, **kwargs: Any) -> Any:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, functools.partial(_closing_connection, function, **kwargs))


async def _integration(key: Any, kind: str) -> Integration:
    """The enabled integration of this kind for the key (cached lookup), within its rate limit."""
    integration = None
    if isinstance(key, str):
        found, integration = selectors.integration_for_key_cached(key=key)
        if not found:
            integration = await _in_thread(selectors.integration_for_key_remember, key=key)
    integration = check_integration(integration, kind)
    scope = ratelimit.integration_scope(integration.uuid)
    limit = integration.rate_limit_per_minute
    retry_after = ratelimit.ratelimit_hit_local(scope=scope, limit=limit)
    if retry_after is None:
        retry_after = await _in_thread(ratelimit.ratelimit_sync, scope=scope, limit=limit)
    if retry_after:
        raise throttled(retry_after)
    return integration


async def _receive_events(fmt: Format, key: str | None, headers: dict[bytes, str], receive: Receive) -> Reply:
    """Check, authenticate, parse, then store through the batcher; the Django view's flow, on the event loop."""
    try:
        content_type, _ = parse_header_parameters(headers.get(b"content-type", ""))
        check_headers(content_type, headers.get(b"content-length"))
        if fmt.key_in_body:
            raw = await _read_body(receive)
            check_size(raw)
            body = parse_json(raw)
            events = fmt.parse(None, body)
            integration = await _integration(body["routing_key"], fmt.kind)
        else:
            integration = await _integration(key, fmt.kind)
            raw = await _read_body(receive)
            check_size(raw)
            events = fmt.parse(integration, parse_json(raw))
    except Refused as refused:
        return fmt.refusal(refused)
    except InboundError as error:
        return fmt.invalid(error)
    if events:
        try:
            await batcher.batcher().submit([(integration, event) for event in events])
        except batcher.Overloaded:
            logger.warning("inbound writer is behind; refused %s events of integration %s", len(events), integration.pk)
            return fmt.failed(events)
        except batcher.StoreFailed:
            return fmt.failed(events)
    return fmt.accepted(events)


def inbound_application(django_app: ASGIApp) -> ASGIApp:
    """Wrap Django's ASGI app: alert-event POSTs (and GET /integrations/healthz) are answered here."""

    async def application(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("POST", "GET"):
            path = scope["path"]
            root = scope.get("root_path") or ""
            if root and path.startswith(root):
                path = path[len(root) :]
            if scope["method"] == "GET":
                target = None
                if path == HEALTHZ_PATH and _host_allowed(_headers(scope)):
                    await _send_reply(send, Reply(200, {"status": "ok"}))
                    return
            else:
                target = route(path)
            if target is not None:
                headers = _headers(scope)
                if _host_allowed(headers):
                    fmt, key = target
                    try:
                        reply = await _receive_events(fmt, key, headers, receive)
                    except _Disconnected:
                        return
                    except Exception:  # never a 500, never a 202: the sender retries
                        logger.exception("inbound request to %s failed", path)
                        reply = fmt.failed([])
                    await _send_reply(send, reply)
                    return
        await django_app(scope, receive, send)

    return application

"""Refuse, before any view runs, the input no view should ever see: NUL characters in a URL or a form.

PostgreSQL cannot store or even compare a string holding a NUL (0x00) character: a `%00` in a slug,
a filter or a search box would reach a query and fail as a 500. No legitimate client sends one, so
`RejectUnsafeInputMiddleware` answers 400 for any NUL in the path, in a query parameter (name or
value) or in a form field of a page, naming where it was:
- under /api/ and /integrations/, the API's error body (`{"error": {"status", "code", "message",
  "fields"}}`, the shape of orgs.api.errors);
- elsewhere, the app's 400 page with the same message.
JSON bodies are checked by core.parsers.JSONParser (the API) and core.safejson (inbound alerts).

Under /api/ a query parameter value longer than core.limits.QUERY_VALUE_MAX_CHARS is answered 400 here too,
naming the parameter (the schema gives every string parameter that maxLength).

A page's form body over DATA_UPLOAD_MAX_MEMORY_SIZE (or with more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields)
is answered here too: 413 with the limit in the message (Django would raise while this middleware reads it).

It is also the safety net for a value the database refuses (`django.db.DataError`: a string longer than
its column, a number out of range) that validation let through: that is answered as a 400 too and logged
as an error, since it means a form or serializer lacks a bound.

Two response headers are set here too (docs/security.md, "Headers and production settings"):
`NoStoreMiddleware` keeps signed-in pages and API answers out of every cache, and
`SameOriginWebsocketMiddleware` lets the Content-Security-Policy connect the page's websockets to its own
host only.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig, TooManyFieldsSent
from django.db import DataError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from core.limits import QUERY_VALUE_MAX_CHARS
from core.safejson import NUL_MESSAGE

logger = logging.getLogger(__name__)

JSON_PREFIXES = ("/api/", "/integrations/")
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
INVALID_MESSAGE = "The request is invalid."
DATA_ERROR_MESSAGE = "A value is out of range or too long to store."


def _nul_field(request: HttpRequest) -> str | None:
    """Where the request carries a NUL character ("path", a parameter's name), or None."""
    if "\x00" in request.path or "\x00" in request.path_info:
        return "path"
    sources = [request.GET]
    if (
        request.method == "POST"
        and request.content_type in FORM_CONTENT_TYPES
        and not request.path.startswith(JSON_PREFIXES)
    ):
        sources.append(request.POST)
    for source in sources:
        for name, values in source.lists():
            if "\x00" in name:
                return name.replace("\x00", "\\x00")
            if any("\x00" in value for value in values if isinstance(value, str)):
                return name
    return None


def _too_long_parameter(request: HttpRequest) -> tuple[str, int] | None:
    """An API query parameter with a value over QUERY_VALUE_MAX_CHARS, and that value's length; or None."""
    if not request.path.startswith("/api/"):
        return None
    for name, values in request.GET.lists():
        for value in values:
            if len(value) > QUERY_VALUE_MAX_CHARS:
                return name, len(value)
    return None


def bad_request(
    request: HttpRequest, message: str, fields: dict[str, list[str]] | None = None, *, status: int = 400
) -> HttpResponse:
    """A 4xx in the form the caller reads: the API error body for JSON routes, the error page otherwise."""
    if request.path.startswith(JSON_PREFIXES):
        code = "invalid" if status == 400 else "too_large"
        body = {"error": {"status": status, "code": code, "message": message, "fields": fields or {}}}
        return JsonResponse(body, status=status)
    return render(request, "400.html", {"message": message, "fields": fields or {}}, status=status)


class RejectUnsafeInputMiddleware:
    """Answer 400 for NUL characters anywhere in a URL or a page's form, and for a value the database refuses."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            field = _nul_field(request)
        except RequestDataTooBig:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return bad_request(request, f"The form is larger than the limit of {limit:,} bytes.", status=413)
        except TooManyFieldsSent:
            limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
            return bad_request(request, f"The form has more than the limit of {limit:,} fields.", status=413)
        if field is not None:
            return bad_request(request, f"{field}: {NUL_MESSAGE}", {field: [NUL_MESSAGE]})
        too_long = _too_long_parameter(request)
        if too_long is not None:
            name, length = too_long
            message = f"Ensure this value has at most {QUERY_VALUE_MAX_CHARS} characters (it has {length})."
            return bad_request(request, f"{name}: {message}", {name: [message]})
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DataError):
            return None
        logger.error("the database refused a value validation let through", exc_info=exception)
        return bad_request(request, DATA_ERROR_MESSAGE)


# Routes that set their own caching: public calendar feeds (private, max-age=300) and static files.
CACHE_EXEMPT_PREFIXES = ("/calendar/",)
API_PREFIX = "/api/v1/"


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every answer for a signed-in person and on every API answer: they carry
    personal data that no browser, proxy or back button may keep. Anonymous pages, health checks, static files
    and calendar feeds keep their own caching."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        path = request.path_info
        if path.startswith((*CACHE_EXEMPT_PREFIXES, "/" + settings.STATIC_URL.lstrip("/"))):
            return response
        user = getattr(request, "user", None)
        personal = path.startswith(API_PREFIX) or (user is not None and user.is_authenticated)
        if personal and "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "no-store"
        return response


class SameOriginWebsocketMiddleware:
    """Add the page's own websocket origin (ws://host, wss://host behind https) to the CSP's connect-src: live
    pages reach Channels there, and a script cannot open a websocket anywhere else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        try:
            host = request.get_host()
        except DisallowedHost:
            return response
        origin = f"{'wss' if request.is_secure() else 'ws'}://{host}"
        update = dict(getattr(response, "_csp_update", None) or {})
        update["connect-src"] = [*update.get("connect-src", []), origin]
        response._csp_update = update  # read by csp.middleware.CSPMiddleware
        return response

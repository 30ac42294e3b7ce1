"""The API's JSON parser: bounded in size and depth, strict, and refusing what PostgreSQL cannot store.

DRF reads the request stream itself, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE never applies to a JSON
body: this parser reads at most `limits.JSON_MAX_BODY_BYTES` + 1 bytes, whatever Content-Length says.
Every refusal is a 4xx in the standard error body, and happens before any view code runs:
- a body over the size limit: 413 `too_large`, the limit in the message;
- invalid JSON, NaN/Infinity, nesting past `limits.MAX_NESTING_DEPTH`: 400 `parse_error`, the reason
  (and the limit) in the message;
- a NUL character or an unpaired surrogate in any string, keys included: 400 `invalid`, naming the
  field by its dotted path (`labels.env`) as a serializer would.
"""

from typing import Any

from rest_framework import exceptions, parsers, status

from core import limits, safejson


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body is larger than the limit of {limit:,} bytes.")


def declared_length(meta: dict[str, Any]) -> int:
    """The Content-Length a client declared (0 when absent or not a number)."""
    try:
        return max(int(meta.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def read_bounded(stream: Any, parser_context: dict | None, limit: int) -> bytes:
    """The body, read at most one byte past `limit` whatever Content-Length says; PayloadTooLarge past it."""
    request = (parser_context or {}).get("request")
    if request is not None and declared_length(request.META) > limit:
        raise too_large(limit)
    raw = stream.read(limit + 1)
    if len(raw) > limit:
        raise too_large(limit)
    return raw


class BoundedTextParser(parsers.BaseParser):
    """A text body (a catalog-info.yaml) as a string, at most `max_body_bytes`; subclasses set `media_type`."""

    media_type = "text/plain"
    max_body_bytes = limits.YAML_MAX_BYTES

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> str:
        raw = read_bounded(stream, parser_context, self.max_body_bytes)
        return raw.decode((parser_context or {}).get("encoding") or "utf-8", errors="replace")


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a size limit, a depth limit and database-safe strings (see module docstring)."""

    max_body_bytes = limits.JSON_MAX_BODY_BYTES
    max_depth = limits.MAX_NESTING_DEPTH

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        raw = read_bounded(stream, parser_context, self.max_body_bytes)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise exceptions.ParseError(f"JSON parse error - the body is not valid UTF-8 (byte {exc.start}).") from None
        try:
            data = safejson.loads(text, max_depth=self.max_depth)
        except safejson.JSONRefused as exc:
            raise exceptions.ParseError(
                f"JSON parse error - {exc}." if exc.too_deep else f"JSON parse error - {exc.detail}"
            ) from None
        if safejson.UNSTORABLE_ESCAPE.search(text):
            problem = safejson.unstorable(data)
            if problem is not None:
                field, message = problem
                raise exceptions.ValidationError({field: [message]})
        return data

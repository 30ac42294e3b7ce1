"""Inbound formats: pure functions turning a monitoring tool's JSON body into InboundEvents.

Each format module has `parse(body) -> list[InboundEvent]` (webhook: `parse(body, paths)`) and raises
`InboundError` (a ValidationError with a list of messages) for a body it cannot accept.
Nothing here touches the database, so a 4xx always means nothing was stored.
"""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError

from core import limits, safejson

MAX_BODY_BYTES = 512 * 1024
MAX_DEPTH = limits.MAX_NESTING_DEPTH
MAX_LABELS = 64
MAX_LABEL_KEY = 100
MAX_LABEL_VALUE = 500
MAX_DEDUP_KEY = 255


SEVERITY_ALIASES = {
    "critical": "critical",
    "error": "error",
    "high": "error",
    "warning": "warning",
    "warn": "warning",
    "info": "info",
    "none": "info",
    "low": "info",
}


class InboundError(ValidationError):
    """A body a format cannot accept; `.messages` lists what is wrong, in words the sender can act on."""


def parse_json(raw: bytes | str) -> Any:
    """Decode a body as strict UTF-8 JSON (no NaN/Infinity, bounded depth) that PostgreSQL can store as is.

    NULs and unpaired surrogates are dropped from the strings rather than refused: a monitoring tool's
    payload is evidence, and one odd label must not lose the alert.
    """
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InboundError([f"Body is not valid UTF-8 (byte {exc.start})."]) from None
    else:
        text = raw
    if not text.strip():
        raise InboundError(["Body is empty; send a JSON object."])
    try:
        value = safejson.loads(text, max_depth=MAX_DEPTH)
    except safejson.JSONRefused as exc:
        raise InboundError([f"Body is {exc}." if exc.too_deep else f"Body is {exc}"]) from None
    return safejson.clean(value) if safejson.UNSTORABLE_ESCAPE.search(text) else value


def canonical_json(value: Any) -> str:
    """One stable text for a JSON value (sorted keys, no spaces, ASCII): the input of content hashes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def content_hash(value: Any) -> str:
    """A dedup key for content that carries none: SHA-256 of its canonical JSON."""
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


def bounded_key(key: str) -> str:
    """A dedup key that fits the column: long keys are hashed rather than truncated (no collisions)."""
    return key if len(key) <= MAX_DEDUP_KEY else hashlib.sha256(key.encode()).hexdigest()


def text_of(value: Any) -> str:
    """A JSON value as display text: strings as they are, other values as compact JSON, null as ''."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def severity_of(value: Any, default: str = "error") -> str:
    """Map a tool's severity word (critical, high, warn, low, …) to ours; unknown words give `default`."""
    if not isinstance(value, str):
        return default
    return SEVERITY_ALIASES.get(value.strip().lower(), default)


def http_link(value: Any) -> str:
    """The value if it is an http(s) URL that fits the column, else '' (no javascript: links in the UI)."""
    if isinstance(value, str) and value.startswith(("https://", "http://")) and len(value) <= 1000:
        return value
    return ""


def timestamp_of(value: Any) -> datetime | None:
    """An ISO 8601 / RFC 3339 text as an aware UTC datetime; None if absent, unparseable or Go's zero time."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        parsed = parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    if parsed.year <= 1:
        return None
    return parsed


def flatten_labels(value: Any, prefix: str = "", into: dict[str, str] | None = None) -> dict[str, str]:
    """Nested JSON as flat string labels: {"a": {"b": [1]}} → {"a.b.0": "1"}, bounded in count and size."""
    labels: dict[str, str] = {} if into is None else into
    _flatten(value, prefix, labels, 0)
    return labels


def _flatten(value: Any, prefix: str, labels: dict[str, str], depth: int) -> None:
    """Walk `value` into `labels`, at most four levels deep (deeper parts become JSON text)."""
    if len(labels) >= MAX_LABELS:
        return
    if isinstance(value, dict | list) and value and depth < 4:
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), labels, depth + 1)
        return
    if prefix:
        labels[prefix[:MAX_LABEL_KEY]] = text_of(value)[:MAX_LABEL_VALUE]

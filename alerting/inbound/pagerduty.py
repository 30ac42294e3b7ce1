"""PagerDuty Events API v2: alert events (trigger/acknowledge/resolve) and change events, validated as
PagerDuty validates them, with PagerDuty's error messages."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from alerting.events import InboundEvent
from alerting.inbound import InboundError, flatten_labels, http_link, timestamp_of

ACTIONS = ("trigger", "acknowledge", "resolve")
SEVERITIES = ("critical", "error", "warning", "info")
ROUTING_KEY_LENGTH = 32
MAX_SUMMARY = 1024
MAX_DEDUP_KEY = 255


@dataclass(frozen=True)
class ChangeEvent:
    summary: str
    source: str = ""
    timestamp: datetime | None = None
    link: str = ""
    custom_details: Any = None
    payload: dict[str, Any] = field(default_factory=dict)


def _blank(value: Any) -> bool:
    """Missing, null or only whitespace, as PagerDuty counts it."""
    return value is None or (isinstance(value, str) and not value.strip())


def _check_routing_key(body: dict[str, Any], errors: list[str]) -> None:
    """PagerDuty routing key rules: present, a string, 32 characters."""
    key = body.get("routing_key")
    if _blank(key):
        errors.append("'routing_key' is missing or blank")
    elif not isinstance(key, str):
        errors.append("'routing_key' must be a string")
    elif len(key) != ROUTING_KEY_LENGTH:
        errors.append(f"Length of 'routing_key' is incorrect (should be {ROUTING_KEY_LENGTH} characters)")


def _optional_string(container: dict[str, Any], name: str, label: str, errors: list[str]) -> str:
    """An optional text field: absent or null gives "", another type is an error."""
    value = container.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.append(f"'{label}' must be a string")
        return ""
    return value


def _summary(payload: dict[str, Any], errors: list[str]) -> str:
    """payload.summary: required, text, at most 1024 characters."""
    summary = payload.get("summary")
    if _blank(summary):
        errors.append("'payload.summary' is missing or blank")
    elif not isinstance(summary, str):
        errors.append("'payload.summary' must be a string")
    elif len(summary) > MAX_SUMMARY:
        errors.append(f"'payload.summary' is too long (maximum is {MAX_SUMMARY} characters)")
    else:
        return summary
    return ""


def _timestamp(payload: dict[str, Any], errors: list[str]) -> datetime | None:
    """payload.timestamp: optional ISO 8601, as an aware UTC datetime."""
    value = payload.get("timestamp")
    if value is None:
        return None
    parsed = timestamp_of(value)
    if parsed is None:
        errors.append("'payload.timestamp' is invalid (use ISO 8601, e.g. 2015-07-17T08:42:58.315+0000)")
    return parsed


def _first_link(body: dict[str, Any], errors: list[str]) -> str:
    """Check `links` and return the first href if it is an http(s) URL."""
    links = body.get("links")
    if links is None:
        return ""
    if not isinstance(links, list) or not all(
        isinstance(link, dict) and isinstance(link.get("href"), str) for link in links
    ):
        errors.append("'links' must be an array of objects with a string 'href'")
        return ""
    return http_link(links[0]["href"]) if links else ""


def _check_images(body: dict[str, Any], errors: list[str]) -> None:
    """Check `images`: an array of objects each with a string `src`."""
    images = body.get("images")
    if images is None:
        return
    if not isinstance(images, list) or not all(
        isinstance(image, dict) and isinstance(image.get("src"), str) for image in images
    ):
        errors.append("'images' must be an array of objects with a string 'src'")


def _labels(payload: dict[str, Any], errors: list[str]) -> dict[str, str]:
    """custom_details flattened, then component/group/class (which win on a clash)."""
    details = payload.get("custom_details")
    labels: dict[str, str] = {}
    if isinstance(details, dict):
        flatten_labels(details, "", labels)
    elif details is not None:
        flatten_labels(details, "custom_details", labels)
    for name in ("component", "group", "class"):
        value = _optional_string(payload, name, f"payload.{name}", errors)
        if value:
            labels[name] = value
    return labels


def parse(body: Any) -> list[InboundEvent]:
    """One Events API v2 alert event; a trigger without dedup_key gets a generated one (uuid4 hex)."""
    if not isinstance(body, dict):
        raise InboundError(["Event object must be a JSON object"])
    errors: list[str] = []
    _check_routing_key(body, errors)
    action = body.get("event_action")
    if _blank(action):
        errors.append("'event_action' is missing or blank")
    elif action not in ACTIONS:
        errors.append("'event_action' is invalid (must be one of trigger, acknowledge, resolve)")
    dedup_key = body.get("dedup_key")
    if dedup_key is not None and not isinstance(dedup_key, str):
        errors.append("'dedup_key' must be a string")
        dedup_key = None
    elif isinstance(dedup_key, str) and len(dedup_key) > MAX_DEDUP_KEY:
        errors.append(f"'dedup_key' is too long (maximum is {MAX_DEDUP_KEY} characters)")
    for name in ("client", "client_url"):
        _optional_string(body, name, name, errors)
    _check_images(body, errors)
    link = _first_link(body, errors)
    summary, source, severity, timestamp, labels = "", "", "error", None, {}
    if action == "trigger":
        payload = body.get("payload")
        if not isinstance(payload, dict):
            errors.append("'payload' is missing or not an object")
        else:
            summary = _summary(payload, errors)
            source = payload.get("source")
            if _blank(source):
                errors.append("'payload.source' is missing or blank")
            elif not isinstance(source, str):
                errors.append("'payload.source' must be a string")
            severity = payload.get("severity")
            if _blank(severity):
                errors.append("'payload.severity' is missing or blank")
            elif severity not in SEVERITIES:
                errors.append("'payload.severity' is invalid (must be one of critical, error, warning, info)")
            timestamp = _timestamp(payload, errors)
            labels = _labels(payload, errors)
    elif action in ACTIONS and _blank(dedup_key):
        errors.append("'dedup_key' is missing or blank")
    if errors:
        raise InboundError(errors)
    if _blank(dedup_key):
        dedup_key = uuid.uuid4().hex
    stored = {k: v for k, v in body.items() if k != "routing_key"}  # the key is a secret; never store it
    return [
        InboundEvent(
            action=action,
            dedup_key=dedup_key,
            summary=summary,
            severity=severity if action == "trigger" else "error",
            source=source if isinstance(source, str) else "",
            labels=labels,
            link=link,
            timestamp=timestamp,
            payload=stored,
        )
    ]


def parse_change(body: Any) -> ChangeEvent:
    """One Events API v2 change event (a deploy, a build, a config change): summary required."""
    if not isinstance(body, dict):
        raise InboundError(["Event object must be a JSON object"])
    errors: list[str] = []
    _check_routing_key(body, errors)
    payload = body.get("payload")
    summary, source, timestamp = "", "", None
    if not isinstance(payload, dict):
        errors.append("'payload' is missing or not an object")
    else:
        summary = _summary(payload, errors)
        source = _optional_string(payload, "source", "payload.source", errors)
        timestamp = _timestamp(payload, errors)
    _check_images(body, errors)
    link = _first_link(body, errors)
    if errors:
        raise InboundError(errors)
    return ChangeEvent(
        summary=summary,
        source=source,
        timestamp=timestamp,
        link=link,
        custom_details=payload.get("custom_details"),
        payload={k: v for k, v in body.items() if k != "routing_key"},
    )

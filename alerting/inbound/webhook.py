"""Generic JSON webhook: the integration's dot paths pick title, dedup key, severity, status and link
out of any JSON body. `extract` and `preview` also serve the live preview on the integration form."""

import re
from collections.abc import Mapping
from typing import Any

from alerting.events import InboundEvent
from alerting.inbound import InboundError, bounded_key, content_hash, http_link, severity_of, text_of

PATH_FIELDS = ("title_path", "dedup_key_path", "severity_path", "status_path", "link_path")
DEFAULT_TITLE = "Webhook alert"
RESOLVE_WORDS = frozenset({"resolved", "resolve", "ok", "inactive", "false"})
ACKNOWLEDGE_WORDS = frozenset({"acknowledged", "acknowledge", "ack"})
_BRACKET_INDEX = re.compile(r"\[(-?\d+)\]")


def split_path(path: str) -> list[str]:
    """`$.alerts[0].labels.name` or `alerts.0.labels.name` → ['alerts', '0', 'labels', 'name']; '' or '$' → []."""
    path = (path or "").strip()
    if path.startswith("$"):
        path = path[1:]
    path = _BRACKET_INDEX.sub(r".\1", path).strip(".")
    return [segment for segment in path.split(".") if segment] if path else []


def extract(body: Any, path: str) -> Any:
    """The value at a dot path (list indexes as numbers, optional leading `$.`), or None where it is absent."""
    value = body
    for segment in split_path(path):
        if isinstance(value, dict):
            if segment not in value:
                return None
            value = value[segment]
        elif isinstance(value, list):
            try:
                value = value[int(segment)]
            except (ValueError, IndexError):
                return None
        else:
            return None
    return value


def paths_of(integration_like: Any) -> dict[str, str]:
    """The five paths of an Integration, a form's cleaned_data or any mapping/object carrying them."""
    if isinstance(integration_like, Mapping):
        return {name: str(integration_like.get(name) or "") for name in PATH_FIELDS}
    return {name: str(getattr(integration_like, name, "") or "") for name in PATH_FIELDS}


def _from_path(body: Any, path: str) -> Any:
    """The value at `path`, or None when the integration leaves that path empty."""
    return extract(body, path) if path.strip() else None


def action_of(value: Any) -> str:
    """A status value as an action: resolved/ok/inactive/false resolve, acknowledged/ack acknowledge, else trigger."""
    word = text_of(value).strip().lower()
    if word in RESOLVE_WORDS:
        return "resolve"
    if word in ACKNOWLEDGE_WORDS:
        return "acknowledge"
    return "trigger"


def parse(body: Any, paths: Any) -> list[InboundEvent]:
    """One event from a JSON object or array, read through the integration's paths."""
    if not isinstance(body, dict | list):
        raise InboundError(["Body must be a JSON object or array."])
    chosen = paths_of(paths)
    title = text_of(_from_path(body, chosen["title_path"])).strip()
    dedup_key = text_of(_from_path(body, chosen["dedup_key_path"])).strip()
    return [
        InboundEvent(
            action=action_of(_from_path(body, chosen["status_path"])),
            dedup_key=bounded_key(dedup_key) if dedup_key else content_hash(body),
            summary=title or DEFAULT_TITLE,
            severity=severity_of(_from_path(body, chosen["severity_path"])),
            link=http_link(_from_path(body, chosen["link_path"])),
            payload=body if isinstance(body, dict) else {"body": body},
        )
    ]


def preview(integration_like_paths: Any, body: Any) -> dict[str, str]:
    """What the endpoint would store for a parsed body (`parse_json` pasted text first); InboundError if invalid."""
    event = parse(body, integration_like_paths)[0]
    return {
        "action": event.action,
        "title": event.summary,
        "dedup_key": event.dedup_key,
        "severity": event.severity,
        "link": event.link,
    }

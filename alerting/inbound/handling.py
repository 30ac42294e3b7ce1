"""The inbound protocol, shared by the Django views (alerting/inbound/views.py: the test client, WSGI) and
the lean ASGI path (alerting/inbound/asgi.py: what uvicorn and daphne serve): which routes exist, the order
of the checks, and the body of every answer. Nothing here does I/O, so both paths answer alike.

Order of work is cheapest first, and nothing is written before the whole body is valid: size and content
type, then the key and the rate limit (for keyed URLs before reading the body; PagerDuty's key is in the
body), then the format's pure parser, then one transaction for all the request's events. 202 means stored.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from alerting.events import InboundEvent
from alerting.inbound import MAX_BODY_BYTES, InboundError, alertmanager, grafana, pagerduty, webhook
from alerting.models import Integration, IntegrationKind

STORE_RETRY_AFTER = 5  # seconds a sender waits before retrying events that could not be stored


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]
    retry_after: int = 0


class Refused(Exception):
    """An HTTP-level refusal (size, content type, key, rate) before any format parsing."""

    def __init__(self, status: int, message: str, errors: list[str] | None = None, retry_after: int = 0) -> None:
        """Keep the status, the message, the error list and the Retry-After seconds."""
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or [message]
        self.retry_after = retry_after


def is_json(content_type: str) -> bool:
    """application/json or any application/*+json type."""
    return content_type == "application/json" or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


def check_headers(content_type: str, content_length: str | None) -> None:
    """Refuse what is declared too big or is not JSON before reading a byte of it."""
    try:
        declared = int(content_length or 0)
    except ValueError:
        raise Refused(400, "Invalid Content-Length header") from None
    if declared > MAX_BODY_BYTES:
        raise Refused(413, f"Request body is larger than {MAX_BODY_BYTES} bytes")
    if not is_json(content_type):
        raise Refused(415, "Content-Type must be application/json")


def check_size(raw: bytes) -> None:
    """Refuse a body that turned out bigger than the limit, whatever its declared length said."""
    if len(raw) > MAX_BODY_BYTES:
        raise Refused(413, f"Request body is larger than {MAX_BODY_BYTES} bytes")


def check_integration(integration: Integration | None, kind: str) -> Integration:
    """The integration if it is enabled and of this kind; anything else is the same 404 (no existence leaks)."""
    if integration is None or not integration.enabled or integration.kind != kind:
        raise Refused(404, "Integration key not found")
    return integration


def throttled(retry_after: int) -> Refused:
    return Refused(429, "Rate limit exceeded for this integration; retry later", retry_after=retry_after)


# --- formats -------------------------------------------------------------------------------------------------

PD_STATUS = {404: "unrecognized routing key", 413: "invalid event", 415: "invalid event", 429: "throttle event"}


@dataclass(frozen=True)
class Format:
    """One inbound endpoint: its integration kind, where its key is, its parser and its answers."""

    kind: str
    key_in_body: bool
    parse: Callable[[Integration | None, Any], list[InboundEvent]]
    refusal: Callable[[Refused], Reply]
    invalid: Callable[[InboundError], Reply]
    accepted: Callable[[list[InboundEvent]], Reply]
    failed: Callable[[list[InboundEvent]], Reply]


def _pagerduty_refusal(refused: Refused) -> Reply:
    """A refusal in PagerDuty's body shape (status, message, errors)."""
    body: dict[str, Any] = {"status": PD_STATUS.get(refused.status, "invalid event"), "message": refused.message}
    if refused.status != 429:
        body["errors"] = refused.errors
    return Reply(refused.status, body, refused.retry_after)


def pagerduty_invalid(error: InboundError) -> Reply:
    """PagerDuty's 400 for an invalid event object."""
    return Reply(400, {"status": "invalid event", "message": "Event object is invalid", "errors": error.messages})


def _pagerduty_failed(events: list[InboundEvent]) -> Reply:
    return Reply(503, {"status": "error", "message": "Event could not be stored; retry"}, STORE_RETRY_AFTER)


def _refusal(refused: Refused) -> Reply:
    body = {"status": "error", "message": refused.message, "errors": refused.errors}
    return Reply(refused.status, body, refused.retry_after)


def _invalid(error: InboundError) -> Reply:
    return Reply(400, {"status": "error", "message": "Payload is invalid", "errors": error.messages})


def _accepted(events: list[InboundEvent]) -> Reply:
    return Reply(202, {"status": "success", "accepted": len(events)})


def _failed(events: list[InboundEvent]) -> Reply:
    """Nothing of the request was stored (its events share one transaction)."""
    count = len(events)
    message = f"{count} of {count} events could not be stored; retry" if count else "Events could not be stored; retry"
    return Reply(503, {"status": "error", "message": message}, STORE_RETRY_AFTER)


PAGERDUTY = Format(
    kind=IntegrationKind.PAGERDUTY_V2,
    key_in_body=True,
    parse=lambda integration, body: pagerduty.parse(body)[:1],
    refusal=_pagerduty_refusal,
    invalid=pagerduty_invalid,
    accepted=lambda events: Reply(
        202, {"status": "success", "message": "Event processed", "dedup_key": events[0].dedup_key}
    ),
    failed=_pagerduty_failed,
)
ALERTMANAGER = Format(
    kind=IntegrationKind.ALERTMANAGER,
    key_in_body=False,
    parse=lambda integration, body: alertmanager.parse(body),
    refusal=_refusal,
    invalid=_invalid,
    accepted=_accepted,
    failed=_failed,
)
GRAFANA = Format(
    kind=IntegrationKind.GRAFANA,
    key_in_body=False,
    parse=lambda integration, body: grafana.parse(body),
    refusal=_refusal,
    invalid=_invalid,
    accepted=_accepted,
    failed=_failed,
)
WEBHOOK = Format(
    kind=IntegrationKind.WEBHOOK,
    key_in_body=False,
    parse=lambda integration, body: webhook.parse(body, integration),
    refusal=_refusal,
    invalid=_invalid,
    accepted=_accepted,
    failed=_failed,
)

PAGERDUTY_PATH = "/integrations/pagerduty/v2/enqueue"
_KEYED_PATH = re.compile(r"^/integrations/(alertmanager|grafana|webhook)/([^/]+)/?$")
_KEYED_FORMATS = {"alertmanager": ALERTMANAGER, "grafana": GRAFANA, "webhook": WEBHOOK}


def route(path: str) -> tuple[Format, str | None] | None:
    """The alert-event endpoint a path names, with the key its URL carries; None for any other path (the
    change-event endpoint included: it writes an audit record, not alerts, and stays on the Django view)."""
    if path == PAGERDUTY_PATH:
        return PAGERDUTY, None
    match = _KEYED_PATH.match(path)
    if match is None:
        return None
    return _KEYED_FORMATS[match.group(1)], match.group(2)

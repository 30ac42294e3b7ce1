"""Inbound endpoints of monitoring tools. No session and no CSRF: the integration key authenticates.

Order of work is cheapest first, and nothing is written before the whole body is valid: size and
content type, then the key (one indexed query), then the rate limit (one cache round trip), then the
format's pure parser, then one `alert_ingest` per event. 202 means every event was stored.
"""

import logging
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from alerting import actions, ratelimit
from alerting.events import InboundEvent
from alerting.inbound import MAX_BODY_BYTES, InboundError, alertmanager, grafana, pagerduty, parse_json, webhook
from alerting.models import Integration, IntegrationKind
from orgs import actions as org_actions
from orgs.tenancy import Actor

logger = logging.getLogger(__name__)


class Refused(Exception):
    """An HTTP-level refusal (size, content type, key, rate) before any format parsing."""

    def __init__(self, status: int, message: str, errors: list[str] | None = None, retry_after: int = 0) -> None:
        """Keep the status, the message, the error list and the Retry-After seconds."""
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or [message]
        self.retry_after = retry_after


def _is_json(content_type: str) -> bool:
    """application/json or any application/*+json type."""
    return content_type == "application/json" or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


def _check_request(request: HttpRequest) -> None:
    """Refuse what is declared too big or is not JSON before reading a byte of it."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise Refused(400, "Invalid Content-Length header") from None
    if declared > MAX_BODY_BYTES:
        raise Refused(413, f"Request body is larger than {MAX_BODY_BYTES} bytes")
    if not _is_json(request.content_type or ""):
        raise Refused(415, "Content-Type must be application/json")


def _json_body(request: HttpRequest) -> Any:
    """The parsed body; reads at most one byte past the limit, whatever the declared length said."""
    raw = request.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise Refused(413, f"Request body is larger than {MAX_BODY_BYTES} bytes")
    return parse_json(raw)


def _integration(key: Any, kind: str) -> Integration:
    """The enabled integration of this kind for the key; anything else is the same 404 (no existence leaks)."""
    integration = actions.integration_authenticate(key=key) if isinstance(key, str) else None
    if integration is None or not integration.enabled or integration.kind != kind:
        raise Refused(404, "Integration key not found")
    retry_after = ratelimit.integration_throttle(integration_id=integration.pk, limit=integration.rate_limit_per_minute)
    if retry_after:
        raise Refused(429, "Rate limit exceeded for this integration; retry later", retry_after=retry_after)
    return integration


def _ingest(integration: Integration, events: list[InboundEvent]) -> int:
    """Store each event in its own transaction so one failure cannot lose the others; returns the failures."""
    failures = 0
    for event in events:
        try:
            actions.alert_ingest(integration=integration, event=event)
        except DatabaseError:
            failures += 1
            logger.exception("inbound event of integration %s could not be stored", integration.pk)
    return failures


def _response(status: int, body: dict[str, Any], retry_after: int = 0) -> JsonResponse:
    """A JSON response, with Retry-After when given."""
    response = JsonResponse(body, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


# --- PagerDuty Events API v2 -------------------------------------------------------------------------------

PD_STATUS = {404: "unrecognized routing key", 413: "invalid event", 415: "invalid event", 429: "throttle event"}


def _pagerduty_refusal(refused: Refused) -> JsonResponse:
    """A refusal in PagerDuty's body shape (status, message, errors)."""
    body = {"status": PD_STATUS.get(refused.status, "invalid event"), "message": refused.message}
    if refused.status != 429:
        body["errors"] = refused.errors
    return _response(refused.status, body, refused.retry_after)


def _pagerduty_invalid(error: InboundError) -> JsonResponse:
    """PagerDuty's 400 for an invalid event object."""
    return _response(400, {"status": "invalid event", "message": "Event object is invalid", "errors": error.messages})


@csrf_exempt
@login_not_required
@require_POST
def pagerduty_enqueue(request: HttpRequest) -> JsonResponse:
    """PagerDuty Events API v2 alert event: trigger, acknowledge or resolve by dedup_key."""
    try:
        _check_request(request)
        body = _json_body(request)
        event = pagerduty.parse(body)[0]
        integration = _integration(body["routing_key"], IntegrationKind.PAGERDUTY_V2)
    except Refused as refused:
        return _pagerduty_refusal(refused)
    except InboundError as error:
        return _pagerduty_invalid(error)
    if _ingest(integration, [event]):
        return _response(503, {"status": "error", "message": "Event could not be stored; retry"}, retry_after=5)
    return _response(202, {"status": "success", "message": "Event processed", "dedup_key": event.dedup_key})


@csrf_exempt
@login_not_required
@require_POST
def pagerduty_change_enqueue(request: HttpRequest) -> JsonResponse:
    """PagerDuty Events API v2 change event: recorded on the service's audit trail (no alert, no page)."""
    try:
        _check_request(request)
        body = _json_body(request)
        change = pagerduty.parse_change(body)
        integration = _integration(body["routing_key"], IntegrationKind.PAGERDUTY_V2)
    except Refused as refused:
        return _pagerduty_refusal(refused)
    except InboundError as error:
        return _pagerduty_invalid(error)
    changes = {
        "summary": change.summary,
        "source": change.source,
        "timestamp": change.timestamp.isoformat() if change.timestamp else None,
        "integration": integration.name,
    }
    if change.link:
        changes["link"] = change.link
    org_actions.audit_record(
        organization=integration.organization,
        actor=Actor(ip_address=request.META.get("REMOTE_ADDR") or None),
        action="service.change_event",
        target=integration.service,
        target_id=integration.service.slug,
        changes=changes,
    )
    return _response(202, {"status": "success", "message": "Change event processed"})


# --- Alertmanager, Grafana, generic webhook ----------------------------------------------------------------


def _receive(
    request: HttpRequest, key: str, kind: str, parse: Callable[[Integration, Any], list[InboundEvent]]
) -> JsonResponse:
    """The key is in the URL: check it (and the rate) before reading the body, then parse, then store."""
    try:
        _check_request(request)
        integration = _integration(key, kind)
        events = parse(integration, _json_body(request))
    except Refused as refused:
        body = {"status": "error", "message": refused.message, "errors": refused.errors}
        return _response(refused.status, body, refused.retry_after)
    except InboundError as error:
        return _response(400, {"status": "error", "message": "Payload is invalid", "errors": error.messages})
    failures = _ingest(integration, events)
    if failures:
        body = {"status": "error", "message": f"{failures} of {len(events)} events could not be stored; retry"}
        return _response(503, body, retry_after=5)
    return _response(202, {"status": "success", "accepted": len(events)})


@csrf_exempt
@login_not_required
@require_POST
def alertmanager_receive(request: HttpRequest, key: str) -> JsonResponse:
    """Prometheus Alertmanager webhook (version 4): one alert per entry of `alerts`, fingerprint dedup."""
    return _receive(request, key, IntegrationKind.ALERTMANAGER, lambda integration, body: alertmanager.parse(body))


@csrf_exempt
@login_not_required
@require_POST
def grafana_receive(request: HttpRequest, key: str) -> JsonResponse:
    """Grafana unified alerting webhook: same semantics as Alertmanager."""
    return _receive(request, key, IntegrationKind.GRAFANA, lambda integration, body: grafana.parse(body))


@csrf_exempt
@login_not_required
@require_POST
def webhook_receive(request: HttpRequest, key: str) -> JsonResponse:
    """Generic JSON webhook read through the integration's paths."""
    return _receive(request, key, IntegrationKind.WEBHOOK, lambda integration, body: webhook.parse(body, integration))

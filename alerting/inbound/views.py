"""Inbound endpoints of monitoring tools as Django views. No session and no CSRF: the integration key
authenticates.

Served under ASGI (uvicorn, daphne), the alert-event endpoints are answered by the lean path in
alerting/inbound/asgi.py before Django's middleware, with group commit; these views serve the same protocol
(alerting/inbound/handling.py) one request at a time — the test client, WSGI — and the change-event endpoint
always. Each request's events are stored in one transaction, so 202 means every one of them was stored.
"""

import logging
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from alerting import actions, ratelimit, selectors
from alerting.inbound import MAX_BODY_BYTES, InboundError, pagerduty, parse_json
from alerting.inbound.handling import (
    ALERTMANAGER,
    GRAFANA,
    PAGERDUTY,
    WEBHOOK,
    Format,
    Refused,
    Reply,
    check_headers,
    check_integration,
    check_size,
    pagerduty_invalid,
    throttled,
)
from alerting.models import Integration, IntegrationKind
from orgs import actions as org_actions
from orgs.tenancy import Actor

logger = logging.getLogger(__name__)


def _response(reply: Reply) -> JsonResponse:
    """A JSON response, with Retry-After when given."""
    response = JsonResponse(reply.body, status=reply.status)
    if reply.retry_after:
        response["Retry-After"] = str(reply.retry_after)
    return response


def _check_request(request: HttpRequest) -> None:
    check_headers(request.content_type or "", request.META.get("CONTENT_LENGTH"))


def _json_body(request: HttpRequest) -> Any:
    """The parsed body; reads at most one byte past the limit, whatever the declared length said."""
    raw = request.read(MAX_BODY_BYTES + 1)
    check_size(raw)
    return parse_json(raw)


def _integration(key: Any, kind: str) -> Integration:
    """The enabled integration of this kind for the key (always from the database here), within its rate."""
    integration = check_integration(selectors.integration_for_key(key=key) if isinstance(key, str) else None, kind)
    retry_after = ratelimit.integration_throttle(
        integration_uuid=integration.uuid, limit=integration.rate_limit_per_minute
    )
    if retry_after:
        raise throttled(retry_after)
    return integration


def _receive(request: HttpRequest, fmt: Format, key: str | None) -> JsonResponse:
    """Check, authenticate, parse, then store every event of the request in one transaction."""
    try:
        _check_request(request)
        if fmt.key_in_body:
            body = _json_body(request)
            events = fmt.parse(None, body)
            integration = _integration(body["routing_key"], fmt.kind)
        else:
            integration = _integration(key, fmt.kind)
            events = fmt.parse(integration, _json_body(request))
    except Refused as refused:
        return _response(fmt.refusal(refused))
    except InboundError as error:
        return _response(fmt.invalid(error))
    try:
        actions.alert_ingest_batch(items=[(integration, event) for event in events])
    except Exception:  # never a 500, never a 202: the sender retries
        logger.exception("inbound events of integration %s could not be stored", integration.pk)
        return _response(fmt.failed(events))
    return _response(fmt.accepted(events))


@csrf_exempt
@login_not_required
@require_POST
def pagerduty_enqueue(request: HttpRequest) -> JsonResponse:
    """PagerDuty Events API v2 alert event: trigger, acknowledge or resolve by dedup_key."""
    return _receive(request, PAGERDUTY, None)


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
        return _response(PAGERDUTY.refusal(refused))
    except InboundError as error:
        return _response(pagerduty_invalid(error))
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
    return _response(Reply(202, {"status": "success", "message": "Change event processed"}))


@csrf_exempt
@login_not_required
@require_POST
def alertmanager_receive(request: HttpRequest, key: str) -> JsonResponse:
    """Prometheus Alertmanager webhook (version 4): one alert per entry of `alerts`, fingerprint dedup."""
    return _receive(request, ALERTMANAGER, key)


@csrf_exempt
@login_not_required
@require_POST
def grafana_receive(request: HttpRequest, key: str) -> JsonResponse:
    """Grafana unified alerting webhook: same semantics as Alertmanager."""
    return _receive(request, GRAFANA, key)


@csrf_exempt
@login_not_required
@require_POST
def webhook_receive(request: HttpRequest, key: str) -> JsonResponse:
    """Generic JSON webhook read through the integration's paths."""
    return _receive(request, WEBHOOK, key)


@login_not_required
@require_GET
def inbound_healthz(request: HttpRequest) -> JsonResponse:
    """The ingestion path is up (no dependencies checked); under ASGI the lean path answers it."""
    return JsonResponse({"status": "ok"})

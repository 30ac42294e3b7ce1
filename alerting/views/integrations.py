"""Integration pages: the list, create / edit / delete, key regeneration and the webhook preview. Admins
manage; everybody reads the list.

An integration's key is a secret shown once (DESIGN.md): creating or regenerating answers 303 to the key
page, which shows the key stashed in the session for that one read (core.reveal). A refresh of the key page
neither creates a second integration nor shows the key again."""

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alerting import actions, selectors
from alerting.forms import IntegrationForm, PreviewForm
from alerting.inbound import InboundError, webhook
from alerting.models import Integration, IntegrationKind
from core.reveal import reveal_stash, reveal_take, see_other
from orgs.permissions import ADMIN, role_required
from orgs.tenancy import Actor
from orgs.web import form_add_validation_error


def _reveal_name(integration: Integration) -> str:
    return f"integration-key:{integration.uuid}"


def _key_redirect(request: HttpRequest, integration: Integration, key: str, *, created: bool) -> HttpResponse:
    """Keep the new key for one read of the key page and send the browser there (303)."""
    reveal_stash(request, _reveal_name(integration), {"key": key, "created": created})
    url = reverse("alerting:integration-key", kwargs={"org_slug": request.organization.slug, "uuid": integration.uuid})
    return see_other(url)


@require_GET
@role_required(ADMIN)
@never_cache
def integration_key(request: HttpRequest, org_slug: str, uuid: Any) -> HttpResponse:
    """The key, the inbound URL and a ready curl, shown this once (never cached); afterwards only a note that
    the key was shown and a way to regenerate it."""
    integration = selectors.integration_get(organization=request.organization, uuid=uuid)
    revealed = reveal_take(request, _reveal_name(integration))
    context: dict[str, Any] = {"integration": integration, "key": None, "created": False}
    if revealed is not None:
        key = revealed["key"]
        url = selectors.inbound_url(integration, key)
        context.update(key=key, url=url, curl=curl_example(integration, url, key), created=revealed["created"])
    response = render(request, "alerting/integration_key.html", context)
    response["Cache-Control"] = "no-store"
    return response


def curl_example(integration: Integration, url: str, key: str) -> str:
    """A test trigger the person can paste into a shell, in the integration's own format."""
    if integration.kind == IntegrationKind.PAGERDUTY_V2:
        body: Any = {
            "routing_key": key,
            "event_action": "trigger",
            "dedup_key": "firebreak-test",
            "payload": {"summary": "Test alert from the Firebreak setup", "source": "curl", "severity": "warning"},
        }
    elif integration.kind in (IntegrationKind.ALERTMANAGER, IntegrationKind.GRAFANA):
        body = {
            "version": "4" if integration.kind == IntegrationKind.ALERTMANAGER else "1",
            "status": "firing",
            "groupKey": "firebreak-test",
            "alerts": [
                {
                    "status": "firing",
                    "labels": {"alertname": "FirebreakTest", "severity": "warning"},
                    "annotations": {"summary": "Test alert from the Firebreak setup"},
                    "startsAt": "2025-01-01T00:00:00Z",
                    "fingerprint": "firebreak-test",
                }
            ],
        }
    else:
        body = webhook_sample(integration)
    payload = json.dumps(body, indent=None).replace("'", "'\\''")
    return f"curl -X POST '{url}' \\\n  -H 'Content-Type: application/json' \\\n  -d '{payload}'"


def webhook_sample(integration: Integration) -> dict[str, Any]:
    """A body with a value at each configured JSON path (dot paths; numeric steps index lists)."""
    values = {
        "title_path": "Test alert from the Firebreak setup",
        "dedup_key_path": "firebreak-test",
        "severity_path": "warning",
        "status_path": "firing",
        "link_path": "https://example.com/firebreak-test",
    }
    body: dict[str, Any] = {}
    for field, value in values.items():
        steps = webhook.split_path(getattr(integration, field))
        if steps:
            _put(body, steps, value)
    return body


def _put(body: dict[str, Any], steps: list[str], value: str) -> None:
    node: Any = body
    for position, step in enumerate(steps):
        following = steps[position + 1] if position + 1 < len(steps) else None
        if isinstance(node, list):
            if not step.isdigit() or int(step) > 20:
                return
            index = int(step)
            node.extend({} for _ in range(index + 1 - len(node)))
        else:
            index = step
        if following is None:
            if isinstance(node, list) or index not in node:
                node[index] = value
            return
        child = node[index] if isinstance(node, list) or index in node else None
        if not isinstance(child, (dict, list)):
            child = [] if following.isdigit() else {}
            node[index] = child
        node = child


@require_GET
def integration_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    integrations = selectors.integration_list(organization=request.organization)
    return render(
        request,
        "alerting/integration_list.html",
        {"integrations": integrations, "can_manage": request.membership.has_role(ADMIN)},
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
@never_cache
def integration_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    initial = {"service": request.GET.get("service"), "kind": request.GET.get("kind") or IntegrationKind.PAGERDUTY_V2}
    form = IntegrationForm(request.POST or None, organization=request.organization, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.action_fields()
        try:
            integration, key = actions.integration_create(
                organization=request.organization,
                kind=form.cleaned_data["kind"],
                actor=Actor.from_request(request),
                **data,
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            return _key_redirect(request, integration, key, created=True)
    return render(
        request, "alerting/integration_form.html", {"form": form, "editing": False}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def integration_update(request: HttpRequest, org_slug: str, uuid: Any) -> HttpResponse:
    integration = selectors.integration_get(organization=request.organization, uuid=uuid)
    initial = {
        "name": integration.name,
        "kind": integration.kind,
        "service": integration.service.slug,
        "rate_limit_per_minute": integration.rate_limit_per_minute,
        "enabled": integration.enabled,
        **{name: getattr(integration, name) for name in actions.WEBHOOK_PATH_FIELDS},
    }
    form = IntegrationForm(request.POST or None, organization=request.organization, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            integration = actions.integration_update(
                integration=integration, actor=Actor.from_request(request), **form.action_fields()
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            state = "enabled" if integration.enabled else "disabled: its events are refused"
            messages.success(request, f"Integration “{integration.name}” saved ({state}).")
            return redirect("alerting:integration-list", org_slug=org_slug)
    return render(
        request,
        "alerting/integration_form.html",
        {"form": form, "editing": True, "integration": integration},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
@never_cache
def integration_regenerate(request: HttpRequest, org_slug: str, uuid: Any) -> HttpResponse:
    integration = selectors.integration_get(organization=request.organization, uuid=uuid)
    if request.method == "POST":
        integration, key = actions.integration_key_regenerate(
            integration=integration, actor=Actor.from_request(request)
        )
        return _key_redirect(request, integration, key, created=False)
    return render(
        request,
        "alerting/integration_confirm.html",
        {
            "integration": integration,
            "title": f"Regenerate the key of “{integration.name}”?",
            "body": "The current key stops working at once: events sent with it get 404 until the monitoring tool "
            "is given the new key, which is shown once on the next page.",
            "confirm_label": "Regenerate key",
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def integration_delete(request: HttpRequest, org_slug: str, uuid: Any) -> HttpResponse:
    integration = selectors.integration_get(organization=request.organization, uuid=uuid)
    if request.method == "POST":
        actions.integration_delete(integration=integration, actor=Actor.from_request(request))
        messages.success(request, f"Integration “{integration.name}” deleted, with its alerts.")
        return redirect("alerting:integration-list", org_slug=org_slug)
    groups = integration.groups.count()
    return render(
        request,
        "alerting/integration_confirm.html",
        {
            "integration": integration,
            "title": f"Delete the integration “{integration.name}”?",
            "body": f"Its key stops working and its {groups} alert group{'s' if groups != 1 else ''} and their "
            "alerts are deleted. Incidents they were attached to stay. This cannot be undone.",
            "confirm_label": "Delete integration",
        },
    )


PREVIEW_ROWS = [
    ("title_path", "title", "Title", "not found: the title will be “Webhook alert”"),
    ("dedup_key_path", "dedup_key", "Dedup key", "not found: a hash of the whole body, so only identical bodies group"),
    ("severity_path", "severity", "Severity", "not found: error"),
    ("status_path", "action", "Status → action", "not found: every event triggers"),
    ("link_path", "link", "Link", "not found: no link"),
]


@require_POST
@role_required(ADMIN)
def integration_preview(request: HttpRequest, org_slug: str) -> HttpResponse:
    """What a generic webhook would extract from a pasted sample with the paths being edited (htmx partial)."""
    form = PreviewForm(request.POST)
    context: dict[str, Any] = {"form": form}
    sample = form.cleaned_data.get("sample") if form.is_valid() else None
    if sample is not None:
        paths = form.paths()
        try:
            extracted = webhook.preview(paths, sample)
        except InboundError as exc:
            context["errors"] = exc.messages
        else:
            context["rows"] = [
                {
                    "label": label,
                    "path": paths[field],
                    "value": extracted[key],
                    "found": bool(paths[field]) and webhook.extract(sample, paths[field]) is not None,
                    "fallback": fallback,
                    "key": key,
                }
                for field, key, label, fallback in PREVIEW_ROWS
            ]
    return render(request, "alerting/partials/_webhook_preview.html", context)

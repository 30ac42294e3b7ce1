"""Pages of outbound webhooks under /o/<org>/webhooks/: the endpoints (every member reads; admins add, edit,
delete, rotate the secret, send a test and replay a delivery), an endpoint's delivery log and one delivery
with its attempts.

A secret is shown once: creating an endpoint or rotating its secret answers 303 to the endpoint's secret page,
which shows the secret stashed in the session for that one read (core.reveal); a refresh shows it no more.
Pages show an endpoint's URL without its query string (it may hold a token); the edit form (admins) has it."""

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.pages import form_add_validation_error
from core.reveal import reveal_stash, reveal_take, see_other
from orgs.permissions import ADMIN, role_required
from orgs.tenancy import Actor
from orgs.web import paginate
from workflows.models import DeliveryStatus, WebhookEndpoint
from workflows.webhooks import actions, selectors
from workflows.webhooks.forms import EndpointForm

T = "workflows/webhooks/"


def _reveal_name(endpoint: WebhookEndpoint) -> str:
    return f"webhook-secret:{endpoint.uuid}"


def _detail_url(org_slug: str, endpoint: WebhookEndpoint) -> str:
    return reverse("webhooks:endpoint-detail", kwargs={"org_slug": org_slug, "uuid": endpoint.uuid})


def _can_manage(request: HttpRequest) -> bool:
    return request.membership.has_role(ADMIN)


@require_GET
def endpoint_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    endpoints = [
        {"endpoint": endpoint, "url": actions.url_shown(endpoint.url)}
        for endpoint in selectors.endpoint_list(organization=request.organization)
    ]
    context = {"endpoints": endpoints, "can_manage": _can_manage(request)}
    return render(request, T + "endpoint_list.html", context)


def _form_page(request: HttpRequest, form: EndpointForm, endpoint: WebhookEndpoint | None) -> HttpResponse:
    context = {"form": form, "endpoint": endpoint, "editing": endpoint is not None}
    return render(request, T + "endpoint_form.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def endpoint_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = actions.endpoint_create(
                organization=request.organization, actor=Actor.from_request(request), **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            reveal_stash(request, _reveal_name(endpoint), {"secret": endpoint.secret, "created": True})
            return see_other(reverse("webhooks:endpoint-secret", kwargs={"org_slug": org_slug, "uuid": endpoint.uuid}))
    return _form_page(request, form, None)


@require_GET
@role_required(ADMIN)
@never_cache
def endpoint_secret(request: HttpRequest, org_slug: str, uuid: str) -> HttpResponse:
    """The secret on the first read after creating the endpoint or rotating its secret; afterwards only that it
    was shown."""
    endpoint = selectors.endpoint_get(organization=request.organization, uuid=uuid)
    revealed = reveal_take(request, _reveal_name(endpoint)) or {}
    context = {
        "endpoint": endpoint,
        "url": actions.url_shown(endpoint.url),
        "secret": revealed.get("secret"),
        "created": revealed.get("created", False),
    }
    return render(request, T + "endpoint_secret.html", context)


@require_GET
def endpoint_detail(request: HttpRequest, org_slug: str, uuid: str) -> HttpResponse:
    endpoint = selectors.endpoint_get(organization=request.organization, uuid=uuid)
    status = request.GET.get("status", "")
    status = status if status in DeliveryStatus.values else ""
    deliveries = paginate(
        request, selectors.delivery_list(organization=request.organization, endpoint=endpoint, status=status)
    )
    context = {
        "endpoint": endpoint,
        "url": actions.url_shown(endpoint.url),
        "event_types": endpoint.event_types,
        "page": deliveries,
        "query": f"status={status}" if status else "",
        "status": status,
        "statuses": DeliveryStatus.choices,
        "counts": selectors.delivery_counts(endpoint=endpoint),
        "rotating": bool(endpoint.previous_secret and endpoint.previous_secret_expires_at),
        "can_manage": _can_manage(request),
    }
    return render(request, T + "endpoint_detail.html", context)


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def endpoint_update(request: HttpRequest, org_slug: str, uuid: str) -> HttpResponse:
    endpoint = selectors.endpoint_get(organization=request.organization, uuid=uuid)
    initial = {
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": endpoint.event_types,
        "include_drills": endpoint.include_drills,
        "is_enabled": endpoint.is_enabled,
    }
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.endpoint_update(endpoint=endpoint, actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, "Webhook endpoint saved.")
            return redirect(_detail_url(org_slug, endpoint))
    return _form_page(request, form, endpoint)


def _confirm(request: HttpRequest, endpoint: WebhookEndpoint, **page: Any) -> HttpResponse:
    context = {
        "endpoint": endpoint,
        "url": actions.url_shown(endpoint.url),
        "cancel_url": _detail_url(request.organization.slug, endpoint),
        **page,
    }
    return render(request, T + "endpoint_confirm.html", context)


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def endpoint_delete(request: HttpRequest, org_slug: str, uuid: str) -> HttpResponse:
    endpoint = selectors.endpoint_get(organization=request.organization, uuid=uuid)
    if request.method == "POST":
        actions.endpoint_delete(endpoint=endpoint, actor=Actor.from_request(request))
        messages.success(request, f"Webhook endpoint {actions.url_shown(endpoint.url)} deleted.")
        return redirect("webhooks:endpoint-list", org_slug=org_slug)
    return _confirm(
        request,
        endpoint,
        title="Delete this webhook endpoint?",
        body="No more events go to it, and its delivery log goes with it. This cannot be undone.",
        confirm_label="Delete endpoint",
        danger=True,
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def endpoint_rotate(request: HttpRequest, org_slug: str, uuid: str) -> HttpResponse:
    endpoint = selectors.endpoint_get(organization=request.organization, uuid=uuid)
    if request.method == "POST":
        endpoint, secret = actions.endpoint_rotate_secret(endpoint=endpoint, actor=Actor.from_request(request))
        reveal_stash(request, _reveal_name(endpoint), {"secret": secret, "created": False})
        return see_other(reverse("webhooks:endpoint-secret", kwargs={"org_slug": org_slug, "uuid": endpoint.uuid}))
    return _confirm(
        request,
        endpoint,
        title="Rotate the signing secret?",
        body=(
            "A new secret is made and shown once. For the next 24 hours every message carries two signatures, "
            "one with the new secret and one with the current one, so the receiver can switch over without "
            "missing a message; after that only the new secret signs."
        ),
        confirm_label="Rotate secret",
        danger=False,
    )


@require_POST
@role_required(ADMIN)
def endpoint_test(request: HttpRequest, org_slug: str, uuid: str) -> HttpResponse:
    endpoint = selectors.endpoint_get(organization=request.organization, uuid=uuid)
    try:
        actions.endpoint_send_test(endpoint=endpoint, actor=Actor.from_request(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Test message queued: it appears in the delivery log below.")
    return redirect(_detail_url(org_slug, endpoint))


@require_GET
def delivery_detail(request: HttpRequest, org_slug: str, uuid: str) -> HttpResponse:
    delivery = selectors.delivery_get(organization=request.organization, uuid=uuid)
    try:
        body = json.dumps(json.loads(delivery.body), indent=2, ensure_ascii=False)
    except ValueError:
        body = delivery.body
    context = {
        "delivery": delivery,
        "endpoint": delivery.endpoint,
        "url": actions.url_shown(delivery.endpoint.url),
        "body": body,
        "attempts": list(delivery.attempt_log.all()),
        "replays": list(delivery.replays.order_by("-created_at", "-pk")),
        "can_manage": _can_manage(request),
    }
    return render(request, T + "delivery_detail.html", context)


@require_POST
@role_required(ADMIN)
def delivery_replay(request: HttpRequest, org_slug: str, uuid: str) -> HttpResponse:
    delivery = selectors.delivery_get(organization=request.organization, uuid=uuid)
    try:
        replay = actions.delivery_replay(delivery=delivery, actor=Actor.from_request(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("webhooks:delivery-detail", org_slug=org_slug, uuid=delivery.uuid)
    messages.success(request, f"Replay of {delivery.message_id} queued.")
    return redirect("webhooks:delivery-detail", org_slug=org_slug, uuid=replay.uuid)

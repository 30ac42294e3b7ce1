"""Pages of the alerting app: the live triage queue, an alert group's page, and the integrations admins
connect monitoring tools with.

Viewers read; responders triage (acknowledge, resolve, silence, merge, escalate, attach); admins manage
integrations. Every change is a POST that calls one action. Triage from a queue row (htmx) answers with the
refreshed row; everything else redirects, or re-renders its page with the reason and status 400."""

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alerting import actions, selectors
from alerting.forms import (
    AlertQueueFilterForm,
    AttachForm,
    EscalateForm,
    IntegrationForm,
    MergeForm,
    PreviewForm,
    SilenceForm,
    merge_candidates,
)
from alerting.inbound import InboundError, webhook
from alerting.models import AlertGroup, AlertGroupStatus, Integration, IntegrationKind, PagingStatus
from notifications import selectors as notification_selectors
from oncall.selectors import escalations as escalation_selectors
from orgs.permissions import ADMIN, RESPONDER, role_required
from orgs.tenancy import Actor
from orgs.web import form_add_validation_error, paginate

DETAIL = "alerting/alert_group_detail.html"
ROW = "alerting/partials/_group_row.html"
ALERTS_SHOWN = 50
MERGE_SHOWN = 100


# --- helpers ----------------------------------------------------------------------------------------------


def get_group(request: HttpRequest, uuid: Any) -> AlertGroup:
    group = selectors.alert_group_get(organization=request.organization, uuid=uuid)
    group.organization = request.organization  # the row and its links need the slug: no extra query
    return group


def group_redirect(request: HttpRequest, group: AlertGroup) -> HttpResponse:
    """Back where the POST came from (the queue with its filters, or the group page), never off-site."""
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = reverse(
            "alerting:alert-group-detail", kwargs={"org_slug": request.organization.slug, "uuid": group.uuid}
        )
    return redirect(target)


def triage_done(request: HttpRequest, group: AlertGroup, done: str) -> HttpResponse:
    """After a triage action: the refreshed queue row for htmx, else a message and a redirect back."""
    if request.htmx:
        return render(request, ROW, {"group": get_group(request, group.uuid)})
    messages.success(request, done)
    return group_redirect(request, group)


def detail_context(request: HttpRequest, group: AlertGroup, **overrides: Any) -> dict[str, Any]:
    can_respond = request.membership.has_role(RESPONDER)
    service = group.service
    context: dict[str, Any] = {
        "group": group,
        "alerts": selectors.alert_list(group=group, limit=ALERTS_SHOWN),
        "alerts_shown": ALERTS_SHOWN,
        "can_respond": can_respond,
        "runbooks": [link for link in service.links.all() if link.kind == "runbook"],
        "owner_team": service.owner_team,
        "merged_groups": list(group.merged_groups.select_related("service").order_by("-last_seen")[:20]),
        "escalation": escalation_selectors.escalation_latest(group=group),
        "deliveries": list(
            notification_selectors.notification_list(organization=group.organization, alert_group=group)[:50]
        ),
    }
    if can_respond and group.merged_into_id is None:
        context.update(
            escalate_form=EscalateForm(
                organization=request.organization,
                initial={
                    "title": group.title[:200],
                    "severity": getattr(actions.incident_severity_for(group=group), "name", None),
                },
            ),
            attach_form=AttachForm(organization=request.organization),
            silence_form=SilenceForm(initial={"duration": "30m"}),
            merge_candidates=list(merge_candidates(group)[:MERGE_SHOWN]) if group.is_open else [],
        )
    context.update(overrides)
    return context


def refuse(request: HttpRequest, group: AlertGroup, form: Form, what: str, **extra: Any) -> HttpResponse:
    """The group page again with why `what` did not happen (400); `extra` keeps what was typed."""
    errors = [str(e) for errors in form.errors.values() for e in errors]
    return render(
        request, DETAIL, detail_context(request, group, refused=what, refused_errors=errors, **extra), status=400
    )


# --- the queue --------------------------------------------------------------------------------------------


@require_GET
def alert_queue(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    form = AlertQueueFilterForm(request.GET, organization=organization)
    filters = form.filters()
    page = paginate(request, selectors.alert_group_list(organization=organization, **filters))
    for group in page:  # the rows link with the org's slug: no query per row
        group.organization = organization
    counts = dict(
        selectors.alert_group_list(organization=organization, service=filters["service"], severity=filters["severity"])
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    query = request.GET.copy()
    query.pop("page", None)
    base = request.GET.copy()
    for key in ("page", "status"):
        base.pop(key, None)
    service_name = dict(form.services).get(filters["service"], "")
    context = {
        "form": form,
        "page": page,
        "filters": filters,
        "status": form.status_value(),
        "service_name": service_name,
        "counts": {
            "open": counts.get(AlertGroupStatus.TRIGGERED, 0) + counts.get(AlertGroupStatus.ACKNOWLEDGED, 0),
            "triggered": counts.get(AlertGroupStatus.TRIGGERED, 0),
            "acknowledged": counts.get(AlertGroupStatus.ACKNOWLEDGED, 0),
            "resolved": counts.get(AlertGroupStatus.RESOLVED, 0),
            "all": sum(counts.values()),
        },
        "query": query.urlencode(),
        "status_query": base.urlencode(),
        "filtered": bool(filters["service"] or filters["severity"] or form.status_value() != "open"),
        "live_insert": page.number == 1,
        "can_respond": request.membership.has_role(RESPONDER),
        "has_integrations": selectors.integration_list(organization=organization).exists(),
        "unanswered": selectors.alert_group_list(organization=organization)
        .filter(status=AlertGroupStatus.TRIGGERED, paging_status=PagingStatus.UNANSWERED)
        .count(),
    }
    return render(request, "alerting/alert_queue.html", context)


# --- an alert group ---------------------------------------------------------------------------------------


@require_GET
def alert_group_detail(request: HttpRequest, org_slug: str, uuid: Any) -> HttpResponse:
    group = get_group(request, uuid)
    return render(request, DETAIL, detail_context(request, group))


@require_POST
@role_required(RESPONDER)
def alert_group_acknowledge(request: HttpRequest, org_slug: str, uuid: Any) -> HttpResponse:
    group = actions.alert_group_acknowledge(group=get_group(request, uuid), actor=Actor.from_request(request))
    return triage_done(request, group, f"Acknowledged “{group.title}”. Paging for it stops.")


@require_POST
@role_required(RESPONDER)
def alert_group_resolve(request: HttpRequest, org_slug: str, uuid: Any) -> HttpResponse:
    group = actions.alert_group_resolve(group=get_group(request, uuid), actor=Actor.from_request(request))
    return triage_done(request, group, f"Resolved “{group.title}”. The next alert with its key opens a new group.")


@require_POST
@role_required(RESPONDER)
def alert_group_silence(request: HttpRequest, org_slug: str, uuid: Any) -> HttpResponse:
    group = get_group(request, uuid)
    form = SilenceForm(request.POST)
    if form.is_valid():
        try:
            group = actions.alert_group_silence(
                group=group, until=form.cleaned_data["until"], actor=Actor.from_request(request)
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, "Silence lifted." if group.silenced_until is None else "Alert group silenced.")
            return group_redirect(request, group)
    return refuse(request, group, form, "The alert group was not silenced.", silence_form=form)


@require_POST
@role_required(RESPONDER)
def alert_group_merge(request: HttpRequest, org_slug: str, uuid: Any) -> HttpResponse:
    group = get_group(request, uuid)
    form = MergeForm(request.POST, group=group)
    if form.is_valid():
        sources = list(form.cleaned_data["groups"])
        try:
            group = actions.alert_group_merge(target=group, sources=sources, actor=Actor.from_request(request))
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(
                request, f"Merged {len(sources)} alert group{'s' if len(sources) != 1 else ''} into this one."
            )
            return group_redirect(request, group)
    return refuse(request, group, form, "Nothing was merged.")


@require_POST
@role_required(RESPONDER)
def alert_group_escalate(request: HttpRequest, org_slug: str, uuid: Any) -> HttpResponse:
    group = get_group(request, uuid)
    form = EscalateForm(request.POST, organization=request.organization)
    if form.is_valid():
        try:
            incident = actions.alert_group_escalate(
                group=group,
                actor=Actor.from_request(request),
                title=form.cleaned_data["title"],
                severity=form.cleaned_data["severity"],
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(
                request, f"{incident.reference} declared from the alert, which is attached to it. Work it here."
            )
            return redirect("incidents:incident-detail", org_slug=org_slug, number=incident.number)
    return refuse(request, group, form, "The incident was not declared.", escalate_form=form)


@require_POST
@role_required(RESPONDER)
def alert_group_attach(request: HttpRequest, org_slug: str, uuid: Any) -> HttpResponse:
    group = get_group(request, uuid)
    form = AttachForm(request.POST, organization=request.organization)
    if form.is_valid():
        incident = form.cleaned_data["incident"]
        try:
            group = actions.alert_group_attach(group=group, incident=incident, actor=Actor.from_request(request))
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, f"Attached to {incident.reference}; its timeline records it.")
            return group_redirect(request, group)
    return refuse(request, group, form, "The alert group was not attached.", attach_form=form)


# --- integrations -----------------------------------------------------------------------------------------


def integration_key_page(request: HttpRequest, integration: Integration, key: str, created: bool) -> HttpResponse:
    """The key, the inbound URL and a ready curl, shown this once (never cached, never shown again)."""
    url = selectors.inbound_url(integration, key)
    context = {
        "integration": integration,
        "key": key,
        "url": url,
        "curl": curl_example(integration, url, key),
        "created": created,
    }
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
            return integration_key_page(request, integration, key, created=True)
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
        return integration_key_page(request, integration, key, created=False)
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

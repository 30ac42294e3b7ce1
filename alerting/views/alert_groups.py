"""Pages of the alerting app: the live triage queue and an alert group's page (the integrations admins connect
monitoring tools with are in alerting/views/integrations.py).

Viewers read; responders triage (acknowledge, resolve, silence, merge, escalate, attach). Every change is a
POST that calls one action. Triage from a queue row (htmx) answers with the refreshed row; everything else
redirects, or re-renders its page with the reason and status 400."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from alerting import actions, paging, selectors
from alerting.forms import (
    AlertQueueFilterForm,
    AttachForm,
    EscalateForm,
    MergeForm,
    SilenceForm,
    merge_candidates,
)
from alerting.models import AlertGroup
from notifications import selectors as notification_selectors
from oncall.selectors import escalations as escalation_selectors
from orgs.permissions import RESPONDER, role_required
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
        "escalation": escalation_selectors.escalation_latest(
            organization_id=group.organization_id, subject_kind=paging.SUBJECT_KIND, subject_id=group.pk
        ),
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
    counts = selectors.alert_queue_counts(
        organization=organization, service=filters["service"], severity=filters["severity"]
    )
    filtered_by_scope = bool(filters["service"] or filters["severity"])
    org_counts = selectors.alert_queue_counts(organization=organization) if filtered_by_scope else counts
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
        "counts": counts,
        "tabs": [(value, label, counts[value]) for value, label in form.fields["status"].choices],
        "scoped_counts": filtered_by_scope,
        "query": query.urlencode(),
        "status_query": base.urlencode(),
        "filtered": bool(filters["service"] or filters["severity"] or form.status_value() != "open"),
        "live_insert": page.number == 1,
        "can_respond": request.membership.has_role(RESPONDER),
        "has_integrations": selectors.integration_list(organization=organization).exists(),
        "unanswered": org_counts["unanswered"],
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

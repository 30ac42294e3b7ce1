"""Pages of the ticketing app: the org's follow-ups (overdue first), one follow-up, creating and editing them,
and the incident page's quick add. Viewers read; responders write."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents import selectors as incident_selectors
from orgs.permissions import RESPONDER, role_required
from orgs.tenancy import Actor
from orgs.web import form_add_validation_error, paginate
from ticketing import actions, selectors
from ticketing.forms import FollowUpFilterForm, FollowUpForm, FollowUpQuickAddForm, FollowUpStatusForm
from ticketing.models import FollowUp, FollowUpStatus


def _detail_redirect(follow_up: FollowUp) -> HttpResponse:
    return redirect("ticketing:follow-up-detail", org_slug=follow_up.organization.slug, number=follow_up.number)


def _next_or(request: HttpRequest, fallback: HttpResponse) -> HttpResponse:
    """Back to the page the form was on (a local path only), else `fallback`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return fallback


@require_GET
def follow_up_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = FollowUpFilterForm(request.GET, organization=request.organization)
    filters = form.filters()
    page = paginate(request, selectors.follow_up_list(organization=request.organization, **filters))
    query = request.GET.copy()
    query.pop("page", None)
    counts = {
        "open": selectors.follow_up_list(organization=request.organization, status="open").count(),
        "overdue": selectors.follow_up_list(organization=request.organization, status="overdue").count(),
    }
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "filtered": any(value not in ("", None) for value in filters.values()),
        "counts": counts,
        "today": timezone.now().date(),
        "can_respond": request.membership.has_role(RESPONDER),
    }
    return render(request, "ticketing/follow_up_list.html", context)


@require_http_methods(["GET", "POST"])
@role_required(RESPONDER)
def follow_up_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = FollowUpForm(
        request.POST or None, organization=request.organization, initial={"incident": request.GET.get("incident", "")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            follow_up = actions.follow_up_create(
                organization=request.organization, actor=Actor.from_request(request), **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, f"{follow_up.reference} opened: {follow_up.title}")
            return _detail_redirect(follow_up)
    context = {"form": form, "creating": True}
    return render(request, "ticketing/follow_up_form.html", context, status=400 if form.errors else 200)


@require_POST
@role_required(RESPONDER)
def follow_up_add_to_incident(request: HttpRequest, org_slug: str, number: int) -> HttpResponse:
    """The incident page's quick add: back to the incident on success, the full form with the errors otherwise."""
    incident = incident_selectors.incident_get(organization=request.organization, number=number)
    form = FollowUpQuickAddForm(request.POST, organization=request.organization)
    if form.is_valid():
        try:
            follow_up = actions.follow_up_create(
                organization=request.organization,
                actor=Actor.from_request(request),
                incident=incident,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, f"{follow_up.reference} added to {incident.reference}.")
            response = redirect("incidents:incident-detail", org_slug=org_slug, number=incident.number)
            response["Location"] += "#follow-ups"
            return response
    data = request.POST.copy()
    data["incident"] = incident.reference
    full = FollowUpForm(data, organization=request.organization)
    full.is_valid()
    for error in form.non_field_errors():
        full.add_error(None, error)
    context = {"form": full, "creating": True, "incident": incident}
    return render(request, "ticketing/follow_up_form.html", context, status=400)


@require_GET
def follow_up_detail(request: HttpRequest, org_slug: str, number: int) -> HttpResponse:
    follow_up = selectors.follow_up_get(organization=request.organization, number=number)
    context: dict[str, Any] = {
        "follow_up": follow_up,
        "statuses": FollowUpStatus.choices,
        "can_respond": request.membership.has_role(RESPONDER),
    }
    return render(request, "ticketing/follow_up_detail.html", context)


@require_http_methods(["GET", "POST"])
@role_required(RESPONDER)
def follow_up_update(request: HttpRequest, org_slug: str, number: int) -> HttpResponse:
    follow_up = selectors.follow_up_get(organization=request.organization, number=number)
    initial = {
        "title": follow_up.title,
        "description": follow_up.description,
        "owner": str(follow_up.owner.uuid) if follow_up.owner else "",
        "priority": follow_up.priority,
        "status": follow_up.status,
        "due_date": follow_up.due_date,
        "incident": follow_up.incident.reference if follow_up.incident else "",
    }
    form = FollowUpForm(request.POST or None, organization=request.organization, with_status=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.follow_up_update(follow_up=follow_up, actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, f"{follow_up.reference} saved.")
            return _detail_redirect(follow_up)
    context = {"form": form, "follow_up": follow_up, "creating": False}
    return render(request, "ticketing/follow_up_form.html", context, status=400 if form.errors else 200)


@require_POST
@role_required(RESPONDER)
def follow_up_status(request: HttpRequest, org_slug: str, number: int) -> HttpResponse:
    """Quick status change from a list, the incident page or the follow-up's page."""
    follow_up = selectors.follow_up_get(organization=request.organization, number=number)
    form = FollowUpStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"{follow_up.reference} did not change: choose a valid status.")
        return _next_or(request, _detail_redirect(follow_up))
    follow_up = actions.follow_up_update(
        follow_up=follow_up, actor=Actor.from_request(request), status=form.cleaned_data["status"]
    )
    messages.success(request, f"{follow_up.reference} is now {follow_up.get_status_display().lower()}.")
    return _next_or(request, _detail_redirect(follow_up))


@require_http_methods(["GET", "POST"])
@role_required(RESPONDER)
def follow_up_delete(request: HttpRequest, org_slug: str, number: int) -> HttpResponse:
    follow_up = selectors.follow_up_get(organization=request.organization, number=number)
    if request.method == "POST":
        actions.follow_up_delete(follow_up=follow_up, actor=Actor.from_request(request))
        messages.success(request, f"{follow_up.reference} deleted.")
        return redirect("ticketing:follow-up-list", org_slug=org_slug)
    context = {
        "title": f"Delete {follow_up.reference}?",
        "body": f"“{follow_up.title}” disappears from every list. To record that it will not be done, "
        "set its status to won't do instead: that keeps the decision visible.",
        "confirm_label": "Delete follow-up",
        "cancel_url": actions.follow_up_path(follow_up),
    }
    return render(request, "components/confirm.html", context)

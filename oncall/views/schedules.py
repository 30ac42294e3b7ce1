"""Schedule pages: the list, a schedule's page with its timeline, and the create, edit and delete forms
(admins)."""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from oncall import ical
from oncall.actions import schedules as actions
from oncall.forms.schedules import ScheduleForm
from oncall.selectors import schedules as selectors
from oncall.views.common import feed_url, first_day_from, get_schedule, schedule_url, span_text
from oncall.views.timeline import schedule_now_next, timeline
from orgs.permissions import ADMIN, RESPONDER, role_required
from orgs.tenancy import Actor
from orgs.web import form_add_validation_error


@require_GET
def schedule_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    schedules = list(selectors.schedule_list(organization=request.organization))
    entries = []
    for schedule in schedules:
        schedule.organization = request.organization
        entries.append({"schedule": schedule, **schedule_now_next(schedule)})
    return render(
        request,
        "oncall/schedule_list.html",
        {"entries": entries, "can_manage": request.membership.has_role(ADMIN)},
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def schedule_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = ScheduleForm(request.POST or None, organization=request.organization, initial={"time_zone": "UTC"})
    if request.method == "POST" and form.is_valid():
        try:
            schedule = actions.schedule_create(
                organization=request.organization, actor=Actor.from_request(request), **form.action_fields()
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, f"Schedule “{schedule.name}” created. Add a layer: who rotates, and when.")
            return redirect("oncall:layer-create", org_slug=org_slug, slug=schedule.slug)
    return render(request, "oncall/schedule_form.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
def schedule_detail(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    schedule = get_schedule(request, slug)
    tz = ZoneInfo(schedule.time_zone)
    can_cover = request.membership.has_role(RESPONDER)
    picture = timeline(request, schedule, first_day_from(request, tz), can_cover)
    overrides = list(selectors.override_list(schedule=schedule, ending_after=timezone.now()))
    for override in overrides:
        override.span = span_text(override.starts_at, override.ends_at, tz)
    profile = selectors.profile_get(organization=request.organization, user=request.user)
    context = {
        "schedule": schedule,
        "timeline": picture,
        "secret_feed_url": feed_url("schedule-feed", token=ical.feed_token(profile), uuid=schedule.uuid)
        if profile
        else None,
        "overrides": overrides,
        "policies": selectors.schedule_policy_names(schedule=schedule),
        "can_manage": request.membership.has_role(ADMIN),
        "can_cover": can_cover,
        "zone": schedule.time_zone.replace("_", " "),
        **schedule_now_next(schedule),
    }
    return render(request, "oncall/schedule_detail.html", context)


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def schedule_update(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    schedule = get_schedule(request, slug)
    form = ScheduleForm(request.POST or None, organization=request.organization, schedule=schedule)
    if request.method == "POST" and form.is_valid():
        try:
            schedule = actions.schedule_update(
                schedule=schedule, actor=Actor.from_request(request), **form.action_fields()
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, f"Schedule “{schedule.name}” saved.")
            return redirect("oncall:schedule-detail", org_slug=org_slug, slug=schedule.slug)
    return render(
        request,
        "oncall/schedule_form.html",
        {"form": form, "schedule": schedule},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def schedule_delete(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    schedule = get_schedule(request, slug)
    policies = selectors.schedule_policy_names(schedule=schedule)
    if request.method == "POST":
        try:
            actions.schedule_delete(schedule=schedule, actor=Actor.from_request(request))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("oncall:schedule-detail", org_slug=org_slug, slug=schedule.slug)
        messages.success(request, f"Schedule “{schedule.name}” deleted.")
        return redirect("oncall:schedule-list", org_slug=org_slug)
    if policies:
        body = (
            f"It cannot be deleted yet: the escalation policies {', '.join(policies)} page it. Change their steps "
            "first, so that no page goes nowhere."
        )
    else:
        body = "Its layers and overrides go with it, and its calendar feeds stop. This cannot be undone."
    return render(
        request,
        "components/confirm.html",
        {
            "title": f"Delete the schedule “{schedule.name}”?",
            "body": body,
            "confirm_label": "Delete schedule",
            "cancel_url": schedule_url(request, "schedule-detail", schedule),
        },
    )

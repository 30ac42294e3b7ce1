"""Overrides: "I'll cover" and removing a cover (responders)."""

from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from oncall.actions import schedules as actions
from oncall.forms.schedules import OverrideForm
from oncall.selectors import schedules as selectors
from oncall.views.common import get_schedule, schedule_url, span_text
from orgs.permissions import RESPONDER, role_required
from orgs.tenancy import Actor
from orgs.web import form_add_validation_error


@require_http_methods(["GET", "POST"])
@role_required(RESPONDER)
def override_create(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    """A prefilled form from a timeline shift ("I'll cover"): one click to open, one to confirm."""
    schedule = get_schedule(request, slug)
    initial: dict[str, Any] = {"user": request.user.uuid, "starts_at": request.GET.get("start", "")}
    initial["ends_at"] = request.GET.get("end", "")
    covers = request.GET.get("covers", "")
    if covers:
        initial["covers"] = covers
        if covers == str(request.user.uuid):
            initial["user"] = None
    form = OverrideForm(request.POST or None, organization=request.organization, schedule=schedule, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            override = actions.override_create(
                schedule=schedule,
                actor=Actor.from_request(request),
                user=data["user"],
                covers=data.get("covers"),
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            tz = ZoneInfo(schedule.time_zone)
            instead = f" instead of {override.covers.display_name}" if override.covers else ""
            messages.success(
                request,
                f"{override.user.display_name} is on call{instead}, "
                f"{span_text(override.starts_at, override.ends_at, tz)}.",
            )
            return redirect("oncall:schedule-detail", org_slug=org_slug, slug=schedule.slug)
    covered = form["covers"].value()
    return render(
        request,
        "oncall/schedule_override_form.html",
        {
            "schedule": schedule,
            "form": form,
            "zone": schedule.time_zone.replace("_", " "),
            "prefilled": bool(request.GET.get("start")),
            "covering_self": covered and str(covered) == str(request.user.uuid),
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@role_required(RESPONDER)
def override_delete(request: HttpRequest, org_slug: str, slug: str, uuid: Any) -> HttpResponse:
    schedule = get_schedule(request, slug)
    override = selectors.override_get(schedule=schedule, uuid=uuid)
    tz = ZoneInfo(schedule.time_zone)
    span = span_text(override.starts_at, override.ends_at, tz)
    if request.method == "POST":
        actions.override_delete(override=override, actor=Actor.from_request(request))
        messages.success(request, f"Override removed: the rotation applies again for {span}.")
        return redirect("oncall:schedule-detail", org_slug=org_slug, slug=schedule.slug)
    instead = f" instead of {override.covers.display_name}" if override.covers else ""
    return render(
        request,
        "components/confirm.html",
        {
            "title": f"Remove {override.user.display_name}'s override?",
            "body": f"{override.user.display_name} would no longer be on call{instead} for {span} "
            f"({schedule.time_zone}); the rotation decides again who is.",
            "confirm_label": "Remove override",
            "cancel_url": schedule_url(request, "schedule-detail", schedule),
        },
    )

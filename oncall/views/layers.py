"""The layer (rotation) editor of a schedule: create, edit, delete, reorder (admins)."""

from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from oncall.actions import schedules as actions
from oncall.forms.schedules import LayerForm
from oncall.models import Schedule, ScheduleLayer
from oncall.selectors import schedules as selectors
from oncall.views.common import get_schedule, schedule_url
from orgs.permissions import ADMIN, role_required
from orgs.tenancy import Actor
from orgs.web import form_add_validation_error


def layer_form_page(
    request: HttpRequest, schedule: Schedule, form: LayerForm, layer: ScheduleLayer | None
) -> HttpResponse:
    return render(
        request,
        "oncall/schedule_layer_form.html",
        {"schedule": schedule, "form": form, "layer": layer, "zone": schedule.time_zone.replace("_", " ")},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def layer_create(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    schedule = get_schedule(request, slug)
    today = timezone.now().astimezone(ZoneInfo(schedule.time_zone)).date()
    initial = {"start_date": today, "rotation": "weekly", "preset": "always", "name": "Primary"}
    if selectors.layer_list(schedule=schedule):
        initial["name"] = ""
    form = LayerForm(request.POST or None, organization=request.organization, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = form.action_fields()
        try:
            layer = actions.layer_create(schedule=schedule, actor=Actor.from_request(request), **fields)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, f"Layer “{layer.name}” added on top of the schedule.")
            return redirect("oncall:schedule-detail", org_slug=org_slug, slug=schedule.slug)
    return layer_form_page(request, schedule, form, None)


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def layer_update(request: HttpRequest, org_slug: str, slug: str, uuid: Any) -> HttpResponse:
    schedule = get_schedule(request, slug)
    layer = selectors.layer_get(schedule=schedule, uuid=uuid)
    form = LayerForm(request.POST or None, organization=request.organization, layer=layer)
    if request.method == "POST" and form.is_valid():
        try:
            layer = actions.layer_update(layer=layer, actor=Actor.from_request(request), **form.action_fields())
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, f"Layer “{layer.name}” saved; the timeline below shows the new rotation.")
            return redirect("oncall:schedule-detail", org_slug=org_slug, slug=schedule.slug)
    return layer_form_page(request, schedule, form, layer)


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def layer_delete(request: HttpRequest, org_slug: str, slug: str, uuid: Any) -> HttpResponse:
    schedule = get_schedule(request, slug)
    layer = selectors.layer_get(schedule=schedule, uuid=uuid)
    if request.method == "POST":
        actions.layer_delete(layer=layer, actor=Actor.from_request(request))
        messages.success(request, f"Layer “{layer.name}” removed.")
        return redirect("oncall:schedule-detail", org_slug=org_slug, slug=schedule.slug)
    return render(
        request,
        "components/confirm.html",
        {
            "title": f"Remove the layer “{layer.name}” from {schedule.name}?",
            "body": "Its participants stop taking turns here at once; lower layers show through where it used to "
            "win, and times nobody else covers become gaps.",
            "confirm_label": "Remove layer",
            "cancel_url": schedule_url(request, "schedule-detail", schedule),
        },
    )


@require_POST
@role_required(ADMIN)
def layer_move(request: HttpRequest, org_slug: str, slug: str, uuid: Any) -> HttpResponse:
    schedule = get_schedule(request, slug)
    layer = selectors.layer_get(schedule=schedule, uuid=uuid)
    up = request.POST.get("direction") != "down"
    actions.layer_move(layer=layer, actor=Actor.from_request(request), up=up)
    messages.success(request, f"Layer “{layer.name}” moved {'up' if up else 'down'}.")
    return redirect("oncall:schedule-detail", org_slug=org_slug, slug=schedule.slug)

"""Schedule pages: the list with who is on call now and next, a schedule's two-week timeline, the layer and
override editors, "my on-call shifts", and the iCal feeds (session-authenticated under /o/, or public by a
member's secret URL under /calendar/).

Viewers read; responders add and remove overrides ("I'll cover"); admins manage schedules and layers.
The timeline is drawn server-side in the schedule's time zone (hand-offs are defined there).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import timefmt
from oncall import ical, rotation
from oncall.actions import schedules as actions
from oncall.models import Schedule, ScheduleLayer
from oncall.rotation import OVERRIDE, Shift
from oncall.schedule_forms import LayerForm, OverrideForm, ScheduleForm
from oncall.selectors import schedules as selectors
from orgs.models import Organization, User
from orgs.permissions import ADMIN, RESPONDER, role_required
from orgs.tenancy import Actor
from orgs.web import form_add_validation_error

TIMELINE_DAYS = 14
MY_SHIFTS_DAYS = 28
FEED_PAST = timedelta(days=7)
FEED_AHEAD = timedelta(days=56)
PALETTE = 8
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


# --- helpers ---------------------------------------------------------------------------------------------


def get_schedule(request: HttpRequest, slug: str) -> Schedule:
    schedule = selectors.schedule_get(organization=request.organization, slug=slug)
    schedule.organization = request.organization
    return schedule


def local_text(moment: datetime, tz: ZoneInfo, with_day: bool = True) -> str:
    """Dec 8, 18:00 (the app's one format, core.timefmt) in the schedule's zone, which the page names."""
    local = moment.astimezone(tz)
    return timefmt.datetime_text(local, now=timezone.now()) if with_day else timefmt.time_text(local)


def span_text(start: datetime, end: datetime, tz: ZoneInfo) -> str:
    same_day = start.astimezone(tz).date() == end.astimezone(tz).date()
    return f"{local_text(start, tz)} \N{EN DASH} {local_text(end, tz, with_day=not same_day)}"


def schedule_url(request: HttpRequest, name: str, schedule: Schedule, **kwargs: Any) -> str:
    return reverse(f"oncall:{name}", kwargs={"org_slug": request.organization.slug, "slug": schedule.slug, **kwargs})


def cover_url(request: HttpRequest, schedule: Schedule, shift: Shift, user: User | None, tz: ZoneInfo) -> str:
    """The prefilled override form for this shift: "I'll cover" (someone else's) or "find cover" (mine)."""
    start = max(shift.starts_at, timezone.now().replace(second=0, microsecond=0))
    query = {
        "start": start.astimezone(tz).strftime(DATETIME_LOCAL),
        "end": shift.ends_at.astimezone(tz).strftime(DATETIME_LOCAL),
    }
    if user is not None:
        query["covers"] = str(user.uuid)
    return f"{schedule_url(request, 'override-create', schedule)}?{urlencode(query)}"


def feed_url(name: str, **kwargs: Any) -> str | None:
    """Absolute URL of a public feed, or None when this server does not serve /calendar/ (not wired)."""
    try:
        return settings.SITE_URL + reverse(f"oncall_feeds:{name}", kwargs=kwargs)
    except NoReverseMatch:
        return None


DAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def days_text(weekdays: list[int]) -> str:
    """[0, 1, 2, 3, 4] -> Mon-Fri; [5, 6] -> Sat-Sun; others listed."""
    days = sorted(set(weekdays))
    if len(days) == 7:
        return "Every day"
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        return f"{DAY_NAMES[days[0]]}\N{EN DASH}{DAY_NAMES[days[-1]]}"
    return ", ".join(DAY_NAMES[d] for d in days)


def describe_layer(layer: ScheduleLayer) -> ScheduleLayer:
    """Attach the phrases the page shows: rotation, restriction windows, and the dates it runs."""
    handoff = layer.handoff_time.strftime("%H:%M")
    if layer.rotation == "weekly":
        layer.summary = f"Weekly, {DAY_NAMES[layer.start_date.weekday()]} {handoff}"
    elif layer.rotation == "daily":
        layer.summary = f"Daily, {handoff}"
    else:
        layer.summary = f"Every {layer.shift_hours} h from {handoff}"
    windows = []
    for window in layer.restrictions or []:
        hours = (
            "all day" if window["start"] == window["end"] == "00:00" else f"{window['start']}\N{EN DASH}{window['end']}"
        )
        windows.append(f"{days_text(window['weekdays'])} {hours}")
    layer.restriction_text = "; ".join(windows)
    when = f"First hand-off {timefmt.date_text(layer.start_date)} at {handoff}"
    if layer.end_date:
        when += f", ends {timefmt.date_text(layer.end_date)} at {handoff}"
    layer.when_text = when + ("" if windows else ", on call around the clock")
    return layer


@dataclass
class Bar:
    left: float
    width: float
    label: str
    title: str
    css: str
    url: str = ""


def _bar(start: datetime, end: datetime, window: tuple[datetime, datetime], **kwargs: Any) -> Bar:
    total = (window[1] - window[0]).total_seconds()
    left = (start - window[0]).total_seconds() / total * 100
    width = (end - start).total_seconds() / total * 100
    return Bar(left=round(left, 3), width=round(width, 3), **kwargs)


def shift_bar(
    request: HttpRequest,
    schedule: Schedule,
    shift: Shift,
    users: dict[int, User],
    window: tuple[datetime, datetime],
    tz: ZoneInfo,
    can_cover: bool,
) -> Bar:
    user = users.get(shift.user_id)
    name = user.display_name if user else "?"
    override = shift.source == OVERRIDE
    title = f"{name}{' (override)' if override else ''}: {span_text(shift.starts_at, shift.ends_at, tz)}"
    url = ""
    if can_cover and shift.ends_at > timezone.now():
        mine = user is not None and user.pk == request.user.pk
        url = cover_url(request, schedule, shift, user if not mine else request.user, tz)
        title += " · click to find cover" if mine else " · click to cover this shift"
    css = f"st-c{shift.user_id % PALETTE}" + (" st-override" if override else "")
    bar = _bar(shift.starts_at, shift.ends_at, window, label=name, title=title, css=css, url=url)
    bar.label = bar_label(bar.width, user)
    return bar


def bar_label(width: float, user: User | None) -> str:
    """What fits in a bar `width` percent of the track wide: the name, the first name, initials or nothing."""
    if user is None:
        return "?"
    if width >= 12:
        return user.display_name
    if width >= 5:
        return user.display_name.split()[0] if user.full_name else user.email.split("@")[0]
    return user.initials if width >= 2 else ""


def timeline(request: HttpRequest, schedule: Schedule, first_day: date, can_cover: bool) -> dict[str, Any]:
    """The two-week picture: a row per layer, then who is actually on call (overrides and gaps included)."""
    tz = ZoneInfo(schedule.time_zone)
    start = datetime.combine(first_day, datetime.min.time(), tzinfo=tz).astimezone(ZoneInfo("UTC"))
    end = datetime.combine(first_day + timedelta(days=TIMELINE_DAYS), datetime.min.time(), tzinfo=tz).astimezone(
        ZoneInfo("UTC")
    )
    window = (start, end)
    data, per_layer = selectors.layer_rows(schedule=schedule, start=start, end=end)
    final = rotation.resolve_shifts(
        layers=data.specs, overrides=data.overrides, time_zone=schedule.time_zone, start=start, end=end
    )
    gaps = rotation.coverage_gaps(final, start=start, end=end)
    ids = {s.user_id for s in final} | {s.user_id for row in per_layer.values() for s in row}
    users = selectors.users_by_id(ids)
    today = timezone.now().astimezone(tz).date()
    days = []
    for offset in range(TIMELINE_DAYS):
        day = first_day + timedelta(days=offset)
        a = datetime.combine(day, datetime.min.time(), tzinfo=tz).astimezone(ZoneInfo("UTC"))
        b = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz).astimezone(ZoneInfo("UTC"))
        bar = _bar(a, b, window, label=day.strftime("%a %d"), title=day.strftime("%A %d %B %Y"), css="")
        bar.css = " ".join(
            c
            for c, on in (("is-weekend", day.weekday() >= 5), ("is-today", day == today), ("is-month", day.day == 1))
            if on
        )
        days.append(bar)
    rows = [
        {
            "layer": describe_layer(layer),
            "bars": [shift_bar(request, schedule, s, users, window, tz, False) for s in per_layer.get(layer.pk, [])],
        }
        for layer in data.layers
    ]
    now = timezone.now()
    gap_bars = [
        _bar(a, b, window, label="", title=f"Nobody on call: {span_text(a, b, tz)}", css="st-gap") for a, b in gaps
    ]
    for bar in gap_bars:
        bar.label = "Nobody" if bar.width >= 5 else ""
    return {
        "days": days,
        "rows": rows,
        "final": [shift_bar(request, schedule, s, users, window, tz, can_cover) for s in final] + gap_bars,
        "gaps": [{"text": span_text(a, b, tz), "future": b > now} for a, b in gaps],
        "now_left": round((now - start).total_seconds() / (end - start).total_seconds() * 100, 3)
        if start <= now < end
        else None,
        "first_day": first_day,
        "last_day": first_day + timedelta(days=TIMELINE_DAYS - 1),
        "previous": (first_day - timedelta(days=7)).isoformat(),
        "next": (first_day + timedelta(days=7)).isoformat(),
        "today": today.isoformat(),
        "is_current": first_day <= today <= first_day + timedelta(days=TIMELINE_DAYS - 1),
    }


def now_next_context(schedule: Schedule, nn: selectors.NowNext, users: dict[int, User]) -> dict[str, Any]:
    tz = ZoneInfo(schedule.time_zone)

    def describe(shift: Shift | None) -> dict[str, Any] | None:
        if shift is None:
            return None
        return {
            "user": users.get(shift.user_id),
            "starts": local_text(shift.starts_at, tz),
            "ends": local_text(shift.ends_at, tz),
            "starts_at": shift.starts_at,
            "ends_at": shift.ends_at,
            "override": shift.source == OVERRIDE,
            "open_ended": shift.ends_at >= timezone.now() + selectors.LOOKAHEAD - timedelta(minutes=1),
        }

    return {"current": describe(nn.current), "following": describe(nn.following)}


def schedule_now_next(schedule: Schedule) -> dict[str, Any]:
    nn = selectors.schedule_now_next(schedule=schedule, now=timezone.now())
    ids = {s.user_id for s in (nn.current, nn.following) if s}
    return now_next_context(schedule, nn, selectors.users_by_id(ids))


def first_day_from(request: HttpRequest, tz: ZoneInfo) -> date:
    """The timeline's first day from ?start=YYYY-MM-DD (within two years of today), else today."""
    today = timezone.now().astimezone(tz).date()
    try:
        day = date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        return today
    return day if abs((day - today).days) <= 730 else today


def ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- schedules -------------------------------------------------------------------------------------------


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


@require_GET
def schedule_calendar(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    """The schedule's shifts from a week ago to eight weeks ahead, for a signed-in download."""
    schedule = get_schedule(request, slug)
    return ics_response(schedule_ics(schedule), f"{schedule.slug}.ics")


def schedule_ics(schedule: Schedule) -> bytes:
    now = timezone.now()
    shifts = selectors.schedule_shifts(schedule=schedule, start=now - FEED_PAST, end=now + FEED_AHEAD)
    link = settings.SITE_URL + reverse(
        "oncall:schedule-detail", kwargs={"org_slug": schedule.organization.slug, "slug": schedule.slug}
    )
    return ical.shifts_calendar(
        name=f"On call: {schedule.name}",
        entries=[(schedule, s) for s in shifts],
        users=selectors.users_by_id({s.user_id for s in shifts}),
        link_for={schedule.pk: link},
    )


def user_ics(organization: Organization, user: User) -> bytes:
    now = timezone.now()
    entries = selectors.user_shifts(organization=organization, user=user, start=now - FEED_PAST, end=now + FEED_AHEAD)
    links = {
        schedule.pk: settings.SITE_URL
        + reverse("oncall:schedule-detail", kwargs={"org_slug": organization.slug, "slug": schedule.slug})
        for schedule, _ in entries
    }
    return ical.shifts_calendar(
        name=f"My on-call shifts ({organization.name})", entries=entries, users={user.pk: user}, link_for=links
    )


# --- layers ----------------------------------------------------------------------------------------------


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


# --- overrides -------------------------------------------------------------------------------------------


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


# --- my on-call ------------------------------------------------------------------------------------------


@require_GET
def my_oncall(request: HttpRequest, org_slug: str) -> HttpResponse:
    now = timezone.now()
    organization = request.organization
    # Look past both ends so a shift running now (or at the horizon) shows its real start and end.
    horizon = now + timedelta(days=MY_SHIFTS_DAYS)
    entries = [
        (schedule, shift)
        for schedule, shift in selectors.user_shifts(
            organization=organization, user=request.user, start=now - FEED_PAST, end=horizon + FEED_PAST
        )
        if shift.ends_at > now and shift.starts_at < horizon
    ]
    shifts = []
    for schedule, shift in entries:
        tz = ZoneInfo(schedule.time_zone)
        shifts.append(
            {
                "schedule": schedule,
                "shift": shift,
                "span": span_text(shift.starts_at, shift.ends_at, tz),
                "zone": schedule.time_zone.replace("_", " "),
                "hours": round((shift.ends_at - shift.starts_at).total_seconds() / 3600, 1),
                "now": shift.contains(now),
                "override": shift.source == OVERRIDE,
                "cover_url": cover_url(request, schedule, shift, request.user, tz)
                if request.membership.has_role(RESPONDER)
                else "",
            }
        )
    profile = selectors.profile_get(organization=organization, user=request.user)
    token = ical.feed_token(profile) if profile else None
    context = {
        "shifts": shifts,
        "current": [s for s in shifts if s["now"]],
        "upcoming": [s for s in shifts if not s["now"]],
        "days": MY_SHIFTS_DAYS,
        "has_schedules": selectors.schedule_list(organization=organization).exists(),
        "profile": profile,
        "feed_url": feed_url("user-feed", token=token) if token else None,
        "feeds_enabled": feed_url("user-feed", token="x.y") is not None,
    }
    return render(request, "oncall/my_oncall.html", context)


@require_POST
def my_oncall_feed(request: HttpRequest, org_slug: str) -> HttpResponse:
    """Create or regenerate the member's secret calendar URL (the previous one stops working)."""
    existed = selectors.profile_get(organization=request.organization, user=request.user) is not None
    actions.feed_regenerate(organization=request.organization, user=request.user, actor=Actor.from_request(request))
    messages.success(
        request,
        "New calendar link issued; the old one no longer works. Update it in your calendar app."
        if existed
        else "Your calendar link is ready: add it to your calendar app as a subscription.",
    )
    return redirect("oncall:my-oncall", org_slug=org_slug)


# --- public feeds (secret URL, no sign-in) ---------------------------------------------------------------


@login_not_required
@require_GET
def user_feed(request: HttpRequest, token: str) -> HttpResponse:
    profile = selectors.profile_for_feed_token(token=token)
    if profile is None:
        raise Http404
    return ics_response(user_ics(profile.organization, profile.user), "my-on-call.ics")


@login_not_required
@require_GET
def schedule_feed(request: HttpRequest, token: str, uuid: Any) -> HttpResponse:
    profile = selectors.profile_for_feed_token(token=token)
    if profile is None:
        raise Http404
    schedule = selectors.schedule_list(organization=profile.organization).filter(uuid=uuid).first()
    if schedule is None:
        raise Http404
    schedule.organization = profile.organization
    return ics_response(schedule_ics(schedule), f"{schedule.slug}.ics")

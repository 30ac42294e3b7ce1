"""A schedule's two-week timeline (bars per layer, overrides and the final schedule, drawn server-side in the
schedule's time zone) and the "on call now and next" summary of the list and the home page."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.utils import timezone

from core import timefmt
from oncall import rotation
from oncall.models import Schedule, ScheduleLayer
from oncall.rotation import OVERRIDE, Shift
from oncall.selectors import schedules as selectors
from oncall.views.common import cover_url, local_text, span_text
from orgs.models import User

TIMELINE_DAYS = 14


PALETTE = 8


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

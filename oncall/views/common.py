"""Helpers every schedule page shares: the schedule of the URL, times as text in a zone, page and feed URLs."""

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from core import timefmt
from core.fields import DATETIME_LOCAL
from oncall.models import Schedule
from oncall.rotation import Shift
from oncall.selectors import schedules as selectors
from orgs.models import User


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


def first_day_from(request: HttpRequest, tz: ZoneInfo) -> date:
    """The timeline's first day from ?start=YYYY-MM-DD (within two years of today), else today."""
    today = timezone.now().astimezone(tz).date()
    try:
        day = date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        return today
    return day if abs((day - today).days) <= 730 else today

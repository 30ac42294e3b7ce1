"""The one way Firebreak shows a date or a time to a person.

Every page renders times through `time_html` (the `{% datetime %}` tag): a `<time>` whose `datetime`
attribute is the exact instant in UTC (ISO 8601), whose title is the exact UTC time, and whose text is
the fallback in the one display format, in UTC. static/js/firebreak-time.js then rewrites the text in the
viewer's time zone. The server never renders a time in a viewer's zone, so a fragment pushed live to
every browser (timeline entries, alert and incident rows) is the same for everybody.

The format, chosen once (the JavaScript mirrors it exactly):
- datetime: ``Dec 6, 20:55`` within the current year, ``Dec 6, 2025, 20:55`` otherwise (24-hour clock:
  at 3 a.m. nobody should wonder whether 03:10 was AM);
- date: ``Dec 6, 2026`` (a calendar date such as a due date is never shifted between zones);
- time: ``20:55``, for lists whose day is already clear (a timeline);
- relative: ``just now``, ``12 min ago``, ``3 h ago``, ``4 days ago`` (``in 5 min`` ahead), and the datetime
  form beyond 30 days, where ages stop being useful.
E-mails, CSV, iCal and the API keep ISO 8601.
"""

import zoneinfo
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import format_html
from django.utils.safestring import SafeString

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
STYLES = ("datetime", "date", "time", "relative")
EMPTY = "—"
# Beyond this an age ("45 days ago") says less than the date does.
RELATIVE_LIMIT = timedelta(days=30)


def as_utc(value: Any) -> datetime | None:
    """An aware UTC datetime from a datetime (naive ones are taken as UTC) or an ISO 8601 string; else None."""
    if isinstance(value, str):
        try:
            value = parse_datetime(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value.astimezone(UTC) if timezone.is_aware(value) else value.replace(tzinfo=UTC)


def as_date(value: Any) -> date | None:
    """A calendar date (not a datetime) from a date or an ISO string such as 2026-12-06; else None."""
    if isinstance(value, str):
        try:
            value = parse_date(value)
        except ValueError:
            return None
    if isinstance(value, datetime) or not isinstance(value, date):
        return None
    return value


def iso_utc(moment: datetime) -> str:
    """2026-12-06T20:55:03Z: what `<time datetime>` carries (seconds are enough for people)."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def exact_utc(moment: datetime) -> str:
    """2026-12-06 20:55:03 UTC: the hover text, unambiguous for anybody in any zone."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def date_text(day: date) -> str:
    """Dec 6, 2026."""
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def time_text(moment: datetime) -> str:
    """20:55."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


def datetime_text(moment: datetime, *, now: datetime) -> str:
    """Dec 6, 20:55 in `now`'s year, Dec 6, 2025, 20:55 otherwise (both in the zone `moment` is in)."""
    day = f"{MONTHS[moment.month - 1]} {moment.day}"
    if moment.year != now.astimezone(moment.tzinfo).year:
        day += f", {moment.year}"
    return f"{day}, {time_text(moment)}"


def relative_text(moment: datetime, *, now: datetime) -> str:
    """just now · 12 min ago · 3 h ago · 4 days ago · in 5 min; the datetime form beyond 30 days."""
    delta = now - moment
    seconds = abs(delta.total_seconds())
    if abs(delta) > RELATIVE_LIMIT:
        return datetime_text(moment, now=now)
    if seconds < 60:
        return "just now" if delta >= timedelta(0) else "in a moment"
    if seconds < 3600:
        amount = f"{int(seconds // 60)} min"
    elif seconds < 86400:
        amount = f"{int(seconds // 3600)} h"
    else:
        days = int(seconds // 86400)
        amount = f"{days} day{'s' if days != 1 else ''}"
    return f"{amount} ago" if delta >= timedelta(0) else f"in {amount}"


def display_text(value: Any, style: str = "datetime", *, now: datetime | None = None) -> str:
    """The fallback text of `value` in UTC (plain text, for places that cannot hold a `<time>`)."""
    day = as_date(value)
    if day is not None:
        return date_text(day)
    moment = as_utc(value)
    if moment is None:
        return EMPTY
    now = now or timezone.now()
    if style == "date":
        return date_text(moment.date())
    if style == "time":
        return f"{time_text(moment)} UTC"
    if style == "relative":
        return relative_text(moment, now=now)
    return f"{datetime_text(moment, now=now)} UTC"


def time_html(value: Any, style: str = "datetime", *, now: datetime | None = None) -> SafeString:
    """`<time>` for `value` (datetime, date or ISO string) in one of STYLES; "—" when there is none.

    A calendar date carries no zone, so it is rendered as is and the script leaves it alone; an instant
    carries `data-time` (its style) and the script rewrites its text in the viewer's zone."""
    if style not in STYLES:
        raise ValueError(f"unknown time style {style!r}; one of {', '.join(STYLES)}")
    day = as_date(value)
    if day is not None:
        return format_html('<time datetime="{}">{}</time>', day.isoformat(), date_text(day))
    moment = as_utc(value)
    if moment is None:
        return format_html("{}", EMPTY)
    return format_html(
        '<time datetime="{}" data-time="{}" title="{}">{}</time>',
        iso_utc(moment),
        style,
        exact_utc(moment),
        display_text(moment, style, now=now),
    )


# --- time zones ------------------------------------------------------------------------------------

# Offered first in zone pickers: where most responders are.
COMMON_ZONES = [
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Stockholm",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
]


@cache
def _available_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    """An IANA time zone name such as Europe/London."""
    if value not in _available_zones():
        raise ValidationError(f"“{value}” is not a time zone name (for example Europe/London).")


def time_zone_choices(current: str = "") -> list[tuple[str, str]]:
    """Common zones first, then every IANA zone (the current one is always offered)."""
    rest = sorted(z for z in _available_zones() if z not in COMMON_ZONES and "/" in z)
    zones = [*COMMON_ZONES, *rest]
    if current and current not in zones:
        zones.insert(0, current)
    return [(z, z.replace("_", " ")) for z in zones]

""" "My on-call shifts": the signed-in member's coming shifts and their calendar feed link."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from oncall import ical
from oncall.actions import schedules as actions
from oncall.rotation import OVERRIDE
from oncall.selectors import schedules as selectors
from oncall.views.common import cover_url, feed_url, span_text
from oncall.views.feeds import FEED_PAST
from orgs.permissions import RESPONDER
from orgs.tenancy import Actor

MY_SHIFTS_DAYS = 28


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

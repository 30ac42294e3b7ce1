"""iCal feeds of a schedule and of a member: session-authenticated under /o/, or public by the member's secret
URL under /calendar/ (no sign-in)."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from oncall import ical
from oncall.models import Schedule
from oncall.selectors import schedules as selectors
from oncall.views.common import get_schedule
from orgs.models import Organization, User

FEED_PAST = timedelta(days=7)


FEED_AHEAD = timedelta(days=56)


def ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=300"
    return response


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

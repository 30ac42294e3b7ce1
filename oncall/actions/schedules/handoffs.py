"""Hand-off notices: who goes on call on a schedule is told, once per hand-off."""

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from core import events
from notifications import actions as notification_actions
from oncall.events import ScheduleHandoff
from oncall.models import Schedule
from oncall.rotation import Shift
from oncall.selectors import schedules as schedule_selectors
from orgs.tenancy import Actor

logger = logging.getLogger(__name__)


# Hand-off notices look back at most this far: after an outage, an hours-old "your shift starts" helps nobody.
HANDOFF_LOOKBACK = timedelta(hours=1)


HANDOFF_FIRST_RUN = timedelta(minutes=5)


def _local(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%a %d %b %H:%M")


def handoffs_notify(*, now: datetime) -> int:
    """Tell people whose shift starts in (last run, now]; idempotent per shift, and bounded to the last hour.
    Each hand-off (the people on call change as a shift starts) is also published as schedule.handoff, in the
    transaction that moves `handoffs_notified_until` past it, so a rerun publishes nothing more.

    Called every minute by oncall.tasks.handoffs_notify. Each schedule is locked (skip_locked) while it is
    processed, so two beats never announce the same shift; the notification's idempotency key makes a
    repeat after a crash harmless. Returns the number of people told.
    """
    return sum(
        _schedule_handoffs(schedule_id=schedule_id, now=now)
        for schedule_id in list(Schedule.objects.order_by("pk").values_list("pk", flat=True))
    )


@transaction.atomic
def _schedule_handoffs(*, schedule_id: int, now: datetime) -> int:
    """Announce one schedule's shifts starting in (handoffs_notified_until, now]; caller is handoffs_notify."""
    schedule = (
        Schedule.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("organization")
        .filter(pk=schedule_id)
        .first()
    )
    if schedule is None:
        return 0
    since = max(schedule.handoffs_notified_until or now - HANDOFF_FIRST_RUN, now - HANDOFF_LOOKBACK)
    if since >= now:
        return 0
    horizon = now + timedelta(days=14)
    shifts = schedule_selectors.schedule_shifts(schedule=schedule, start=since - timedelta(days=1), end=horizon)
    starting = [s for s in shifts if since < s.starts_at <= now]
    users = schedule_selectors.users_by_id({s.user_id for s in starting})
    tz = ZoneInfo(schedule.time_zone)
    link = settings.SITE_URL + reverse(
        "oncall:schedule-detail", kwargs={"org_slug": schedule.organization.slug, "slug": schedule.slug}
    )
    told = 0
    for shift in starting:
        user = users.get(shift.user_id)
        if user is None:
            continue
        until = f" to {_local(shift.ends_at, tz)}" if shift.ends_at < horizon else ""
        starts = _local(shift.starts_at, tz)
        subject = f"You are on call for {schedule.name} from {starts}{until} ({schedule.time_zone})"
        message = (
            f"Your on-call shift on “{schedule.name}” ({schedule.organization.name}) starts now"
            + (" as an override." if shift.source == "override" else ".")
            + " Pages for the services this schedule covers come to you until the shift ends."
        )
        notification_actions.user_notify(
            organization=schedule.organization,
            user=user,
            reason="handoff",
            idempotency_base=f"handoff:{schedule.uuid}:{shift.starts_at.isoformat()}:{user.pk}",
            subject=subject[:300],
            message=message,
            link=link,
            now=now,
        )
        told += 1
    _handoffs_publish(schedule, shifts, sorted({shift.starts_at for shift in starting}))
    # Bookkeeping, not an edit of the schedule: updated_at stays.
    Schedule.objects.filter(pk=schedule.pk).update(handoffs_notified_until=now)
    return told


def _handoffs_publish(schedule: Schedule, shifts: list[Shift], instants: list[datetime]) -> None:
    """One schedule.handoff per instant a shift started at where who is on call changed (caller holds the
    schedule's lock and moves its `handoffs_notified_until` past these instants in the same transaction)."""
    for at in instants:
        now_on = tuple(sorted({s.user_id for s in shifts if s.starts_at <= at < s.ends_at}))
        before = tuple(sorted({s.user_id for s in shifts if s.starts_at < at <= s.ends_at}))
        if now_on == before:
            continue
        events.publish(
            ScheduleHandoff(
                organization_id=schedule.organization_id,
                actor=Actor.system(),
                schedule_id=schedule.pk,
                schedule_slug=schedule.slug,
                schedule_name=schedule.name,
                at=at,
                user_ids=now_on,
                previous_user_ids=before,
            )
        )

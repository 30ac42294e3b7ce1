"""Writes of schedules: schedules, their layers (rotations) and overrides, calendar feed links and hand-off notices.

Every person a client names (layer participants, override users) must be a member of the schedule's org.
Role checks happen in the views and the API: admins manage schedules and layers, responders overrides.
"""

import logging
import re
import secrets
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from notifications import actions as notification_actions
from oncall.models import (
    OncallProfile,
    RotationKind,
    Schedule,
    ScheduleLayer,
    ScheduleLayerMember,
    ScheduleOverride,
    validate_time_zone,
)
from oncall.selectors import schedules as schedule_selectors
from orgs import actions as org_actions
from orgs.models import Membership, Organization, Team, User
from orgs.tenancy import Actor

logger = logging.getLogger(__name__)

SCHEDULE_FIELDS = ("name", "slug", "description", "time_zone", "owner_team")
LAYER_FIELDS = ("name", "rotation", "shift_hours", "handoff_time", "start_date", "end_date", "restrictions")
MAX_PARTICIPANTS = 50
MAX_WINDOWS = 14
MAX_OVERRIDE = timedelta(days=90)
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
RESERVED_SLUGS = {"new"}
# Hand-off notices look back at most this far: after an outage, an hours-old "your shift starts" helps nobody.
HANDOFF_LOOKBACK = timedelta(hours=1)
HANDOFF_FIRST_RUN = timedelta(minutes=5)


# --- validation helpers ----------------------------------------------------------------------------------


def _check_members(organization: Organization, users: list[User], field: str) -> None:
    ids = {u.pk for u in users}
    members = set(
        Membership.objects.filter(organization=organization, user_id__in=ids).values_list("user_id", flat=True)
    )
    if ids - members:
        raise ValidationError({field: "Choose members of this organization."})


def _check_team(organization: Organization, team: Team | None) -> None:
    if team is not None and team.organization_id != organization.pk:
        raise ValidationError({"owner_team": "Choose a team of this organization."})


def _clean_schedule(organization: Organization, fields: dict[str, Any], schedule: Schedule | None) -> dict[str, Any]:
    clean = dict(fields)
    errors: dict[str, list[str]] = {}
    if "name" in clean or schedule is None:
        clean["name"] = (clean.get("name") or "").strip()
        if not clean["name"]:
            errors.setdefault("name", []).append("Name the schedule, e.g. “Payments primary”.")
    if "slug" in clean or schedule is None:
        slug = slugify((clean.get("slug") or "").strip() or clean.get("name") or "")[:63]
        clean["slug"] = slug
        if not slug:
            if "name" not in errors:
                errors.setdefault("slug", []).append("Enter a name or slug with at least one letter or number.")
        elif slug in RESERVED_SLUGS:
            errors.setdefault("slug", []).append(f"“{slug}” is reserved; choose another slug.")
        elif (
            Schedule.objects.for_org(organization).filter(slug=slug).exclude(pk=getattr(schedule, "pk", None)).exists()
        ):
            errors.setdefault("slug", []).append(f"A schedule with the slug “{slug}” already exists.")
    if "time_zone" in clean or schedule is None:
        clean["time_zone"] = (clean.get("time_zone") or "UTC").strip()
        try:
            validate_time_zone(clean["time_zone"])
        except ValidationError as exc:
            errors.setdefault("time_zone", []).extend(exc.messages)
    if "owner_team" in clean:
        try:
            _check_team(organization, clean["owner_team"])
        except ValidationError as exc:
            errors.setdefault("owner_team", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return clean


def clean_restrictions(value: Any) -> list[dict[str, Any]]:
    """Restrictions as stored: a list of {"weekdays": sorted 0..6, "start": "HH:MM", "end": "HH:MM"}."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationError(
            {
                "restrictions": 'A list of windows such as {"weekdays": [0, 1, 2, 3, 4], '
                '"start": "08:00", "end": "18:00"}.'
            }
        )
    if len(value) > MAX_WINDOWS:
        raise ValidationError({"restrictions": f"At most {MAX_WINDOWS} windows."})
    clean = []
    for number, window in enumerate(value, start=1):
        if not isinstance(window, dict) or set(window) - {"weekdays", "start", "end"}:
            raise ValidationError({"restrictions": f"Window {number}: use the keys weekdays, start and end."})
        weekdays = window.get("weekdays", list(range(7)))
        if (
            not isinstance(weekdays, list)
            or not weekdays
            or any(not isinstance(d, int) or isinstance(d, bool) or not 0 <= d <= 6 for d in weekdays)
        ):
            raise ValidationError(
                {"restrictions": f"Window {number}: weekdays is a non-empty list of 0 (Monday) to 6 (Sunday)."}
            )
        start, end = window.get("start", "00:00"), window.get("end", "00:00")
        if not all(isinstance(v, str) and HHMM.match(v) for v in (start, end)):
            raise ValidationError({"restrictions": f"Window {number}: start and end are times as HH:MM (24-hour)."})
        clean.append({"weekdays": sorted(set(weekdays)), "start": start, "end": end})
    return clean


def _clean_layer(fields: dict[str, Any], layer: ScheduleLayer | None) -> dict[str, Any]:
    clean = dict(fields)
    errors: dict[str, str] = {}
    merged = {f: getattr(layer, f) for f in LAYER_FIELDS} if layer else {}
    merged.update(clean)
    if "name" in clean or layer is None:
        clean["name"] = (clean.get("name") or "").strip()
        if not clean["name"]:
            errors["name"] = "Name the layer, e.g. “Primary” or “Weekend cover”."
    rotation = merged.get("rotation") or RotationKind.WEEKLY
    if rotation not in RotationKind.values:
        errors["rotation"] = "Choose daily, weekly or custom."
    shift_hours = merged.get("shift_hours")
    shift_hours = 24 if shift_hours is None else shift_hours
    if rotation == RotationKind.CUSTOM and not (isinstance(shift_hours, int) and 1 <= shift_hours <= 24 * 28):
        errors["shift_hours"] = "A custom rotation's shift is 1 to 672 hours."
    if not isinstance(merged.get("handoff_time"), time):
        errors["handoff_time"] = "Enter the hand-off time, e.g. 09:00."
    start_date, end_date = merged.get("start_date"), merged.get("end_date")
    if not isinstance(start_date, date):
        errors["start_date"] = "Enter the date of the first hand-off."
    elif end_date is not None and end_date <= start_date:
        errors["end_date"] = "The end date must be after the start date (or leave it empty)."
    if "restrictions" in clean:
        try:
            clean["restrictions"] = clean_restrictions(clean["restrictions"])
        except ValidationError as exc:
            errors["restrictions"] = exc.message_dict["restrictions"][0]
    if errors:
        raise ValidationError(errors)
    return clean


def _set_members(layer: ScheduleLayer, users: list[User]) -> None:
    if not users:
        raise ValidationError({"members": "Add at least one participant."})
    if len(users) > MAX_PARTICIPANTS:
        raise ValidationError({"members": f"At most {MAX_PARTICIPANTS} participants."})
    _check_members(layer.organization, users, "members")
    ScheduleLayerMember.objects.filter(layer=layer).delete()
    ScheduleLayerMember.objects.bulk_create(
        ScheduleLayerMember(organization_id=layer.organization_id, layer=layer, user=user, position=i)
        for i, user in enumerate(users)
    )


def _layer_snapshot(layer: ScheduleLayer) -> dict[str, Any]:
    return {
        "name": layer.name,
        "rotation": layer.rotation,
        "shift_hours": layer.shift_hours,
        "handoff_time": str(layer.handoff_time)[:5],
        "start_date": str(layer.start_date),
        "end_date": str(layer.end_date) if layer.end_date else None,
        "restrictions": layer.restrictions,
        "members": [m.user.email for m in layer.members.select_related("user").order_by("position")],
    }


# --- schedules ---------------------------------------------------------------------------------------------


@transaction.atomic
def schedule_create(*, organization: Organization, actor: Actor, name: str, **fields: Any) -> Schedule:
    """Create a schedule (slug from the name unless given); it has nobody on call until a layer is added."""
    unknown = set(fields) - set(SCHEDULE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown schedule fields: {sorted(unknown)}")
    clean = _clean_schedule(organization, {"name": name, **fields}, None)
    schedule = Schedule.objects.create(organization=organization, **clean)
    org_actions.audit_record(
        organization=organization,
        actor=actor,
        action="schedule.created",
        target=schedule,
        changes={"time_zone": {"before": None, "after": schedule.time_zone}},
    )
    return schedule


@transaction.atomic
def schedule_update(*, schedule: Schedule, actor: Actor, **fields: Any) -> Schedule:
    """Rename, re-slug, change the time zone (hand-offs keep their local times) or the owner team."""
    unknown = set(fields) - set(SCHEDULE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown schedule fields: {sorted(unknown)}")
    schedule = Schedule.objects.select_for_update().select_related("organization").get(pk=schedule.pk)
    clean = _clean_schedule(schedule.organization, fields, schedule)
    changes = {}
    for field, value in clean.items():
        before = getattr(schedule, field)
        if before != value:
            changes[field] = {
                "before": before.slug if isinstance(before, Team) else before,
                "after": value.slug if isinstance(value, Team) else value,
            }
            setattr(schedule, field, value)
    if changes:
        schedule.save(update_fields=[*changes, "updated_at"])
        org_actions.audit_record(
            organization=schedule.organization, actor=actor, action="schedule.updated", target=schedule, changes=changes
        )
    return schedule


@transaction.atomic
def schedule_delete(*, schedule: Schedule, actor: Actor) -> None:
    """Delete a schedule with its layers and overrides; refused while an escalation policy pages it."""
    policies = schedule_selectors.schedule_policy_names(schedule=schedule)
    if policies:
        raise ValidationError(
            f"Escalation policies page this schedule: {', '.join(policies)}. Change their steps first, "
            "so that no page goes nowhere."
        )
    org_actions.audit_record(
        organization=schedule.organization, actor=actor, action="schedule.deleted", target=schedule
    )
    schedule.delete()


# --- layers ------------------------------------------------------------------------------------------------


@transaction.atomic
def layer_create(
    *, schedule: Schedule, actor: Actor, users: list[User], position: int | None = None, **fields: Any
) -> ScheduleLayer:
    """Add a rotation layer with participants in turn order; by default on top (it wins where it has someone)."""
    unknown = set(fields) - set(LAYER_FIELDS)
    if unknown:
        raise ValueError(f"Unknown layer fields: {sorted(unknown)}")
    schedule = Schedule.objects.select_for_update().select_related("organization").get(pk=schedule.pk)
    clean = _clean_layer(fields, None)
    top = ScheduleLayer.objects.filter(schedule=schedule).aggregate(top=Max("position"))["top"]
    if position is None:
        position = 0 if top is None else top + 1
    elif ScheduleLayer.objects.filter(schedule=schedule, position=position).exists():
        raise ValidationError({"position": f"Another layer of this schedule is at position {position}."})
    layer = ScheduleLayer.objects.create(
        organization=schedule.organization, schedule=schedule, position=position, **clean
    )
    layer.organization = schedule.organization
    _set_members(layer, users)
    org_actions.audit_record(
        organization=schedule.organization,
        actor=actor,
        action="schedule.layer_created",
        target=schedule,
        changes={"layer": {"before": None, "after": _layer_snapshot(layer)}},
    )
    return layer


@transaction.atomic
def layer_update(
    *, layer: ScheduleLayer, actor: Actor, users: list[User] | None = None, **fields: Any
) -> ScheduleLayer:
    """Change a layer's rotation, hand-off, dates, restrictions or participants (the new order applies at once)."""
    unknown = set(fields) - set(LAYER_FIELDS)
    if unknown:
        raise ValueError(f"Unknown layer fields: {sorted(unknown)}")
    layer = ScheduleLayer.objects.select_for_update().select_related("organization", "schedule").get(pk=layer.pk)
    before = _layer_snapshot(layer)
    clean = _clean_layer(fields, layer)
    for field, value in clean.items():
        setattr(layer, field, value)
    if clean:
        layer.save(update_fields=[*clean, "updated_at"])
    if users is not None:
        _set_members(layer, users)
    after = _layer_snapshot(layer)
    if after != before:
        org_actions.audit_record(
            organization=layer.organization,
            actor=actor,
            action="schedule.layer_updated",
            target=layer.schedule,
            changes={"layer": {"before": before, "after": after}},
        )
    return layer


@transaction.atomic
def layer_delete(*, layer: ScheduleLayer, actor: Actor) -> None:
    """Remove a layer; the layers below it show through where it used to win."""
    org_actions.audit_record(
        organization=layer.organization,
        actor=actor,
        action="schedule.layer_deleted",
        target=layer.schedule,
        changes={"layer": {"before": _layer_snapshot(layer), "after": None}},
    )
    layer.delete()


@transaction.atomic
def layer_move(*, layer: ScheduleLayer, actor: Actor, up: bool) -> ScheduleLayer:
    """Swap a layer with the next higher (up) or lower one: the higher of two overlapping layers wins."""
    layers = list(ScheduleLayer.objects.select_for_update().filter(schedule_id=layer.schedule_id).order_by("position"))
    index = next(i for i, la in enumerate(layers) if la.pk == layer.pk)
    other_index = index + 1 if up else index - 1
    if not 0 <= other_index < len(layers):
        return layers[index]
    mine, other = layers[index], layers[other_index]
    mine_position, other_position = mine.position, other.position
    # The positions are unique per schedule: park one out of the way while swapping.
    parked = max(la.position for la in layers) + 1
    ScheduleLayer.objects.filter(pk=mine.pk).update(position=parked)
    ScheduleLayer.objects.filter(pk=other.pk).update(position=mine_position, updated_at=timezone.now())
    ScheduleLayer.objects.filter(pk=mine.pk).update(position=other_position, updated_at=timezone.now())
    mine.refresh_from_db()
    org_actions.audit_record(
        organization=mine.organization,
        actor=actor,
        action="schedule.layer_moved",
        target=mine.schedule,
        changes={"layer": {"before": f"{mine.name} at {mine_position}", "after": f"{mine.name} at {other_position}"}},
    )
    return mine


# --- overrides ---------------------------------------------------------------------------------------------


@transaction.atomic
def override_create(
    *,
    schedule: Schedule,
    actor: Actor,
    user: User,
    starts_at: datetime,
    ends_at: datetime,
    covers: User | None = None,
) -> ScheduleOverride:
    """`user` takes the schedule from `starts_at` to `ends_at`: instead of `covers`, or over everyone when None."""
    errors: dict[str, str] = {}
    if starts_at is None or ends_at is None or timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValidationError({"starts_at": "Give the start and end with a time zone."})
    if ends_at <= starts_at:
        errors["ends_at"] = "The end must be after the start."
    elif ends_at - starts_at > MAX_OVERRIDE:
        errors["ends_at"] = "An override lasts at most 90 days; change the rotation for anything longer."
    elif ends_at <= timezone.now():
        errors["ends_at"] = "This override would be over already; pick a time in the future."
    if covers is not None and covers.pk == user.pk:
        errors["covers"] = "A person cannot cover themselves; leave “covers” empty or pick someone else."
    try:
        _check_members(schedule.organization, [user], "user")
    except ValidationError as exc:
        errors["user"] = exc.message_dict["user"][0]
    if covers is not None:
        try:
            _check_members(schedule.organization, [covers], "covers")
        except ValidationError as exc:
            errors["covers"] = exc.message_dict["covers"][0]
    if errors:
        raise ValidationError(errors)
    override = ScheduleOverride.objects.create(
        organization=schedule.organization,
        schedule=schedule,
        user=user,
        covers=covers,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=actor.user,
    )
    org_actions.audit_record(
        organization=schedule.organization,
        actor=actor,
        action="schedule.override_created",
        target=schedule,
        changes={
            "override": {
                "before": None,
                "after": {
                    "user": user.email,
                    "covers": covers.email if covers else None,
                    "starts_at": starts_at.isoformat(),
                    "ends_at": ends_at.isoformat(),
                },
            }
        },
    )
    return override


@transaction.atomic
def override_delete(*, override: ScheduleOverride, actor: Actor) -> None:
    """Remove an override: the rotation applies again for its time."""
    org_actions.audit_record(
        organization=override.organization,
        actor=actor,
        action="schedule.override_deleted",
        target=override.schedule,
        changes={
            "override": {
                "before": {
                    "user": override.user.email,
                    "starts_at": override.starts_at.isoformat(),
                    "ends_at": override.ends_at.isoformat(),
                },
                "after": None,
            }
        },
    )
    override.delete()


# --- calendar feed -----------------------------------------------------------------------------------------


@transaction.atomic
def feed_regenerate(*, organization: Organization, user: User, actor: Actor) -> OncallProfile:
    """Issue the member's secret calendar feed URL, or a new one: every earlier URL stops working at once."""
    _check_members(organization, [user], "user")
    nonce = secrets.token_urlsafe(24)
    profile, created = OncallProfile.objects.get_or_create(
        organization=organization, user=user, defaults={"feed_nonce": nonce, "feed_rotated_at": timezone.now()}
    )
    if not created:
        profile = OncallProfile.objects.select_for_update().get(pk=profile.pk)
        profile.feed_nonce = nonce
        profile.feed_rotated_at = timezone.now()
        profile.save(update_fields=["feed_nonce", "feed_rotated_at", "updated_at"])
    org_actions.audit_record(
        organization=organization,
        actor=actor,
        action="oncall.feed_created" if created else "oncall.feed_regenerated",
        target=profile,
        target_label=user.email,
    )
    return profile


# --- hand-off notices --------------------------------------------------------------------------------------


def _local(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%a %d %b %H:%M")


def handoffs_notify(*, now: datetime) -> int:
    """Tell people whose shift starts in (last run, now]; idempotent per shift, and bounded to the last hour.

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
    # Bookkeeping, not an edit of the schedule: updated_at stays.
    Schedule.objects.filter(pk=schedule.pk).update(handoffs_notified_until=now)
    return told

"""Reads of schedules: the rows, and who is on call when (computed by oncall.rotation from the rows).

Only active members of the schedule's org take part in a rotation: a person removed from the org leaves
every layer at once (their turns go to the others), and an override for them no longer applies.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from oncall import ical, rotation
from oncall.models import (
    EscalationStepTarget,
    OncallProfile,
    Schedule,
    ScheduleLayer,
    ScheduleLayerMember,
    ScheduleOverride,
)
from oncall.rotation import Shift
from orgs.models import Organization, User

# How far "next" looks ahead, and the window of the iCal feeds.
LOOKAHEAD = timedelta(days=28)
MAX_WINDOW = timedelta(days=93)


def schedule_list(*, organization: Organization) -> QuerySet[Schedule]:
    """The org's schedules by name, with their owner team."""
    return Schedule.objects.for_org(organization).select_related("owner_team").order_by("name")


def schedule_get(*, organization: Organization, slug: str) -> Schedule:
    """One schedule of the org by slug (404 otherwise)."""
    return get_object_or_404(schedule_list(organization=organization), slug=slug)


def active_member_ids(*, organization: Organization) -> set[int]:
    """Ids of the org's members whose accounts are active: the only people a schedule can put on call."""
    return set(User.objects.filter(memberships__organization=organization, is_active=True).values_list("pk", flat=True))


def layer_list(*, schedule: Schedule) -> list[ScheduleLayer]:
    """The schedule's layers, highest (winning) first, each with `members` in turn order and their users."""
    members = ScheduleLayerMember.objects.select_related("user").order_by("position")
    return list(
        ScheduleLayer.objects.filter(schedule=schedule, organization_id=schedule.organization_id)
        .prefetch_related(Prefetch("members", queryset=members))
        .order_by("-position", "pk")
    )


def layer_get(*, schedule: Schedule, uuid: str) -> ScheduleLayer:
    """One layer of the schedule by uuid (404 otherwise)."""
    return get_object_or_404(ScheduleLayer.objects.filter(schedule=schedule), uuid=uuid)


def override_list(*, schedule: Schedule, ending_after: datetime | None = None) -> QuerySet[ScheduleOverride]:
    """The schedule's overrides by start, optionally only those still running or to come after `ending_after`."""
    qs = ScheduleOverride.objects.filter(schedule=schedule, organization_id=schedule.organization_id)
    if ending_after is not None:
        qs = qs.filter(ends_at__gt=ending_after)
    return qs.select_related("user", "covers", "created_by").order_by("starts_at", "pk")


def override_get(*, schedule: Schedule, uuid: str) -> ScheduleOverride:
    """One override of the schedule by uuid (404 otherwise)."""
    return get_object_or_404(override_list(schedule=schedule), uuid=uuid)


def layer_spec(layer: ScheduleLayer, member_ids: set[int] | None = None) -> rotation.LayerSpec:
    """The pure description of a layer (participants restricted to `member_ids` when given)."""
    users = tuple(m.user_id for m in layer.members.all() if member_ids is None or m.user_id in member_ids)
    return rotation.LayerSpec(
        id=layer.pk,
        position=layer.position,
        rotation=layer.rotation,
        handoff_time=layer.handoff_time,
        start_date=layer.start_date,
        user_ids=users,
        shift_hours=layer.shift_hours,
        end_date=layer.end_date,
        restrictions=rotation.parse_windows(layer.restrictions or []),
    )


@dataclass
class ScheduleData:
    """Everything rotation needs for one schedule and window, loaded in three queries."""

    layers: list[ScheduleLayer]
    specs: list[rotation.LayerSpec]
    overrides: list[rotation.OverrideSpec]
    member_ids: set[int]


def schedule_data(*, schedule: Schedule, start: datetime, end: datetime) -> ScheduleData:
    """Load the layers, the overrides overlapping [start, end) and the active members of the schedule's org."""
    member_ids = active_member_ids(organization=schedule.organization)
    layers = layer_list(schedule=schedule)
    overrides = [
        rotation.OverrideSpec(o.pk, o.user_id, o.starts_at, o.ends_at, o.covers_id)
        for o in ScheduleOverride.objects.filter(
            schedule=schedule, organization_id=schedule.organization_id, starts_at__lt=end, ends_at__gt=start
        )
        if o.user_id in member_ids
    ]
    return ScheduleData(layers, [layer_spec(la, member_ids) for la in layers], overrides, member_ids)


def schedule_shifts(*, schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    """Who is on call from `start` to `end` (aware), as consecutive shifts; time with nobody has no shift."""
    data = schedule_data(schedule=schedule, start=start, end=end)
    return rotation.resolve_shifts(
        layers=data.specs, overrides=data.overrides, time_zone=schedule.time_zone, start=start, end=end
    )


def schedule_gaps(*, schedule: Schedule, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The parts of [start, end) when the schedule has nobody on call."""
    return rotation.coverage_gaps(schedule_shifts(schedule=schedule, start=start, end=end), start=start, end=end)


def schedule_oncall_users(*, schedule: Schedule, at: datetime) -> list[User]:
    """Who is on call on `schedule` at instant `at` (aware); [] when nobody is. Escalations page these."""
    shifts = schedule_shifts(schedule=schedule, start=at, end=at + timedelta(seconds=1))
    ids = [shift.user_id for shift in shifts if shift.contains(at)]
    users = User.objects.in_bulk(ids)
    return [users[pk] for pk in ids if pk in users]


def users_by_id(ids: set[int] | list[int]) -> dict[int, User]:
    """The users behind shifts, for display."""
    return User.objects.in_bulk(set(ids))


@dataclass
class NowNext:
    """The shift running at `now` (None in a gap) and the next one with somebody else (or after a gap)."""

    current: Shift | None
    following: Shift | None


def now_next(shifts: list[Shift], now: datetime) -> NowNext:
    """Current and next shift from shifts resolved over a window starting at `now`."""
    current = next((s for s in shifts if s.contains(now)), None)
    following = next(
        (
            s
            for s in shifts
            if s.starts_at > now and (current is None or s.user_id != current.user_id or s.starts_at > current.ends_at)
        ),
        None,
    )
    return NowNext(current, following)


def schedule_now_next(*, schedule: Schedule, now: datetime) -> NowNext:
    """Who is on call now and who is next, looking ahead LOOKAHEAD."""
    return now_next(schedule_shifts(schedule=schedule, start=now, end=now + LOOKAHEAD), now)


def user_shifts(
    *, organization: Organization, user: User, start: datetime, end: datetime
) -> list[tuple[Schedule, Shift]]:
    """The user's shifts on every schedule of the org within [start, end), by start time (for "my on-call")."""
    found = []
    for schedule in schedule_list(organization=organization):
        schedule.organization = organization
        found += [
            (schedule, shift)
            for shift in schedule_shifts(schedule=schedule, start=start, end=end)
            if shift.user_id == user.pk
        ]
    return sorted(found, key=lambda pair: (pair[1].starts_at, pair[0].name))


def layer_rows(*, schedule: Schedule, start: datetime, end: datetime) -> tuple[ScheduleData, dict[int, list[Shift]]]:
    """Each layer's own shifts in the window (before precedence and overrides), for the timeline picture."""
    data = schedule_data(schedule=schedule, start=start, end=end)
    rows = {
        spec.id: rotation.layer_shifts(spec, time_zone=schedule.time_zone, start=start, end=end) for spec in data.specs
    }
    return data, rows


def profile_get(*, organization: Organization, user: User) -> OncallProfile | None:
    """The user's on-call profile in the org (their calendar feed), or None before they ask for a feed URL."""
    return OncallProfile.objects.for_org(organization).filter(user=user).first()


def profile_for_feed_token(*, token: str) -> OncallProfile | None:
    """The profile whose current feed secret is `token`, if its user is still an active member of its org."""
    claimed = ical.feed_token_uuid(token)
    if claimed is None:
        return None
    profile = OncallProfile.objects.select_related("organization", "user").filter(uuid=claimed).first()
    if profile is None or not ical.feed_token_valid(profile, token):
        return None
    if profile.user_id not in active_member_ids(organization=profile.organization):
        return None
    return profile


def schedule_policy_names(*, schedule: Schedule) -> list[str]:
    """Names of the escalation policies with a step that pages this schedule."""
    return sorted(
        set(
            EscalationStepTarget.objects.filter(
                schedule=schedule, organization_id=schedule.organization_id
            ).values_list("step__policy__name", flat=True)
        )
    )


@dataclass
class ScheduleNow:
    """A schedule, who is on call on it now and next, and those people by id."""

    schedule: Schedule
    now_next: NowNext
    users: dict[int, User]


def schedule_board(*, organization: Organization, now: datetime) -> list[ScheduleNow]:
    """Every schedule of the org with who is on call at `now` and who is next, by name (the home page).

    The same rows and rotation as `schedule_now_next`, loaded for all schedules at once: six queries
    whatever the number of schedules, layers and overrides.
    """
    end = now + LOOKAHEAD
    member_ids = active_member_ids(organization=organization)
    schedules = list(schedule_list(organization=organization))
    members = ScheduleLayerMember.objects.order_by("position")
    layers: dict[int, list[ScheduleLayer]] = {}
    for layer in ScheduleLayer.objects.for_org(organization).prefetch_related(Prefetch("members", queryset=members)):
        layers.setdefault(layer.schedule_id, []).append(layer)
    overrides: dict[int, list[rotation.OverrideSpec]] = {}
    for o in ScheduleOverride.objects.for_org(organization).filter(starts_at__lt=end, ends_at__gt=now):
        if o.user_id in member_ids:
            spec = rotation.OverrideSpec(o.pk, o.user_id, o.starts_at, o.ends_at, o.covers_id)
            overrides.setdefault(o.schedule_id, []).append(spec)
    found = []
    for schedule in schedules:
        schedule.organization = organization
        shifts = rotation.resolve_shifts(
            layers=[layer_spec(layer, member_ids) for layer in layers.get(schedule.pk, [])],
            overrides=overrides.get(schedule.pk, []),
            time_zone=schedule.time_zone,
            start=now,
            end=end,
        )
        found.append((schedule, now_next(shifts, now)))
    users = users_by_id({shift.user_id for _, nn in found for shift in (nn.current, nn.following) if shift})
    return [ScheduleNow(schedule=schedule, now_next=nn, users=users) for schedule, nn in found]

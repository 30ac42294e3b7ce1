"""Who is on call when: pure functions over plain values (no database), so every rule is unit-tested.

Rules (docs/oncall-schedules.md):
- A layer's turn starts at `handoff_time` in the schedule's time zone. Daily and weekly rotations count
  calendar days, so a 09:00 hand-off stays at 09:00 local across daylight-saving changes (a turn is then
  23 or 25 hours long). Custom rotations count elapsed hours from the first hand-off: a 12-hour rotation
  is always 12 real hours, so its local hand-off moves by an hour when the clocks change.
- A hand-off time that does not exist locally (the spring-forward hour) is read with the offset before
  the change (01:30 in London on the March switch is 02:30 BST); an ambiguous one (the autumn hour) is
  its first occurrence.
- A layer starts at its first hand-off (`start_date` at `handoff_time`) and, with an `end_date`, stops at
  the hand-off on that date.
- Restrictions keep a layer to local windows ({"weekdays": [0..6], Monday = 0, "start": "HH:MM",
  "end": "HH:MM"}); a window whose end is at or before its start runs past midnight into the next day
  (00:00-00:00 is the whole day). Outside every window the layer has nobody.
- The highest layer (position) that has somebody at an instant wins; lower layers show through its gaps.
- Overrides win over layers: one that `covers` somebody replaces them while they would be on call; one
  that covers nobody puts its user on call over everyone, gaps included. When overrides compete, the
  latest created (highest id) wins.
"""

import bisect
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

DAILY = "daily"
WEEKLY = "weekly"
CUSTOM = "custom"
LAYER = "layer"
OVERRIDE = "override"
PERIOD_DAYS = {DAILY: 1, WEEKLY: 7}


@dataclass(frozen=True)
class Window:
    """A restriction: local `start`..`end` on each of `weekdays` (Monday = 0); end <= start crosses midnight."""

    weekdays: frozenset[int]
    start: time
    end: time


@dataclass(frozen=True)
class LayerSpec:
    id: int
    position: int
    rotation: str
    handoff_time: time
    start_date: date
    user_ids: tuple[int, ...]
    shift_hours: int = 24
    end_date: date | None = None
    restrictions: tuple[Window, ...] = ()


@dataclass(frozen=True)
class OverrideSpec:
    id: int
    user_id: int
    starts_at: datetime
    ends_at: datetime
    covers_id: int | None = None


@dataclass(frozen=True)
class Shift:
    """`user_id` is on call from `starts_at` to `ends_at` (aware UTC), through a layer or an override."""

    user_id: int
    starts_at: datetime
    ends_at: datetime
    source: str = LAYER
    layer_id: int | None = None
    override_id: int | None = None
    covers_id: int | None = field(default=None, compare=False)

    def contains(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


# --- helpers -------------------------------------------------------------------------------------------


def local_to_utc(day: date, at: time, tz: tzinfo) -> datetime:
    """The instant of wall-clock `day` `at` in `tz` (nonexistent times use the offset before the change)."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def parse_windows(restrictions: Iterable[dict]) -> tuple[Window, ...]:
    """Stored restriction dicts as Windows (they are validated when saved)."""
    return tuple(
        Window(
            weekdays=frozenset(int(d) for d in r.get("weekdays", range(7))),
            start=time.fromisoformat(r.get("start", "00:00")),
            end=time.fromisoformat(r.get("end", "00:00")),
        )
        for r in restrictions
    )


def _merge(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def window_intervals(
    windows: Sequence[Window], tz: tzinfo, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The restriction windows as merged UTC intervals overlapping [start, end)."""
    first = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date() + timedelta(days=1)
    intervals = []
    day = first
    while day <= last:
        for window in windows:
            if day.weekday() not in window.weekdays:
                continue
            until = day if window.end > window.start else day + timedelta(days=1)
            a, b = local_to_utc(day, window.start, tz), local_to_utc(until, window.end, tz)
            if a < end and b > start:
                intervals.append((max(a, start), min(b, end)))
        day += timedelta(days=1)
    return _merge(intervals)


# --- one layer -----------------------------------------------------------------------------------------


def _turn_start(layer: LayerSpec, k: int, tz: tzinfo, anchor: datetime) -> datetime:
    if layer.rotation == CUSTOM:
        return anchor + timedelta(hours=layer.shift_hours * k)
    return local_to_utc(layer.start_date + timedelta(days=PERIOD_DAYS[layer.rotation] * k), layer.handoff_time, tz)


def _first_turn(layer: LayerSpec, tz: tzinfo, anchor: datetime, start: datetime) -> int:
    if layer.rotation == CUSTOM:
        return max(int((start - anchor) // timedelta(hours=layer.shift_hours)) - 1, 0)
    days = (start.astimezone(tz).date() - layer.start_date).days
    return max(days // PERIOD_DAYS[layer.rotation] - 1, 0)


def layer_shifts(layer: LayerSpec, *, time_zone: str | tzinfo, start: datetime, end: datetime) -> list[Shift]:
    """The layer's turns within [start, end), cut to its restriction windows; adjacent turns of one person merge."""
    tz = ZoneInfo(time_zone) if isinstance(time_zone, str) else time_zone
    if not layer.user_ids or end <= start:
        return []
    anchor = local_to_utc(layer.start_date, layer.handoff_time, tz)
    stop = local_to_utc(layer.end_date, layer.handoff_time, tz) if layer.end_date else None
    lo, hi = max(start, anchor), min(end, stop) if stop else end
    if hi <= lo:
        return []
    turns: list[Shift] = []
    k = _first_turn(layer, tz, anchor, lo)
    turn_start = _turn_start(layer, k, tz, anchor)
    while turn_start < hi:
        turn_end = _turn_start(layer, k + 1, tz, anchor)
        if turn_end > lo:
            user_id = layer.user_ids[k % len(layer.user_ids)]
            turns.append(Shift(user_id, max(turn_start, lo), min(turn_end, hi), LAYER, layer.id))
        k += 1
        turn_start = turn_end
    if layer.restrictions:
        windows = window_intervals(layer.restrictions, tz, lo, hi)
        turns = [
            Shift(turn.user_id, max(turn.starts_at, a), min(turn.ends_at, b), LAYER, layer.id)
            for turn in turns
            for a, b in windows
            if a < turn.ends_at and b > turn.starts_at
        ]
    return _join(turns)


def _join(shifts: list[Shift]) -> list[Shift]:
    """Merge back-to-back shifts of the same person from the same source (no hand-off happens between them)."""
    joined: list[Shift] = []
    for shift in shifts:
        last = joined[-1] if joined else None
        if (
            last is not None
            and last.ends_at == shift.starts_at
            and (last.user_id, last.source, last.layer_id, last.override_id)
            == (shift.user_id, shift.source, shift.layer_id, shift.override_id)
        ):
            joined[-1] = replace(last, ends_at=shift.ends_at)
        else:
            joined.append(shift)
    return joined


# --- the whole schedule --------------------------------------------------------------------------------


def _covering(shifts: list[Shift], starts: list[datetime], at: datetime) -> Shift | None:
    i = bisect.bisect_right(starts, at) - 1
    return shifts[i] if i >= 0 and shifts[i].contains(at) else None


def resolve_shifts(
    *,
    layers: Sequence[LayerSpec],
    overrides: Sequence[OverrideSpec],
    time_zone: str | tzinfo,
    start: datetime,
    end: datetime,
) -> list[Shift]:
    """Who is on call from `start` to `end`: the highest layer with somebody, then overrides on top."""
    if end <= start:
        return []
    per_layer = [
        layer_shifts(layer, time_zone=time_zone, start=start, end=end)
        for layer in sorted(layers, key=lambda la: (-la.position, la.id))
    ]
    active = sorted((o for o in overrides if o.starts_at < end and o.ends_at > start), key=lambda o: o.id, reverse=True)
    bounds = {start, end}
    for shifts in per_layer:
        for shift in shifts:
            bounds.update((shift.starts_at, shift.ends_at))
    for override in active:
        bounds.update((max(override.starts_at, start), min(override.ends_at, end)))
    points = sorted(b for b in bounds if start <= b <= end)
    layer_starts = [[s.starts_at for s in shifts] for shifts in per_layer]
    resolved: list[Shift] = []
    for a, b in itertools.pairwise(points):
        hits = (_covering(shifts, starts, a) for shifts, starts in zip(per_layer, layer_starts, strict=True))
        base = next((hit for hit in hits if hit is not None), None)
        current = _apply_overrides(base, [o for o in active if o.starts_at <= a and o.ends_at >= b])
        if current is not None:
            resolved.append(
                Shift(current.user_id, a, b, current.source, current.layer_id, current.override_id, current.covers_id)
            )
    return _join(resolved)


def _apply_overrides(base: Shift | None, overrides: list[OverrideSpec]) -> Shift | None:
    """`overrides` (latest first) all span the instant of `base`; the winner replaces whoever is on call.

    The latest override of everyone (covers None) takes the instant; then overrides that cover whoever is
    on call are followed (someone covering a person who is covering), each at most once.
    """
    takeover = next((o for o in overrides if o.covers_id is None), None)
    current = base
    if takeover is not None:
        current = Shift(takeover.user_id, takeover.starts_at, takeover.ends_at, OVERRIDE, None, takeover.id)
    used: set[int] = set()
    while current is not None:
        cover = next((o for o in overrides if o.covers_id == current.user_id and o.id not in used), None)
        if cover is None:
            break
        used.add(cover.id)
        current = Shift(cover.user_id, cover.starts_at, cover.ends_at, OVERRIDE, None, cover.id, cover.covers_id)
    return current


def coverage_gaps(shifts: Sequence[Shift], *, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The parts of [start, end) where nobody is on call."""
    gaps = []
    cursor = start
    for shift in sorted(shifts, key=lambda s: s.starts_at):
        if shift.starts_at > cursor:
            gaps.append((cursor, min(shift.starts_at, end)))
        cursor = max(cursor, shift.ends_at)
        if cursor >= end:
            break
    if cursor < end:
        gaps.append((cursor, end))
    return [(a, b) for a, b in gaps if b > a]


def oncall_at(
    *, layers: Sequence[LayerSpec], overrides: Sequence[OverrideSpec], time_zone: str | tzinfo, at: datetime
) -> list[int]:
    """The user ids on call at instant `at` ([] when nobody is)."""
    shifts = resolve_shifts(
        layers=layers, overrides=overrides, time_zone=time_zone, start=at, end=at + timedelta(seconds=1)
    )
    return [shift.user_id for shift in shifts if shift.contains(at)]

"""Who is on call when (oncall.rotation, pure): rotations, hand-offs across DST in Europe/London and
America/New_York, restrictions, layer precedence, overrides, nobody on call, and gaps. Exact instants."""

from datetime import UTC, date, datetime, time

from oncall.rotation import (
    LayerSpec,
    OverrideSpec,
    Shift,
    coverage_gaps,
    layer_shifts,
    oncall_at,
    parse_windows,
    resolve_shifts,
)

LONDON = "Europe/London"
NEW_YORK = "America/New_York"
ALICE, BOB, CARMEN, DEEPAK = 1, 2, 3, 4


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def layer(
    rotation: str = "weekly",
    users: tuple[int, ...] = (ALICE, BOB),
    start: date = date(2025, 3, 24),
    handoff: time = time(9),
    position: int = 0,
    layer_id: int = 10,
    **kwargs,
) -> LayerSpec:
    return LayerSpec(
        id=layer_id,
        position=position,
        rotation=rotation,
        handoff_time=handoff,
        start_date=start,
        user_ids=users,
        **kwargs,
    )


def spans(shifts: list[Shift]) -> list[tuple[int, datetime, datetime]]:
    return [(s.user_id, s.starts_at, s.ends_at) for s in shifts]


# --- rotations and DST -----------------------------------------------------------------------------------


def test_weekly_rotation_keeps_0900_london_across_the_march_switch():
    # Given a weekly rotation handing off Mondays 09:00 London, starting the week the clocks go forward
    weekly = layer(start=date(2025, 3, 24))

    # When we ask for three weeks
    shifts = layer_shifts(weekly, time_zone=LONDON, start=utc(2025, 3, 24), end=utc(2025, 4, 14))

    # Then each hand-off is 09:00 local: 09:00 UTC in GMT, 08:00 UTC once BST starts (a 167-hour week)
    assert spans(shifts) == [
        (ALICE, utc(2025, 3, 24, 9), utc(2025, 3, 31, 8)),
        (BOB, utc(2025, 3, 31, 8), utc(2025, 4, 7, 8)),
        (ALICE, utc(2025, 4, 7, 8), utc(2025, 4, 14)),
    ]


def test_weekly_rotation_keeps_0900_london_across_the_october_switch():
    weekly = layer(start=date(2025, 10, 20))

    shifts = layer_shifts(weekly, time_zone=LONDON, start=utc(2025, 10, 20), end=utc(2025, 11, 3, 12))

    assert spans(shifts) == [
        (ALICE, utc(2025, 10, 20, 8), utc(2025, 10, 27, 9)),
        (BOB, utc(2025, 10, 27, 9), utc(2025, 11, 3, 9)),
        (ALICE, utc(2025, 11, 3, 9), utc(2025, 11, 3, 12)),
    ]


def test_daily_rotation_keeps_0900_new_york_across_the_march_switch():
    # Given a daily 09:00 New York rotation over the night the clocks go forward (Sun 9 March 2025)
    daily = layer("daily", start=date(2025, 3, 8))

    shifts = layer_shifts(daily, time_zone=NEW_YORK, start=utc(2025, 3, 8), end=utc(2025, 3, 11))

    # Then Saturday's shift is 23 hours (EST -> EDT) and hand-offs stay at 09:00 local
    assert spans(shifts) == [
        (ALICE, utc(2025, 3, 8, 14), utc(2025, 3, 9, 13)),
        (BOB, utc(2025, 3, 9, 13), utc(2025, 3, 10, 13)),
        (ALICE, utc(2025, 3, 10, 13), utc(2025, 3, 11)),
    ]


def test_daily_rotation_keeps_0900_new_york_across_the_november_switch():
    daily = layer("daily", start=date(2025, 11, 1))

    shifts = layer_shifts(daily, time_zone=NEW_YORK, start=utc(2025, 11, 1), end=utc(2025, 11, 3, 20))

    # Saturday's shift is 25 hours (EDT -> EST)
    assert spans(shifts) == [
        (ALICE, utc(2025, 11, 1, 13), utc(2025, 11, 2, 14)),
        (BOB, utc(2025, 11, 2, 14), utc(2025, 11, 3, 14)),
        (ALICE, utc(2025, 11, 3, 14), utc(2025, 11, 3, 20)),
    ]


def test_weekly_rotation_keeps_0900_new_york_across_both_switches():
    weekly = layer(start=date(2025, 3, 3))

    march = layer_shifts(weekly, time_zone=NEW_YORK, start=utc(2025, 3, 3), end=utc(2025, 3, 17, 15))
    november = layer_shifts(weekly, time_zone=NEW_YORK, start=utc(2025, 10, 27), end=utc(2025, 11, 10, 15))

    assert spans(march) == [
        (ALICE, utc(2025, 3, 3, 14), utc(2025, 3, 10, 13)),
        (BOB, utc(2025, 3, 10, 13), utc(2025, 3, 17, 13)),
        (ALICE, utc(2025, 3, 17, 13), utc(2025, 3, 17, 15)),
    ]
    # 34 weeks after the start: Alice's turn again, and the 3 November hand-off is 09:00 EST
    assert spans(november) == [
        (BOB, utc(2025, 10, 27), utc(2025, 10, 27, 13)),
        (ALICE, utc(2025, 10, 27, 13), utc(2025, 11, 3, 14)),
        (BOB, utc(2025, 11, 3, 14), utc(2025, 11, 10, 14)),
        (ALICE, utc(2025, 11, 10, 14), utc(2025, 11, 10, 15)),
    ]


def test_one_participant_has_one_shift_without_handoffs():
    alone = layer(start=date(2025, 3, 3), users=(ALICE,))

    shifts = layer_shifts(alone, time_zone=NEW_YORK, start=utc(2025, 3, 1), end=utc(2025, 3, 20))

    assert spans(shifts) == [(ALICE, utc(2025, 3, 3, 14), utc(2025, 3, 20))]


def test_custom_12_hour_rotation_counts_elapsed_hours_across_the_march_switch():
    # Given a 12-hour rotation from Saturday 29 March 2025 09:00 London (09:00 UTC)
    twelve = layer("custom", start=date(2025, 3, 29), shift_hours=12)

    shifts = layer_shifts(twelve, time_zone=LONDON, start=utc(2025, 3, 29), end=utc(2025, 3, 31, 9))

    # Then turns are 12 real hours: after the switch the local hand-off is 10:00 and 22:00 BST
    assert spans(shifts) == [
        (ALICE, utc(2025, 3, 29, 9), utc(2025, 3, 29, 21)),
        (BOB, utc(2025, 3, 29, 21), utc(2025, 3, 30, 9)),
        (ALICE, utc(2025, 3, 30, 9), utc(2025, 3, 30, 21)),
        (BOB, utc(2025, 3, 30, 21), utc(2025, 3, 31, 9)),
    ]


def test_rotation_picks_up_the_right_turn_long_after_its_start():
    daily = layer("daily", users=(ALICE, BOB, CARMEN), start=date(2024, 1, 1), handoff=time(0), layer_id=3)

    shifts = layer_shifts(daily, time_zone="UTC", start=utc(2025, 1, 1, 12), end=utc(2025, 1, 2, 12))

    # 366 days after 2024-01-01 (a leap year): turn 366, 366 % 3 == 0 -> Alice, then Bob
    assert shifts == [
        Shift(ALICE, utc(2025, 1, 1, 12), utc(2025, 1, 2), "layer", 3),
        Shift(BOB, utc(2025, 1, 2), utc(2025, 1, 2, 12), "layer", 3),
    ]


def test_layer_is_empty_before_its_first_handoff_and_after_its_end_date():
    bounded = layer("daily", users=(ALICE,), start=date(2025, 5, 10), end_date=date(2025, 5, 12))

    shifts = layer_shifts(bounded, time_zone=LONDON, start=utc(2025, 5, 9), end=utc(2025, 5, 14))

    assert spans(shifts) == [(ALICE, utc(2025, 5, 10, 8), utc(2025, 5, 12, 8))]


# --- restrictions ----------------------------------------------------------------------------------------


def test_business_hours_restriction_follows_local_time_across_the_march_switch():
    # Given one person on a business-hours layer (Mon-Fri 08:00-18:00 London)
    business = layer(
        users=(ALICE,),
        start=date(2025, 3, 3),
        restrictions=parse_windows([{"weekdays": [0, 1, 2, 3, 4], "start": "08:00", "end": "18:00"}]),
    )

    # When we look from Friday 28 March to Tuesday 1 April 2025 (BST from Sunday)
    shifts = layer_shifts(business, time_zone=LONDON, start=utc(2025, 3, 28), end=utc(2025, 4, 1))

    # Then Friday is 08:00-18:00 GMT, the weekend is empty, Monday is 08:00-18:00 BST
    assert spans(shifts) == [
        (ALICE, utc(2025, 3, 28, 8), utc(2025, 3, 28, 18)),
        (ALICE, utc(2025, 3, 31, 7), utc(2025, 3, 31, 17)),
    ]


def test_night_window_runs_past_midnight_and_all_day_window_covers_the_day():
    nights = layer(
        users=(BOB,),
        start=date(2025, 6, 2),
        restrictions=parse_windows(
            [{"weekdays": [4], "start": "22:00", "end": "06:00"}, {"weekdays": [6], "start": "00:00", "end": "00:00"}]
        ),
    )

    shifts = layer_shifts(nights, time_zone="UTC", start=utc(2025, 6, 2), end=utc(2025, 6, 9))

    assert spans(shifts) == [
        (BOB, utc(2025, 6, 6, 22), utc(2025, 6, 7, 6)),
        (BOB, utc(2025, 6, 8), utc(2025, 6, 9)),
    ]


def test_restriction_keeps_the_turn_owner_of_each_window():
    daily = layer(
        "daily",
        users=(ALICE, BOB),
        start=date(2025, 6, 2),
        handoff=time(12),
        restrictions=parse_windows([{"weekdays": [0, 1, 2, 3, 4, 5, 6], "start": "09:00", "end": "17:00"}]),
    )

    shifts = layer_shifts(daily, time_zone="UTC", start=utc(2025, 6, 2), end=utc(2025, 6, 4))

    # The 12:00 hand-off splits each window between the two turns
    assert spans(shifts) == [
        (ALICE, utc(2025, 6, 2, 12), utc(2025, 6, 2, 17)),
        (ALICE, utc(2025, 6, 3, 9), utc(2025, 6, 3, 12)),
        (BOB, utc(2025, 6, 3, 12), utc(2025, 6, 3, 17)),
    ]


# --- layers and overrides --------------------------------------------------------------------------------


BASE = layer("daily", users=(ALICE,), start=date(2025, 1, 1), handoff=time(0), layer_id=1, position=0)
DAYTIME = layer(
    users=(BOB,),
    start=date(2025, 1, 6),
    layer_id=2,
    position=1,
    restrictions=parse_windows([{"weekdays": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00"}]),
)


def test_higher_layer_wins_where_it_has_someone_and_lower_shows_through_elsewhere():
    shifts = resolve_shifts(
        layers=[BASE, DAYTIME], overrides=[], time_zone="UTC", start=utc(2025, 6, 2), end=utc(2025, 6, 3)
    )

    assert shifts == [
        Shift(ALICE, utc(2025, 6, 2), utc(2025, 6, 2, 9), "layer", 1),
        Shift(BOB, utc(2025, 6, 2, 9), utc(2025, 6, 2, 17), "layer", 2),
        Shift(ALICE, utc(2025, 6, 2, 17), utc(2025, 6, 3), "layer", 1),
    ]
    assert oncall_at(layers=[BASE, DAYTIME], overrides=[], time_zone="UTC", at=utc(2025, 6, 2, 10)) == [BOB]
    assert oncall_at(layers=[BASE, DAYTIME], overrides=[], time_zone="UTC", at=utc(2025, 6, 2, 20)) == [ALICE]


def test_override_that_covers_someone_replaces_them_only_while_they_are_on_call():
    # Carmen covers Bob from 08:00 to 12:00; Bob is on call from 09:00 only
    cover = OverrideSpec(id=7, user_id=CARMEN, covers_id=BOB, starts_at=utc(2025, 6, 2, 8), ends_at=utc(2025, 6, 2, 12))

    shifts = resolve_shifts(
        layers=[BASE, DAYTIME], overrides=[cover], time_zone="UTC", start=utc(2025, 6, 2, 6), end=utc(2025, 6, 2, 18)
    )

    assert shifts == [
        Shift(ALICE, utc(2025, 6, 2, 6), utc(2025, 6, 2, 9), "layer", 1),
        Shift(CARMEN, utc(2025, 6, 2, 9), utc(2025, 6, 2, 12), "override", None, 7),
        Shift(BOB, utc(2025, 6, 2, 12), utc(2025, 6, 2, 17), "layer", 2),
        Shift(ALICE, utc(2025, 6, 2, 17), utc(2025, 6, 2, 18), "layer", 1),
    ]


def test_override_of_everyone_wins_over_every_layer_and_fills_gaps():
    takeover = OverrideSpec(id=8, user_id=DEEPAK, starts_at=utc(2025, 6, 2, 16), ends_at=utc(2025, 6, 2, 20))

    shifts = resolve_shifts(
        layers=[DAYTIME], overrides=[takeover], time_zone="UTC", start=utc(2025, 6, 2, 8), end=utc(2025, 6, 2, 22)
    )

    assert spans(shifts) == [
        (BOB, utc(2025, 6, 2, 9), utc(2025, 6, 2, 16)),
        (DEEPAK, utc(2025, 6, 2, 16), utc(2025, 6, 2, 20)),
    ]
    assert shifts[1].source == "override"


def test_latest_override_wins_and_a_cover_of_a_cover_is_followed():
    first = OverrideSpec(id=1, user_id=CARMEN, starts_at=utc(2025, 6, 2, 10), ends_at=utc(2025, 6, 2, 14))
    later = OverrideSpec(id=2, user_id=DEEPAK, starts_at=utc(2025, 6, 2, 12), ends_at=utc(2025, 6, 2, 13))
    cover_of_cover = OverrideSpec(
        id=3, user_id=ALICE, covers_id=CARMEN, starts_at=utc(2025, 6, 2, 13), ends_at=utc(2025, 6, 2, 14)
    )

    shifts = resolve_shifts(
        layers=[DAYTIME],
        overrides=[first, later, cover_of_cover],
        time_zone="UTC",
        start=utc(2025, 6, 2, 10),
        end=utc(2025, 6, 2, 15),
    )

    assert spans(shifts) == [
        (CARMEN, utc(2025, 6, 2, 10), utc(2025, 6, 2, 12)),
        (DEEPAK, utc(2025, 6, 2, 12), utc(2025, 6, 2, 13)),
        (ALICE, utc(2025, 6, 2, 13), utc(2025, 6, 2, 14)),
        (BOB, utc(2025, 6, 2, 14), utc(2025, 6, 2, 15)),
    ]


def test_override_for_someone_not_on_call_changes_nothing():
    stray = OverrideSpec(id=9, user_id=CARMEN, covers_id=DEEPAK, starts_at=utc(2025, 6, 2), ends_at=utc(2025, 6, 3))

    shifts = resolve_shifts(
        layers=[BASE], overrides=[stray], time_zone="UTC", start=utc(2025, 6, 2), end=utc(2025, 6, 3)
    )

    assert spans(shifts) == [(ALICE, utc(2025, 6, 2), utc(2025, 6, 3))]


# --- nobody on call and gaps -----------------------------------------------------------------------------


def test_schedule_with_no_layers_has_nobody_on_call_and_one_gap():
    shifts = resolve_shifts(layers=[], overrides=[], time_zone=LONDON, start=utc(2025, 6, 2), end=utc(2025, 6, 3))

    assert shifts == []
    assert oncall_at(layers=[], overrides=[], time_zone=LONDON, at=utc(2025, 6, 2, 12)) == []
    assert coverage_gaps(shifts, start=utc(2025, 6, 2), end=utc(2025, 6, 3)) == [(utc(2025, 6, 2), utc(2025, 6, 3))]


def test_layer_without_participants_puts_nobody_on_call():
    empty = layer(users=())

    assert oncall_at(layers=[empty], overrides=[], time_zone=LONDON, at=utc(2025, 3, 26, 12)) == []


def test_gaps_are_the_times_outside_every_shift():
    shifts = resolve_shifts(
        layers=[DAYTIME], overrides=[], time_zone="UTC", start=utc(2025, 6, 6), end=utc(2025, 6, 10)
    )

    # Friday 9-17, then nothing until Monday 9-17
    assert coverage_gaps(shifts, start=utc(2025, 6, 6), end=utc(2025, 6, 10)) == [
        (utc(2025, 6, 6), utc(2025, 6, 6, 9)),
        (utc(2025, 6, 6, 17), utc(2025, 6, 9, 9)),
        (utc(2025, 6, 9, 17), utc(2025, 6, 10)),
    ]


def test_full_coverage_has_no_gaps():
    shifts = resolve_shifts(layers=[BASE], overrides=[], time_zone=LONDON, start=utc(2025, 6, 2), end=utc(2025, 6, 9))

    assert coverage_gaps(shifts, start=utc(2025, 6, 2), end=utc(2025, 6, 9)) == []


def test_handoff_in_the_skipped_spring_hour_uses_the_offset_before_the_change():
    # 01:30 does not exist in London on 30 March 2025: read as 01:30 GMT (= 02:30 BST)
    night = layer("daily", users=(ALICE, BOB), start=date(2025, 3, 29), handoff=time(1, 30))

    shifts = layer_shifts(night, time_zone=LONDON, start=utc(2025, 3, 29), end=utc(2025, 4, 1))

    assert spans(shifts) == [
        (ALICE, utc(2025, 3, 29, 1, 30), utc(2025, 3, 30, 1, 30)),
        (BOB, utc(2025, 3, 30, 1, 30), utc(2025, 3, 31, 0, 30)),
        (ALICE, utc(2025, 3, 31, 0, 30), utc(2025, 4, 1)),
    ]

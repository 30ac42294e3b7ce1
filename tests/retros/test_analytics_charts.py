"""The dashboard's SVG charts and duration labels: exact geometry for known weeks, readable durations,
escaped text, and gaps where a week has no figure."""

from datetime import date, timedelta

import pytest

from retros.analytics import charts
from retros.analytics.metrics import METRICS, GroupStats, MetricStats
from retros.analytics.selectors import WeekRow


def week(start: date, incidents: int, mttr: float | None = None, *, partial: bool = False) -> WeekRow:
    none = MetricStats(count=0, mean=None, median=None, p90=None)
    metrics = {m: none for m in METRICS}
    if mttr is not None:
        metrics["mttr"] = MetricStats(count=incidents, mean=mttr, median=mttr, p90=mttr * 2)
    return WeekRow(
        start=start,
        end=start + timedelta(days=6),
        is_partial=partial,
        stats=GroupStats(key=(start,), incidents=incidents, metrics=metrics),
    )


MONDAY = date(2026, 3, 2)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "—"),
        (0, "0s"),
        (0.4, "0.4s"),
        (45, "45s"),
        (59.6, "1m"),
        (150, "2m 30s"),
        (599, "9m 59s"),
        (42 * 60 + 20, "42m"),
        (82.5 * 60, "1h 23m"),
        (3 * 3600 + 5 * 60, "3h 05m"),
        (2 * 3600, "2h"),
        (2 * 86400 + 4 * 3600, "2d 4h"),
        (3 * 86400, "3d"),
    ],
)
def test_format_duration(seconds, text):
    assert charts.format_duration(seconds) == text


def test_weekly_bars_scale_to_a_rounded_axis():
    weeks = [week(MONDAY, 0, partial=True), week(MONDAY + timedelta(days=7), 3), week(MONDAY + timedelta(days=14), 6)]

    chart = charts.weekly_bar_chart(weeks, width=336, height=200)

    # plot: x 36..326 (three slots of 96.67, bars 46 wide in their middle), y 18..174 (156 px for 0..6, step 2)
    assert [(t.position, t.label) for t in chart.y_ticks] == [(174.0, "0"), (122.0, "2"), (70.0, "4"), (18.0, "6")]
    assert [(b.x, b.y, b.width, b.height, b.value, b.is_partial) for b in chart.bars] == [
        (61.3, 174.0, 46.0, 0.0, 0, True),
        (158.0, 96.0, 46.0, 78.0, 3, False),
        (254.7, 18.0, 46.0, 156.0, 6, False),
    ]
    assert chart.bars[1].title == "Week of Mar 9 to Mar 15: 3 incidents"
    assert chart.bars[0].title == "Week of Mar 2 to Mar 8: 0 incidents (partly outside the range)"


def test_trend_lines_break_where_a_week_has_no_figure():
    weeks = [week(MONDAY, 1, 600), week(MONDAY + timedelta(days=7), 0), week(MONDAY + timedelta(days=14), 2, 1200)]

    chart = charts.metric_trend_chart(weeks, "mttr")

    median = next(line for line in chart.lines if line.stat == "median")
    assert median.path.count("M") == 2  # two separate pieces: no line across the empty week
    assert [p.title for p in median.points] == [
        "Week of Mar 2: MTTR median 10m (1 incident)",
        "Week of Mar 16: MTTR median 20m (2 incidents)",
    ]
    assert chart.unit == "min"
    assert [t.label for t in chart.y_ticks] == ["0", "10min", "20min", "30min", "40min"]


def test_svg_escapes_text_and_says_when_there_is_nothing():
    empty = charts.metric_trend_chart([week(MONDAY, 0)], "mtta")

    svg = charts.line_chart_svg(empty, "<Time> to acknowledge")

    assert 'aria-label="&lt;Time&gt; to acknowledge per week"' in svg
    assert "No incident reached this milestone" in svg
    assert "<circle" not in svg

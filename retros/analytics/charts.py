"""Server-side SVG charts of the dashboard: coordinates in pure Python, drawn by the templates
(templates/retros/partials/_analytics_*.html). Colours come from CSS classes, so light and dark mode
follow the theme. Nothing here touches the database.
"""

import math
from dataclasses import dataclass, field
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from retros.analytics.metrics import METRICS
from retros.analytics.selectors import WeekRow

# Duration units for axes and labels: (seconds, suffix)
UNITS = [(86400, "d"), (3600, "h"), (60, "min"), (1, "s")]
STATS = [("median", "Median"), ("p90", "90th percentile"), ("mean", "Mean")]


def format_duration(seconds: float | None) -> str:
    """A duration as a responder reads it: 45s, 12m 30s, 42m, 3h 05m, 2d 4h ("—" when there is none)."""
    if seconds is None:
        return "—"
    total = math.floor(seconds + 0.5)  # half up: 82.5 minutes reads 1h 23m
    if total < 60:
        return f"{seconds:.1f}s" if 0 < seconds < 1 else f"{max(total, 0)}s"
    minutes, secs = divmod(total, 60)
    if minutes < 10:
        return f"{minutes}m {secs:02d}s" if secs else f"{minutes}m"
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(math.floor(seconds / 60 + 0.5), 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m" if minutes else f"{hours}h"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h" if hours else f"{days}d"


def week_label(day: date) -> str:
    return f"{day:%b} {day.day}"


def nice_step(span: float, ticks: int = 4) -> float:
    """A 1/2/5 x 10^n step that divides `span` into about `ticks` parts."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude  # pragma: no cover


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    title: str
    is_partial: bool
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    title: str


@dataclass(frozen=True)
class Line:
    stat: str  # median / p90 / mean: the CSS class
    label: str
    path: str
    points: list[Point]


@dataclass
class Chart:
    """A plot area inside a viewBox, its axes, and what is drawn in it."""

    width: int
    height: int
    left: int
    top: int
    right: int
    bottom: int
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    unit: str = ""
    has_data: bool = False

    @property
    def plot_right(self) -> int:
        return self.width - self.right

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom

    @property
    def plot_height(self) -> int:
        return self.height - self.top - self.bottom

    @property
    def plot_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def center_x(self) -> float:
        return self.left + self.plot_width / 2

    @property
    def center_y(self) -> float:
        return self.top + self.plot_height / 2


def _axes(chart: Chart) -> list[str]:
    parts = []
    for index, tick in enumerate(chart.y_ticks):
        axis = " an-axis" if index == 0 else ""
        parts.append(
            f'<line x1="{chart.left}" x2="{chart.plot_right}" y1="{tick.position}" y2="{tick.position}"'
            f' class="an-grid{axis}"/><text x="{chart.left - 6}" y="{tick.position}" dy="4" text-anchor="end"'
            f' class="an-tick">{escape(tick.label)}</text>'
        )
    parts += [
        f'<text x="{tick.position:.1f}" y="{chart.height - 6}" text-anchor="middle" class="an-tick">'
        f"{escape(tick.label)}</text>"
        for tick in chart.x_ticks
    ]
    return parts


def _svg(chart: Chart, label: str, css: str, body: list[str]) -> SafeString:
    """The chart as inline SVG (built here rather than in a template: a year has hundreds of marks)."""
    return mark_safe(
        f'<svg class="{css}" viewBox="0 0 {chart.width} {chart.height}" role="img" aria-label="{escape(label)}">'
        + "".join(_axes(chart) + body)
        + "</svg>"
    )


def bar_chart_svg(chart: Chart, label: str) -> SafeString:
    """Bars with a tooltip each and, while they fit, their value on top."""
    body = []
    show_values = len(chart.bars) <= 27
    for bar in chart.bars:
        partial = " an-bar-partial" if bar.is_partial else ""
        value = (
            f'<text x="{bar.label_x}" y="{bar.label_y}" text-anchor="middle" class="an-bar-value">{bar.value}</text>'
            if bar.value and show_values
            else ""
        )
        body.append(
            f'<g class="an-bar-group"><title>{escape(bar.title)}</title><rect x="{bar.x}" y="{bar.y}"'
            f' width="{bar.width}" height="{bar.height}" rx="2" class="an-bar{partial}"/>{value}</g>'
        )
    return _svg(chart, label, "an-chart", body)


def line_chart_svg(chart: Chart, label: str) -> SafeString:
    """Median, p90 and mean lines (median on top) with a dot and tooltip per week; a note when empty."""
    body = []
    if not chart.has_data:
        body.append(
            f'<text x="{chart.center_x}" y="{chart.center_y}" text-anchor="middle" class="an-tick">'
            "No incident reached this milestone</text>"
        )
    for line in reversed(chart.lines if chart.has_data else []):
        radius = 3 if line.stat == "median" else 2
        body.append(f'<path d="{line.path}" class="an-line an-line-{line.stat}"/>')
        body += [
            f'<circle cx="{p.x}" cy="{p.y}" r="{radius}" class="an-dot an-dot-{line.stat}">'
            f"<title>{escape(p.title)}</title></circle>"
            for p in line.points
        ]
    return _svg(chart, f"{label} per week", "an-chart an-chart-small", body)


def _x_ticks(chart: Chart, weeks: list[WeekRow], slot: float, max_labels: int) -> list[Tick]:
    every = max(1, math.ceil(len(weeks) / max_labels))
    return [
        Tick(chart.left + slot * (index + 0.5), week_label(week.start))
        for index, week in enumerate(weeks)
        if index % every == 0
    ]


def weekly_bar_chart(weeks: list[WeekRow], *, width: int = 760, height: int = 200) -> Chart:
    """Incidents per week as bars (lighter for a week the range only partly covers)."""
    chart = Chart(width=width, height=height, left=36, top=18, right=10, bottom=26)
    counts = [week.stats.incidents for week in weeks]
    top_value = max([*counts, 1])
    step = max(1, int(nice_step(top_value)))
    y_max = step * math.ceil(top_value / step)
    slot = chart.plot_width / max(len(weeks), 1)
    bar_width = max(2.0, min(slot * 0.68, 46))
    scale = chart.plot_height / y_max
    chart.y_ticks = [Tick(chart.plot_bottom - value * scale, str(value)) for value in range(0, y_max + 1, step)]
    chart.x_ticks = _x_ticks(chart, weeks, slot, max_labels=13)
    for index, week in enumerate(weeks):
        value = week.stats.incidents
        bar_height = value * scale
        x = chart.left + slot * index + (slot - bar_width) / 2
        y = chart.plot_bottom - bar_height
        span = f"{week_label(week.start)} to {week_label(week.end)}"
        note = " (partly outside the range)" if week.is_partial else ""
        chart.bars.append(
            Bar(
                x=round(x, 1),
                y=round(y, 1),
                width=round(bar_width, 1),
                height=round(bar_height, 1),
                value=value,
                title=f"Week of {span}: {value} incident{'' if value == 1 else 's'}{note}",
                is_partial=week.is_partial,
                label_x=round(x + bar_width / 2, 1),
                label_y=round(y - 4, 1),
            )
        )
    chart.has_data = any(counts)
    return chart


def _duration_unit(top_seconds: float) -> tuple[int, str]:
    for seconds, suffix in UNITS:
        if top_seconds >= 2 * seconds:
            return seconds, suffix
    return 1, "s"


def _path(points: list[tuple[float, float] | None]) -> str:
    """An SVG path through the points, broken where a week has no value."""
    parts = []
    pen_down = False
    for point in points:
        if point is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{point[0]:.1f},{point[1]:.1f}")
        pen_down = True
    return " ".join(parts)


def metric_trend_chart(weeks: list[WeekRow], metric: str, *, width: int = 360, height: int = 170) -> Chart:
    """One metric per week: median, p90 and mean as three lines on a duration axis."""
    chart = Chart(width=width, height=height, left=44, top=12, right=10, bottom=24)
    short = METRICS[metric][1]
    values = [getattr(w.stats.metrics[metric], stat) for w in weeks for stat, _ in STATS]
    present = [v for v in values if v is not None]
    top_seconds = max([*present, 1.0])
    unit_seconds, suffix = _duration_unit(top_seconds)
    step = nice_step(top_seconds / unit_seconds)
    y_max = step * math.ceil(top_seconds / unit_seconds / step)
    scale = chart.plot_height / (y_max * unit_seconds)
    chart.unit = suffix
    ticks = []
    value = 0.0
    while value <= y_max + 1e-9:
        label = f"{value:g}{suffix}" if value else "0"
        ticks.append(Tick(round(chart.plot_bottom - value * unit_seconds * scale, 1), label))
        value += step
    chart.y_ticks = ticks
    slot = chart.plot_width / max(len(weeks), 1)
    chart.x_ticks = _x_ticks(chart, weeks, slot, max_labels=5)
    for stat, label in STATS:
        coordinates: list[tuple[float, float] | None] = []
        points = []
        for index, week in enumerate(weeks):
            seconds = getattr(week.stats.metrics[metric], stat)
            if seconds is None:
                coordinates.append(None)
                continue
            x = chart.left + slot * (index + 0.5)
            y = chart.plot_bottom - seconds * scale
            coordinates.append((x, y))
            count = week.stats.metrics[metric].count
            points.append(
                Point(
                    round(x, 1),
                    round(y, 1),
                    f"Week of {week_label(week.start)}: {short} {label.lower()} {format_duration(seconds)}"
                    f" ({count} incident{'' if count == 1 else 's'})",
                )
            )
        chart.lines.append(Line(stat=stat, label=label, path=_path(coordinates), points=points))
    chart.has_data = bool(present)
    return chart


# --- on-call load: pages per person, stacked by business / off / sleep hours ---------------------------------

TOP_PEOPLE = 10
LOAD_PARTS = [("business", "business hours"), ("off_hours", "off hours"), ("sleep", "sleep hours")]
LABEL_CHARS = 24


@dataclass(frozen=True)
class LoadRow:
    """One bar of the on-call load chart: a person, or everyone past the top N together."""

    label: str
    pages: int
    business: int
    off_hours: int
    sleep: int
    is_others: bool = False


@dataclass(frozen=True)
class Segment:
    part: str  # business / off_hours / sleep: the CSS class
    x: float
    width: float
    title: str


@dataclass(frozen=True)
class LoadBar:
    row: LoadRow
    y: float
    label: str  # shortened to fit the label column
    total_x: float
    segments: list[Segment]


@dataclass
class LoadChart:
    width: int
    height: int
    left: int
    top: int
    right: int
    bottom: int
    row_height: int
    bar_height: int
    x_ticks: list[Tick] = field(default_factory=list)
    bars: list[LoadBar] = field(default_factory=list)


def load_rows(people: list, *, top: int = TOP_PEOPLE) -> list[LoadRow]:
    """The `top` most paged people (already sorted, most paged first), then one "Others" row for the rest."""
    rows = [
        LoadRow(label=p.display_name, pages=p.pages, business=p.business, off_hours=p.off_hours, sleep=p.sleep)
        for p in people[:top]
    ]
    rest = people[top:]
    if rest:
        rows.append(
            LoadRow(
                label=f"Others ({len(rest)} {'person' if len(rest) == 1 else 'people'})",
                pages=sum(p.pages for p in rest),
                business=sum(p.business for p in rest),
                off_hours=sum(p.off_hours for p in rest),
                sleep=sum(p.sleep for p in rest),
                is_others=True,
            )
        )
    return rows


def _plural_pages(count: int) -> str:
    return f"{count} page{'' if count == 1 else 's'}"


def paging_load_chart(rows: list[LoadRow], *, width: int = 760) -> LoadChart:
    """Horizontal bars, one per row, each split into business / off / sleep hours segments."""
    row_height, bar_height = 26, 16
    chart = LoadChart(
        width=width,
        height=8 + row_height * len(rows) + 24,
        left=184,
        top=8,
        right=44,
        bottom=24,
        row_height=row_height,
        bar_height=bar_height,
    )
    plot_width = width - chart.left - chart.right
    top_value = max([row.pages for row in rows] or [1])
    step = max(1, int(nice_step(top_value)))
    x_max = step * math.ceil(top_value / step)
    scale = plot_width / x_max
    chart.x_ticks = [Tick(round(chart.left + value * scale, 1), str(value)) for value in range(0, x_max + 1, step)]
    for index, row in enumerate(rows):
        y = chart.top + index * row_height + (row_height - bar_height) / 2
        x = float(chart.left)
        segments = []
        for part, label in LOAD_PARTS:
            count = getattr(row, part)
            if not count:
                continue
            share = round(count / row.pages * 100) if row.pages else 0
            segments.append(
                Segment(
                    part=part,
                    x=round(x, 1),
                    width=round(count * scale, 1),
                    title=f"{row.label}: {_plural_pages(count)} in {label} ({share}% of {_plural_pages(row.pages)})",
                )
            )
            x += count * scale
        label = row.label if len(row.label) <= LABEL_CHARS else row.label[: LABEL_CHARS - 1].rstrip() + "…"
        chart.bars.append(LoadBar(row=row, y=round(y, 1), label=label, total_x=round(x + 6, 1), segments=segments))
    return chart


def paging_load_svg(chart: LoadChart, label: str) -> SafeString:
    """The on-call load chart as inline SVG: grid, names on the left, stacked segments, totals at the bar ends."""
    plot_bottom = chart.height - chart.bottom
    parts = []
    for index, tick in enumerate(chart.x_ticks):
        axis = " an-axis" if index == 0 else ""
        parts.append(
            f'<line x1="{tick.position}" x2="{tick.position}" y1="{chart.top}" y2="{plot_bottom}"'
            f' class="an-grid{axis}"/>'
            f'<text x="{tick.position}" y="{chart.height - 6}" text-anchor="middle" class="an-tick">'
            f"{escape(tick.label)}</text>"
        )
    for bar in chart.bars:
        middle = round(bar.y + chart.bar_height / 2, 1)
        others = " an-load-others" if bar.row.is_others else ""
        parts.append(
            f'<g class="an-load-row{others}"><title>{escape(bar.row.label)}: {_plural_pages(bar.row.pages)}</title>'
            f'<text x="{chart.left - 8}" y="{middle}" dy="4" text-anchor="end" class="an-load-label">'
            f"{escape(bar.label)}</text>"
        )
        parts += [
            f'<rect x="{s.x}" y="{bar.y}" width="{s.width}" height="{chart.bar_height}" class="an-load-{s.part}">'
            f"<title>{escape(s.title)}</title></rect>"
            for s in bar.segments
        ]
        parts.append(f'<text x="{bar.total_x}" y="{middle}" dy="4" class="an-bar-value">{bar.row.pages}</text></g>')
    return mark_safe(
        f'<svg class="an-chart an-load-chart" viewBox="0 0 {chart.width} {chart.height}" role="img"'
        f' aria-label="{escape(label)}">' + "".join(parts) + "</svg>"
    )

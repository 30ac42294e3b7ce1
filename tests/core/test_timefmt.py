"""The one date/time format: the `{% datetime %}` tag's exact output, with "now" frozen."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.template import Context, Template

from core import timefmt

NOW = datetime(2026, 12, 6, 21, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def render(source: str, **context: object) -> str:
    return Template(source).render(Context(context))


def test_datetime_this_year_is_month_day_and_24_hour_time_in_utc():
    html = render("{% datetime when %}", when=datetime(2026, 12, 6, 20, 55, 3, tzinfo=UTC))

    assert html == (
        '<time datetime="2026-12-06T20:55:03Z" data-time="datetime" title="2026-12-06 20:55:03 UTC">'
        "Dec 6, 20:55 UTC</time>"
    )


def test_datetime_of_another_year_carries_the_year():
    html = render("{% datetime when %}", when=datetime(2025, 3, 9, 4, 5, 0, tzinfo=UTC))

    assert html == (
        '<time datetime="2025-03-09T04:05:00Z" data-time="datetime" title="2025-03-09 04:05:00 UTC">'
        "Mar 9, 2025, 04:05 UTC</time>"
    )


def test_an_aware_time_in_another_zone_is_written_in_utc():
    paris = datetime(2026, 7, 1, 9, 30, 0, tzinfo=ZoneInfo("Europe/Paris"))

    html = render("{% datetime when %}", when=paris)

    assert html == (
        '<time datetime="2026-07-01T07:30:00Z" data-time="datetime" title="2026-07-01 07:30:00 UTC">'
        "Jul 1, 07:30 UTC</time>"
    )


def test_naive_datetimes_and_iso_strings_are_taken_as_utc():
    assert render("{% datetime when %}", when="2026-12-06T20:55:03+00:00") == render(
        "{% datetime when %}",
        when=datetime(2026, 12, 6, 20, 55, 3),  # noqa: DTZ001 (a naive value on purpose)
    )


def test_time_style_is_hours_and_minutes():
    html = render('{% datetime when "time" %}', when=datetime(2026, 12, 6, 8, 5, 59, tzinfo=UTC))

    assert html == (
        '<time datetime="2026-12-06T08:05:59Z" data-time="time" title="2026-12-06 08:05:59 UTC">08:05 UTC</time>'
    )


def test_date_style_of_an_instant_is_its_utc_day_localised_by_the_script():
    html = render('{% datetime when "date" %}', when=datetime(2026, 12, 6, 23, 30, 0, tzinfo=UTC))

    assert html == (
        '<time datetime="2026-12-06T23:30:00Z" data-time="date" title="2026-12-06 23:30:00 UTC">Dec 6, 2026</time>'
    )


def test_a_calendar_date_is_never_shifted_between_zones():
    html = render("{% datetime due %}", due=date(2027, 1, 15))

    assert html == '<time datetime="2027-01-15">Jan 15, 2027</time>'


@pytest.mark.parametrize(
    ("ago", "text"),
    [
        (timedelta(seconds=0), "just now"),
        (timedelta(seconds=59), "just now"),
        (timedelta(seconds=60), "1 min ago"),
        (timedelta(minutes=12, seconds=40), "12 min ago"),
        (timedelta(minutes=59, seconds=59), "59 min ago"),
        (timedelta(hours=1), "1 h ago"),
        (timedelta(hours=23, minutes=59), "23 h ago"),
        (timedelta(days=1), "1 day ago"),
        (timedelta(days=4, hours=5), "4 days ago"),
        (timedelta(days=30), "30 days ago"),
        (timedelta(days=31), "Nov 5, 21:00"),
        (timedelta(days=400), "Nov 1, 2025, 21:00"),
        (-timedelta(seconds=20), "in a moment"),
        (-timedelta(minutes=5), "in 5 min"),
        (-timedelta(days=2), "in 2 days"),
    ],
)
def test_relative_ages(ago, text):
    html = render('{% datetime when "relative" %}', when=NOW - ago)

    assert html.endswith(f">{text}</time>")
    assert f'title="{timefmt.exact_utc(NOW - ago)}"' in html


def test_nothing_renders_a_dash():
    assert render("{% datetime when %}|{% datetime missing %}", when=None) == "—|—"


def test_an_unknown_style_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown time style 'clock'"):
        timefmt.time_html(NOW, "clock")


def test_text_filter_for_attributes():
    source = '<option title="{{ when|datetime_text }}">{{ due|datetime_text }}</option>'

    html = render(source, when=datetime(2026, 12, 6, 20, 55, tzinfo=UTC), due=date(2026, 12, 24))

    assert html == '<option title="Dec 6, 20:55 UTC">Dec 24, 2026</option>'


def test_markup_in_values_cannot_reach_the_page():
    assert render("{% datetime when %}", when='"><script>') == "—"


def test_time_zone_validation_names_the_bad_value():
    timefmt.validate_time_zone("Europe/London")
    with pytest.raises(ValidationError, match="“Mars/Olympus” is not a time zone name"):
        timefmt.validate_time_zone("Mars/Olympus")


def test_time_zone_choices_put_common_zones_first_and_keep_the_current_one():
    choices = timefmt.time_zone_choices("Etc/Unknown")

    assert choices[:3] == [("Etc/Unknown", "Etc/Unknown"), ("UTC", "UTC"), ("Europe/London", "Europe/London")]
    assert ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos Aires") in choices

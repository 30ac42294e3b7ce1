"""core.text.duration_text: the one duration format of incident lists (timedeltas) and retrospectives (seconds)."""

from datetime import timedelta

import pytest

from core.text import duration_text


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (None, "—"),
        (0, "0s"),
        (-5, "0s"),
        (40, "40s"),
        (14 * 60 + 59, "14m"),
        (3 * 3600, "3h"),
        (3 * 3600 + 12 * 60 + 5, "3h 12m"),
        (2 * 86400, "2d"),
        (2 * 86400 + 4 * 3600 + 59, "2d 4h"),
        (timedelta(seconds=40.9), "40s"),
        (timedelta(hours=-1), "0s"),
        (timedelta(days=2, hours=4, minutes=30), "2d 4h"),
    ],
)
def test_two_largest_units(duration, text):
    assert duration_text(duration) == text

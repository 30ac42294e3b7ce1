"""The session clock: FIREBREAK_TEST_NOW=<ISO instant> runs every test at that instant, clock ticking (.ci/run's
frozen Sunday-night and Monday-morning runs, tests/conftest.py); without it, the machine's time."""

import os
from datetime import UTC, datetime, timedelta

from django.utils import timezone


def test_the_session_runs_at_firebreak_test_now_or_else_the_real_time(tmp_path):
    stamp = tmp_path / "now"
    stamp.touch()  # the file system's clock is the machine's, whatever the session travelled to
    real = datetime.fromtimestamp(stamp.stat().st_mtime, tz=UTC)
    instant = os.environ.get("FIREBREAK_TEST_NOW")

    expected = datetime.fromisoformat(instant) if instant else real

    assert abs(timezone.now() - expected) < timedelta(minutes=30)  # a session ticks on for as long as it runs

"""core.reveal: a secret stashed for one read after a POST, then gone."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from core.reveal import SESSION_KEY, reveal_stash, reveal_take, see_other

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)


@pytest.fixture
def request_with_session():
    request = RequestFactory().get("/")
    request.session = SessionStore()
    return request


def test_a_stashed_value_is_taken_once(request_with_session):
    reveal_stash(request_with_session, "key:1", {"key": "s3cret"})

    assert reveal_take(request_with_session, "key:1") == {"key": "s3cret"}
    assert reveal_take(request_with_session, "key:1") is None
    assert SESSION_KEY not in request_with_session.session


def test_other_stashes_stay_until_their_own_read(request_with_session):
    reveal_stash(request_with_session, "key:1", "one")
    reveal_stash(request_with_session, "key:2", "two")

    assert reveal_take(request_with_session, "key:2") == "two"
    assert reveal_take(request_with_session, "key:1") == "one"


def test_a_stash_expires_after_ten_minutes_and_stale_ones_are_dropped(request_with_session):
    with time_machine.travel(NOW, tick=False):
        reveal_stash(request_with_session, "old", "forgotten")
    with time_machine.travel(NOW + timedelta(seconds=599), tick=False):
        reveal_stash(request_with_session, "recent", "kept")
    with time_machine.travel(NOW + timedelta(seconds=600), tick=False):
        reveal_stash(request_with_session, "new", "fresh")
        assert sorted(request_with_session.session[SESSION_KEY]) == ["new", "recent"]
        assert reveal_take(request_with_session, "recent") == "kept"
    with time_machine.travel(NOW + timedelta(seconds=1200), tick=False):
        assert reveal_take(request_with_session, "new") is None


def test_see_other_is_a_303():
    response = see_other("/o/acme/alerts/integrations/x/key/")

    assert (response.status_code, response["Location"]) == (303, "/o/acme/alerts/integrations/x/key/")

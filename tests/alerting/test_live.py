"""Coalesced pushes of repeated triggers (alerting.live.CountPushes): the first goes out at once, what arrives in
the next COUNT_PUSH_SECONDS goes out in one message per org with each group's newest count, and the thread stops
when nothing is left. No database: the cells are rendered from the values in memory."""

import re
import time
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from alerting import live

CELL = re.compile(r'id="alert-count-([0-9a-f-]{36})"[^>]*hx-swap-oob="true">(\d+)</td>')
SEEN = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def group(organization_id: int, count: int, key: uuid.UUID) -> SimpleNamespace:
    return SimpleNamespace(
        uuid=key, organization_id=organization_id, alert_count=count, last_seen=SEEN, first_seen=SEEN
    )


@pytest.fixture
def sent(monkeypatch):
    messages: list[tuple[str, list[tuple[str, str]]]] = []

    def send_many(batch):
        for name, message in batch:
            messages.append((name, CELL.findall(message["html"])))

    monkeypatch.setattr(live, "_send_many", send_many)
    monkeypatch.setattr(live, "COUNT_PUSH_SECONDS", 0.3)
    monkeypatch.setattr(live, "count_pushes", live.CountPushes())
    return SimpleNamespace(messages=messages)


def wait_until(predicate, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_burst_of_repeats_goes_out_as_the_first_push_then_one_with_the_newest_counts(sent):
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    live.alert_counts_push(groups=[group(1, 2, a)])
    wait_until(lambda: len(sent.messages) == 1)
    for count in range(3, 30):  # a storm on two groups of org 1, one of org 2
        live.alert_counts_push(groups=[group(1, count, a), group(1, count * 10, b)])
    live.alert_counts_push(groups=[group(2, 7, c)])
    wait_until(lambda: len(sent.messages) == 3)
    time.sleep(0.5)  # nothing more arrives: the thread has stopped

    assert sent.messages[0] == ("org.1.alerts", [(str(a), "2")])
    assert sorted((name, sorted(cells)) for name, cells in sent.messages[1:]) == [
        ("org.1.alerts", sorted([(str(a), "29"), (str(b), "290")])),
        ("org.2.alerts", [(str(c), "7")]),
    ]
    assert len(sent.messages) == 3
    assert live.count_pushes._thread is None


def test_an_older_count_never_overwrites_a_newer_one_waiting(sent, monkeypatch):
    key = uuid.uuid4()
    monkeypatch.setattr(live, "COUNT_PUSH_SECONDS", 0)  # sent at once: the merge is what is tested

    live.count_pushes._merge({key: {"uuid": key, "alert_count": 9, "last_seen": SEEN, "first_seen": SEEN}}, {key: 1})
    live.alert_counts_push(groups=[group(1, 8, key)])  # a batch that committed later but counted less

    assert sent.messages == [("org.1.alerts", [(str(key), "9")])]

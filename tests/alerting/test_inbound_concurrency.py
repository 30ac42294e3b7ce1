"""Inbound ingestion under real concurrency: fifty triggers with one dedup key at the same instant meet
on one open group (the partial unique index), and every one of them is stored."""

import fcntl
import json
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from alerting import actions
from alerting.events import InboundEvent
from alerting.models import Alert, AlertGroup, Integration
from orgs.tenancy import Actor
from services import actions as service_actions

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.requires_postgres("SQLite serialises every writer, so it cannot show an ingestion race"),
]

SENDERS = 50
SYSTEM = Actor.system()


@pytest.fixture
def integration(org) -> tuple[Integration, str]:
    """A PagerDuty integration (committed: threads use their own connections) and its key."""
    cache.clear()
    service = service_actions.service_create(organization=org, actor=SYSTEM, name="Checkout API")
    return actions.integration_create(
        organization=org, service=service, name="PagerDuty", kind="pagerduty_v2", actor=SYSTEM
    )


@contextmanager
def one_burst_at_a_time() -> Iterator[None]:
    """Fifty connections per burst: keep xdist workers from bursting together past max_connections."""
    with (Path(tempfile.gettempdir()) / "firebreak-inbound-burst.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def at_once(job: Callable[[int], object]) -> tuple[list[object], list[str]]:
    """Run `job(index)` in SENDERS threads, each with its own connection, released together by a barrier."""
    barrier = threading.Barrier(SENDERS)
    results: list[object] = []
    errors: list[str] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        """Wait for every sender, run the job, record the result or the error."""
        try:
            barrier.wait(timeout=30)
            result = job(index)
            with lock:
                results.append(result)
        except Exception as exc:  # collected and asserted on: any error fails the test with its message
            with lock:
                errors.append(f"{index}: {exc!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(SENDERS)]
    with one_burst_at_a_time():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert [thread.name for thread in threads if thread.is_alive()] == []
    return results, errors


def test_fifty_simultaneous_http_triggers_with_one_dedup_key_make_one_group(integration):
    _, key = integration
    body = json.dumps(
        {
            "routing_key": key,
            "event_action": "trigger",
            "dedup_key": "checkout-down",
            "payload": {"summary": "Checkout is down", "source": "probe", "severity": "critical"},
        }
    )

    def send(index: int) -> tuple[int, dict]:
        """POST the trigger over HTTP with a fresh client."""
        response = Client().post("/integrations/pagerduty/v2/enqueue", data=body, content_type="application/json")
        return response.status_code, response.json()

    responses, errors = at_once(send)

    assert errors == []
    assert responses == [(202, {"status": "success", "message": "Event processed", "dedup_key": "checkout-down"})] * 50
    group = AlertGroup.objects.get()
    assert (group.status, group.dedup_key, group.alert_count) == ("triggered", "checkout-down", 50)
    assert Alert.objects.filter(group=group).count() == 50
    assert group.paging_status == "no_policy"


def test_fifty_simultaneous_ingests_with_one_dedup_key_make_one_group(integration):
    pagerduty, _ = integration
    severities = ["info", "warning", "error", "critical", "warning"]

    def ingest(index: int) -> bool:
        """Ingest the trigger directly; True for the one call that opened the group."""
        event = InboundEvent(
            action="trigger", dedup_key="disk-full", summary=f"Disk full #{index}", severity=severities[index % 5]
        )
        return actions.alert_ingest(integration=pagerduty, event=event).opened

    opened, errors = at_once(ingest)

    assert errors == []
    assert sorted(opened) == [False] * 49 + [True]
    group = AlertGroup.objects.get()
    assert (group.status, group.alert_count, group.severity) == ("triggered", 50, "critical")
    assert Alert.objects.filter(group=group).count() == 50
    assert Alert.objects.count() == 50

"""alert_ingest_batch: many events in one transaction with the same outcome as one by one, a number of
statements that does not grow with the batch, paging hooks and live pushes per group, and concurrent
batches on PostgreSQL meeting on one open group per key."""

import random
import sqlite3
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerting import actions, live, paging
from alerting.events import InboundEvent
from alerting.models import Alert, AlertGroup, Integration
from orgs.tenancy import Actor
from services import actions as service_actions

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system()


@pytest.fixture
def service(org):
    return service_actions.service_create(organization=org, actor=SYSTEM, name="Checkout API")


@pytest.fixture
def pagerduty(service) -> Integration:
    integration, _ = actions.integration_create(
        organization=service.organization, service=service, name="PagerDuty", kind="pagerduty_v2", actor=SYSTEM
    )
    return integration


@pytest.fixture
def grafana(service) -> Integration:
    integration, _ = actions.integration_create(
        organization=service.organization, service=service, name="Grafana", kind="grafana", actor=SYSTEM
    )
    return integration


@pytest.fixture
def hooks(monkeypatch) -> list[tuple[str, str, str]]:
    """Record the paging hooks in call order as (hook, dedup key, group status at the call), still running them."""
    calls: list[tuple[str, str, str]] = []
    triggered, stop = paging.alert_group_triggered, paging.alert_group_paging_stop

    def record_triggered(*, group: AlertGroup) -> None:
        calls.append(("triggered", group.dedup_key, group.status))
        triggered(group=group)

    def record_stop(*, group: AlertGroup) -> None:
        calls.append(("stop", group.dedup_key, group.status))
        stop(group=group)

    monkeypatch.setattr(paging, "alert_group_triggered", record_triggered)
    monkeypatch.setattr(paging, "alert_group_paging_stop", record_stop)
    return calls


def trigger(key: str, severity: str = "warning", summary: str = "") -> InboundEvent:
    return InboundEvent(action="trigger", dedup_key=key, summary=summary or f"{key} is failing", severity=severity)


def ack(key: str) -> InboundEvent:
    return InboundEvent(action="acknowledge", dedup_key=key)


def resolve(key: str) -> InboundEvent:
    return InboundEvent(action="resolve", dedup_key=key)


def groups() -> list[tuple[str, str, int, str]]:
    """(integration name, dedup key, alert count, status) of every group, in a stable order."""
    return [
        (g.integration.name, g.dedup_key, g.alert_count, g.status)
        for g in AlertGroup.objects.select_related("integration").order_by("integration__name", "dedup_key", "id")
    ]


def test_mixed_keys_and_integrations_in_one_batch(pagerduty, grafana, hooks):
    items = [
        (pagerduty, trigger("db", "warning")),
        (grafana, trigger("db", "info")),
        (pagerduty, trigger("cache")),
        (pagerduty, trigger("db", "critical")),
    ]

    results = actions.alert_ingest_batch(items=items)

    assert [(r.stored, r.opened, r.group.dedup_key) for r in results] == [
        (True, True, "db"),
        (True, True, "db"),
        (True, True, "cache"),
        (True, False, "db"),
    ]
    assert results[0].group.pk == results[3].group.pk != results[1].group.pk
    assert groups() == [
        ("Grafana", "db", 1, "triggered"),
        ("PagerDuty", "cache", 1, "triggered"),
        ("PagerDuty", "db", 2, "triggered"),
    ]
    assert AlertGroup.objects.get(integration=pagerduty, dedup_key="db").severity == "critical"
    assert Alert.objects.filter(integration=pagerduty).count() == 3
    assert sorted(hooks) == [
        ("triggered", "cache", "triggered"),
        ("triggered", "db", "triggered"),
        ("triggered", "db", "triggered"),
    ]
    assert set(AlertGroup.objects.values_list("paging_status", flat=True)) == {"no_policy"}


def test_same_key_repeated_keeps_one_group_the_highest_severity_and_the_first_title(pagerduty, hooks):
    severities = ["info", "warning", "critical", "error", "info"]
    items = [(pagerduty, trigger("disk", severity, f"Disk {n}")) for n, severity in enumerate(severities)]

    results = actions.alert_ingest_batch(items=items)

    assert [r.opened for r in results] == [True, False, False, False, False]
    group = AlertGroup.objects.get()
    assert (group.alert_count, group.severity, group.title, group.status) == (5, "critical", "Disk 0", "triggered")
    assert list(Alert.objects.order_by("id").values_list("summary", "severity")) == [
        (f"Disk {n}", severity) for n, severity in enumerate(severities)
    ]
    assert hooks == [("triggered", "disk", "triggered")]


def test_trigger_resolve_trigger_in_one_batch_opens_a_second_group(pagerduty, hooks):
    items = [(pagerduty, trigger("api")), (pagerduty, resolve("api")), (pagerduty, trigger("api", "critical"))]

    results = actions.alert_ingest_batch(items=items)

    first, second = AlertGroup.objects.order_by("id")
    assert (first.status, first.alert_count, first.resolved_at is not None) == ("resolved", 2, True)
    assert (second.status, second.alert_count, second.severity) == ("triggered", 1, "critical")
    assert [(r.opened, r.group.pk) for r in results] == [(True, first.pk), (False, first.pk), (True, second.pk)]
    assert list(Alert.objects.order_by("id").values_list("group_id", "action")) == [
        (first.pk, "trigger"),
        (first.pk, "resolve"),
        (second.pk, "trigger"),
    ]
    assert hooks == [("triggered", "api", "resolved"), ("stop", "api", "resolved"), ("triggered", "api", "triggered")]


def test_acknowledge_in_a_batch_moves_the_group_once(pagerduty, hooks):
    actions.alert_ingest_batch(items=[(pagerduty, trigger("queue"))])
    hooks.clear()

    actions.alert_ingest_batch(
        items=[(pagerduty, ack("queue")), (pagerduty, ack("queue")), (pagerduty, trigger("queue"))]
    )

    group = AlertGroup.objects.get()
    assert (group.status, group.alert_count, group.acknowledged_at is not None) == ("acknowledged", 4, True)
    assert hooks == [("stop", "queue", "acknowledged")]


def test_stray_acknowledge_and_resolve_are_dropped_and_counted_before_a_trigger_opens(pagerduty, hooks):
    items = [
        (pagerduty, resolve("web")),
        (pagerduty, ack("web")),
        (pagerduty, trigger("web")),
        (pagerduty, resolve("other")),
    ]

    results = actions.alert_ingest_batch(items=items)

    assert [(r.stored, r.opened) for r in results] == [(False, False), (False, False), (True, True), (False, False)]
    pagerduty.refresh_from_db()
    assert pagerduty.dropped_events == 3
    assert pagerduty.last_event_at is not None
    assert groups() == [("PagerDuty", "web", 1, "triggered")]
    assert Alert.objects.count() == 1


def test_a_key_whose_group_resolved_in_an_earlier_batch_opens_a_new_group(pagerduty):
    actions.alert_ingest_batch(items=[(pagerduty, trigger("db")), (pagerduty, resolve("db"))])

    results = actions.alert_ingest_batch(items=[(pagerduty, trigger("db")), (pagerduty, trigger("db"))])

    assert [r.opened for r in results] == [True, False]
    assert groups() == [("PagerDuty", "db", 2, "resolved"), ("PagerDuty", "db", 2, "triggered")]


def test_a_batch_joins_groups_opened_by_earlier_batches(pagerduty, hooks):
    earlier = actions.alert_ingest(integration=pagerduty, event=trigger("db"))

    results = actions.alert_ingest_batch(items=[(pagerduty, trigger("db", "critical"))])

    assert (results[0].opened, results[0].group.pk) == (False, earlier.group.pk)
    assert groups() == [("PagerDuty", "db", 2, "triggered")]
    assert hooks == [("triggered", "db", "triggered")]


def test_an_empty_batch_does_nothing(pagerduty, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert actions.alert_ingest_batch(items=[]) == []


def test_statements_do_not_grow_with_the_batch(pagerduty):
    keys = [f"key-{n}" for n in range(5)]
    actions.alert_ingest_batch(items=[(pagerduty, trigger(key)) for key in keys])

    with CaptureQueriesContext(connection) as small:
        actions.alert_ingest_batch(items=[(pagerduty, trigger(keys[n % 5])) for n in range(10)])
    with CaptureQueriesContext(connection) as large:
        actions.alert_ingest_batch(items=[(pagerduty, trigger(keys[n % 5])) for n in range(500)])

    assert len(large.captured_queries) == len(small.captured_queries)
    # savepoint, lock the groups, update them and insert the alerts (one statement on PostgreSQL, two on
    # SQLite), stamp the integration (in-memory stamp only moves on commit), release
    assert len(small.captured_queries) == (5 if connection.vendor == "postgresql" else 6)
    assert sum(g.alert_count for g in AlertGroup.objects.all()) == 515


def failing_first(monkeypatch, cause: Exception, times: int = 1) -> list[int]:
    """The batch's transaction fails `times` times with an OperationalError caused by `cause`, then runs for real;
    returns the list of attempts (one entry per call)."""
    from django.db import OperationalError

    from alerting.actions import ingest

    real, attempts = ingest._alert_ingest_batch, []

    def flaky(items):
        attempts.append(len(items))
        if len(attempts) <= times:
            error = OperationalError(str(cause))
            error.__cause__ = cause
            raise error
        return real(items)

    monkeypatch.setattr(ingest, "_alert_ingest_batch", flaky)
    monkeypatch.setattr(ingest, "DEADLOCK_BACKOFF_SECONDS", 0)
    return attempts


@pytest.mark.django_db(transaction=True)  # a batch is retried only outside a caller's transaction
@pytest.mark.parametrize(
    "cause",
    [
        sqlite3.OperationalError("database table is locked: alerting_integration"),
        sqlite3.OperationalError("database is locked"),
    ],
    ids=["sqlite-table-locked", "sqlite-busy"],
)
def test_a_batch_that_met_a_lock_is_tried_again_and_stored_once(pagerduty, monkeypatch, cause):
    attempts = failing_first(monkeypatch, cause, times=2)

    results = actions.alert_ingest_batch(items=[(pagerduty, trigger("a")), (pagerduty, trigger("b"))])

    assert attempts == [2, 2, 2]
    assert [r.stored for r in results] == [True, True]
    assert groups() == [("PagerDuty", "a", 1, "triggered"), ("PagerDuty", "b", 1, "triggered")]


@pytest.mark.django_db(transaction=True)
def test_a_lock_that_outlasts_every_try_and_any_other_error_fail_the_batch(pagerduty, monkeypatch):
    from django.db import OperationalError

    attempts = failing_first(monkeypatch, sqlite3.OperationalError("database is locked"), times=10)
    with pytest.raises(OperationalError, match="database is locked"):
        actions.alert_ingest_batch(items=[(pagerduty, trigger("a"))])
    assert len(attempts) == actions.DEADLOCK_RETRIES == 4

    attempts = failing_first(monkeypatch, sqlite3.OperationalError("no such table: alerting_alert"))
    with pytest.raises(OperationalError, match="no such table"):
        actions.alert_ingest_batch(items=[(pagerduty, trigger("a"))])
    assert len(attempts) == 1  # not a conflict: trying again cannot help
    assert groups() == []


def test_live_pushes_run_after_commit_once_per_changed_group(
    pagerduty, monkeypatch, django_capture_on_commit_callbacks
):
    pushed: list[str] = []
    counted: list[tuple[str, int]] = []
    monkeypatch.setattr(
        live,
        "alert_groups_broadcast",
        lambda *, group_ids: pushed.extend(AlertGroup.objects.get(pk=pk).dedup_key for pk in group_ids),
    )
    monkeypatch.setattr(
        live,
        "alert_counts_push",
        lambda *, groups: counted.extend(
            (AlertGroup.objects.get(uuid=g.uuid).dedup_key, g.alert_count) for g in groups
        ),
    )
    actions.alert_ingest_batch(items=[(pagerduty, trigger("old"))])
    pushed.clear()

    with django_capture_on_commit_callbacks(execute=True):
        actions.alert_ingest_batch(
            items=[
                (pagerduty, trigger("a")),
                (pagerduty, trigger("a")),
                (pagerduty, trigger("old")),
                (pagerduty, trigger("old")),
                (pagerduty, ack("b")),
            ]
        )
        assert (pushed, counted) == ([], [])

    # A new group's whole row (once); a repeat only its count, once per batch with the batch's last count.
    assert (pushed, counted) == (["a"], [("old", 3)])


# --- PostgreSQL: concurrent batches ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.requires_postgres("SQLite serialises every writer")
def test_concurrent_batches_over_shared_keys_make_one_open_group_per_key(pagerduty):
    writers, per_batch, batches, keys = 4, 100, 5, 20
    errors: list[str] = []
    barrier = threading.Barrier(writers)

    def write(seed: int) -> None:
        """Several batches of triggers over the shared keys, each in its own shuffled order."""
        shuffle = random.Random(seed)
        try:
            barrier.wait(timeout=30)
            for _ in range(batches):
                items = [
                    (pagerduty, trigger(f"k{n % keys}", shuffle.choice(["info", "critical"]))) for n in range(per_batch)
                ]
                shuffle.shuffle(items)
                actions.alert_ingest_batch(items=items)
        except Exception as exc:  # collected and asserted on
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(seed,)) for seed in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert AlertGroup.objects.count() == keys
    assert set(AlertGroup.objects.values_list("status", flat=True)) == {"triggered"}
    assert (
        sorted(AlertGroup.objects.values_list("alert_count", flat=True))
        == [writers * batches * per_batch // keys] * keys
    )
    assert Alert.objects.count() == writers * batches * per_batch


@pytest.mark.django_db(transaction=True)
@pytest.mark.requires_postgres("SQLite serialises every writer")
def test_concurrent_batches_with_resolves_keep_at_most_one_open_group_per_key(pagerduty):
    writers, rounds = 4, 10
    errors: list[str] = []
    barrier = threading.Barrier(writers)

    def write(seed: int) -> None:
        """Batches that trigger, sometimes resolve and trigger again the same few keys."""
        rng = random.Random(seed)
        try:
            barrier.wait(timeout=30)
            for _ in range(rounds):
                items = []
                for _ in range(30):
                    key = f"k{rng.randrange(3)}"
                    items.append((pagerduty, resolve(key) if rng.random() < 0.2 else trigger(key)))
                actions.alert_ingest_batch(items=items)
        except Exception as exc:  # collected and asserted on
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(seed,)) for seed in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    open_per_key = {}
    for key, status in AlertGroup.objects.values_list("dedup_key", "status"):
        open_per_key[key] = open_per_key.get(key, 0) + (status == "triggered")
    assert max(open_per_key.values()) <= 1
    pagerduty.refresh_from_db()
    stored = Alert.objects.count()
    assert stored + pagerduty.dropped_events == writers * rounds * 30
    assert sum(AlertGroup.objects.values_list("alert_count", flat=True)) == stored

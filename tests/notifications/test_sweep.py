"""The sweeper re-drives lost deliveries in bounded batches, and racing workers never send twice."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications import actions, tasks
from notifications.models import ContactKind, Notification, NotificationStatus
from tests.notifications.helpers import http_receiver

DELIVER = "notifications.tasks.notification_deliver"
DELIVER_MANY = "notifications.tasks.notifications_deliver"


def pages(member, count: int, **kwargs) -> list[Notification]:
    return [
        actions.user_notify(
            organization=member.organization,
            user=member.user,
            reason="page",
            idempotency_base=f"esc:{n}",
            subject="Acme ledger down",
            message="",
            **kwargs,
        )[0]
        for n in range(count)
    ]


def age(rows: list[Notification], seconds: float, **fields) -> None:
    """Make rows look `seconds` old (due and last touched then)."""
    past = timezone.now() - timedelta(seconds=seconds)
    Notification.objects.filter(pk__in=[r.pk for r in rows]).update(due_at=past, updated_at=past, **fields)


@pytest.mark.django_db
@pytest.mark.requires_postgres("asserts the SELECT ... FOR UPDATE of each batch, which SQLite never emits")
def test_more_overdue_rows_than_the_batch_are_each_redriven_once_in_bounded_batches(
    owner, settings, django_capture_on_commit_callbacks, enqueued
):
    # Given 7 pending rows whose task was lost, and batches of 3
    settings.ONCALL_SWEEP_BATCH = 3
    rows = pages(owner, 7)
    age(rows, 60)
    tokens_before = dict(Notification.objects.values_list("pk", "task_token"))
    enqueued.calls.clear()

    # When the sweeper runs
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        handled = tasks.notifications_sweep()

    # Then every row's task was sent once more with its same token, a message per batch (if the first
    # message was only slow,
    # one copy claims the row), and no query read more than a batch
    tokens_after = dict(Notification.objects.values_list("pk", "task_token"))
    locking_selects = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    assert handled == 7
    assert enqueued.rows(DELIVER, DELIVER_MANY) == sorted((pk, str(token)) for pk, token in tokens_before.items())
    assert [len(args[0]) for args in enqueued.messages(DELIVER_MANY)] == [3, 3]  # one message per batch
    assert tokens_after == tokens_before
    assert Notification.objects.filter(redriven_at__isnull=True).exists() is False
    assert len(locking_selects) == 3
    assert [sql.count("LIMIT 3") for sql in locking_selects] == [1, 1, 1]
    assert set(Notification.objects.values_list("status", flat=True)) == {"pending"}


@pytest.mark.django_db
def test_rows_within_the_grace_not_due_or_finished_are_left_alone(owner, settings, enqueued):
    settings.ONCALL_SWEEP_GRACE_SECONDS = 2
    _fresh, future, sent, canceled = pages(owner, 4)
    Notification.objects.filter(pk=future.pk).update(due_at=timezone.now() + timedelta(minutes=5))
    age([sent], 60, status=NotificationStatus.SENT)
    age([canceled], 60, status=NotificationStatus.CANCELED)
    before = dict(Notification.objects.values_list("pk", "task_token"))
    enqueued.calls.clear()

    handled = actions.notifications_sweep()

    assert handled == 0
    assert dict(Notification.objects.values_list("pk", "task_token")) == before
    assert enqueued.calls == []


@pytest.mark.django_db
def test_a_redriven_row_is_not_redriven_again_by_the_next_sweep(owner, django_capture_on_commit_callbacks, enqueued):
    rows = pages(owner, 1)
    age(rows, 60)
    enqueued.calls.clear()

    with django_capture_on_commit_callbacks(execute=True):
        first = actions.notifications_sweep()
    with django_capture_on_commit_callbacks(execute=True):
        second = actions.notifications_sweep()

    assert (first, second) == (1, 0)
    assert enqueued.names == [DELIVER]


@pytest.mark.django_db
def test_a_redriven_row_still_open_after_the_resend_interval_is_sent_again(
    owner, settings, django_capture_on_commit_callbacks, enqueued
):
    # Given a row re-sent by the sweeper longer ago than the re-send interval (that copy was lost too)
    settings.ONCALL_SWEEP_REDRIVE_SECONDS = 30
    rows = pages(owner, 1)
    age(rows, 60, redriven_at=timezone.now() - timedelta(seconds=31))
    enqueued.calls.clear()

    with django_capture_on_commit_callbacks(execute=True):
        handled = actions.notifications_sweep()

    assert handled == 1
    assert enqueued.calls == [(DELIVER, (rows[0].pk, str(rows[0].task_token)), {})]


@pytest.mark.django_db
def test_a_row_stuck_in_sending_past_its_lease_is_retried_or_failed(
    owner, settings, django_capture_on_commit_callbacks, enqueued
):
    settings.NOTIFICATION_SENDING_LEASE_SECONDS = 120
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    stuck, last_try, busy = pages(owner, 3)
    long_ago = timezone.now() - timedelta(minutes=5)
    age([stuck, last_try, busy], 600, status=NotificationStatus.SENDING, claimed_at=long_ago, attempts=1)
    Notification.objects.filter(pk=last_try.pk).update(attempts=3)
    Notification.objects.filter(pk=busy.pk).update(claimed_at=timezone.now() - timedelta(seconds=30))
    enqueued.calls.clear()

    with django_capture_on_commit_callbacks(execute=True):
        handled = actions.notifications_sweep()

    rows = {n.pk: n for n in Notification.objects.all()}
    assert handled == 2
    assert (rows[stuck.pk].status, rows[stuck.pk].last_error) == (
        "retrying",
        "The delivery did not finish in time (worker lost?).",
    )
    assert (rows[last_try.pk].status, rows[last_try.pk].last_error) == (
        "failed",
        "The delivery did not finish in time (worker lost?). Gave up after 3 attempts.",
    )
    assert rows[last_try.pk].failed_at is not None
    assert rows[busy.pk].status == "sending"
    assert enqueued.calls == [(DELIVER, (stuck.pk, str(rows[stuck.pk].task_token)), {})]


@pytest.mark.django_db(transaction=True)
@pytest.mark.requires_postgres("row locks (skip_locked)")
def test_two_workers_and_the_sweeper_racing_on_one_row_send_it_exactly_once(owner, make_method, enqueued):
    with http_receiver(default=(200, "ok", 0.2)) as server:
        # Given an overdue row whose original message is delivered twice (broker redelivery) while the sweeper runs
        make_method(owner, ContactKind.WEBHOOK, f"{server.url}/hook")
        [row] = pages(owner, 1)
        age([row], 60)
        token = str(row.task_token)
        enqueued.calls.clear()
        start = threading.Barrier(3)
        outcomes: list[str] = []

        def run(work):
            try:
                start.wait()
                outcomes.append(work())
            finally:
                connection.close()

        workers = [
            threading.Thread(target=run, args=(lambda: tasks.notification_deliver(row.pk, token),)),
            threading.Thread(target=run, args=(lambda: tasks.notification_deliver(row.pk, token),)),
            threading.Thread(target=run, args=(lambda: f"swept {tasks.notifications_sweep()}",)),
        ]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join(30)

        # When whatever the sweeper enqueued is consumed too (a worker picking up the re-driven message)
        for _, args, _ in list(enqueued.calls):
            outcomes.append(tasks.notification_deliver(*args))

    # Then the receiver saw exactly one request and the row is sent after one attempt
    row.refresh_from_db()
    assert len(server.requests) == 1
    assert (row.status, row.attempts) == ("sent", 1)
    assert sorted(outcomes).count("sent") == 1


@pytest.mark.django_db
def test_no_copies_are_sent_while_the_queue_holds_a_backlog(owner, settings, monkeypatch, enqueued):
    settings.ONCALL_SWEEP_MAX_BACKLOG = 1000
    rows = pages(owner, 2)
    age(rows, 60)
    monkeypatch.setattr(actions.delivery, "queue_backlog", lambda queue: 1001)
    enqueued.calls.clear()

    assert actions.notifications_sweep() == 0
    assert enqueued.calls == []
    assert Notification.objects.filter(redriven_at__isnull=False).exists() is False

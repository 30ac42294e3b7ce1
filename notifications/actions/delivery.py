"""The delivery state machine every Notification row goes through (pages are created in
notifications.actions.pages).

Delivery: pending → (claim) sending → sent | retrying → … | failed; pending/retrying → canceled.
The database row is the truth; a Celery message only says "try row N (or rows N, M …) with token T now".
A claim locks the rows just long enough to check their tokens and mark them `sending`; the network calls
happen outside any transaction (many at once, on a per-process thread pool); each outcome is recorded only
if its row is still `sending` with the same token.
"""

import copy
import json
import logging
import os
import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from uuid import uuid4

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core.broker import queue_backlog
from notifications import channels
from notifications.actions.pages import CLAIM_TOLERANCE, OPEN_STATUSES, enqueue_chunks_on_commit, enqueue_on_commit
from notifications.models import ContactKind, Notification, NotificationReason, NotificationStatus
from orgs import actions as org_actions
from orgs.tenancy import Actor

logger = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 10
RETRY_CAP_SECONDS = 600


# --- delivery state machine ---------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with jitter, capped: ~10 s, 20 s, 40 s … up to 10 min (times 0.5 to 1.0)."""
    base = getattr(settings, "NOTIFICATION_RETRY_BASE_SECONDS", RETRY_BASE_SECONDS)
    cap = getattr(settings, "NOTIFICATION_RETRY_CAP_SECONDS", RETRY_CAP_SECONDS)
    seconds = min(cap, base * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=seconds * random.uniform(0.5, 1.0))


def _claim(pairs: list[tuple[int, str]], now: datetime) -> list[Notification]:
    """Take the due rows whose token is current for sending (status `sending`, attempts + 1), in one
    transaction that commits before returning: no lock is held while sending. Rows another worker holds
    at this instant are skipped (it is acting on them)."""
    tokens = {int(pk): str(token) for pk, token in pairs}
    with transaction.atomic():
        found = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("contact_method", "alert_group", "incident")
            .filter(pk__in=tokens)
            .order_by("pk")
        )
        rows = [
            row
            for row in found
            if str(row.task_token) == tokens[row.pk]
            and row.status in OPEN_STATUSES
            and row.due_at <= now + CLAIM_TOLERANCE
        ]
        for row in rows:
            row.status, row.claimed_at, row.updated_at = NotificationStatus.SENDING, now, now
            row.attempts += 1
        Notification.objects.filter(pk__in=[row.pk for row in rows]).update(
            status=NotificationStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
        )
    return rows


def notification_claim(*, notification_id: int, token: str, now: datetime | None = None) -> Notification | None:
    """Take one due row for sending if `token` is still its current token.

    Returns None for stale or duplicate messages, rows already sent/canceled/failed, rows not due yet, and
    rows another worker holds at this instant.
    """
    rows = _claim([(notification_id, token)], now or timezone.now())
    return rows[0] if rows else None


def _outcome(row: Notification, error: channels.DeliveryError | None, now: datetime) -> None:
    """Move a `sending` row to sent, retrying (new token, due after backoff) or failed."""
    row.updated_at = now
    if error is None:
        row.status, row.sent_at, row.last_error = NotificationStatus.SENT, now, ""
    elif error.retryable and row.attempts < settings.NOTIFICATION_MAX_ATTEMPTS:
        row.status, row.last_error = NotificationStatus.RETRYING, error.message[:2000]
        row.due_at, row.task_token, row.redriven_at = now + retry_delay(row.attempts), uuid4(), None
    else:
        row.status, row.failed_at, row.secret_content = NotificationStatus.FAILED, now, ""
        suffix = "" if not error.retryable else f" (gave up after {row.attempts} attempts)"
        row.last_error = (error.message + suffix)[:2000]


OUTCOME_FIELDS = [
    *("status", "sent_at", "failed_at", "last_error", "due_at", "task_token", "redriven_at", "secret_content"),
    "updated_at",
]


def _record(results: list[tuple[Notification, channels.DeliveryError | None]], now: datetime) -> dict[int, str]:
    """Record the outcomes of claimed sends in one transaction; retries are enqueued on commit.

    A row no longer `sending` with the token it was claimed with (the sweeper took it over) is left alone:
    its outcome is "superseded". Returns each row's outcome by id.
    """
    claimed = {row.pk: (str(row.task_token), error) for row, error in results}
    outcomes: dict[int, str] = {}
    with transaction.atomic():
        current = Notification.objects.select_for_update().filter(pk__in=claimed).order_by("pk")
        sent = []
        for row in current:
            token, error = claimed[row.pk]
            if row.status != NotificationStatus.SENDING or str(row.task_token) != token:
                continue
            _outcome(row, error, now)
            outcomes[row.pk] = row.status
            if row.status == NotificationStatus.SENT:
                sent.append(row.pk)  # all alike: one statement below
                continue
            row.save(update_fields=OUTCOME_FIELDS)
            logger.warning(
                "notification %s: %s attempt %d failed (%s); %s",
                row.pk,
                row.channel,
                row.attempts,
                error.message if error is not None else "",
                "retrying" if row.status == NotificationStatus.RETRYING else "gave up",
            )
            if row.status == NotificationStatus.RETRYING:
                enqueue_on_commit(row)
        Notification.objects.filter(pk__in=sent).update(
            status=NotificationStatus.SENT, sent_at=now, last_error="", secret_content="", updated_at=now
        )
    return {pk: outcomes.get(pk, "superseded") for pk in claimed}


def notification_result_record(
    *, notification: Notification, token: str, error: channels.DeliveryError | None, now: datetime | None = None
) -> Notification | None:
    """Record how a claimed send went: sent; retrying (new token, due after backoff, re-enqueued); or failed.

    A no-op (None) when the row is no longer `sending` with this token (the sweeper took it over).
    """
    notification.task_token = token
    outcome = _record([(notification, error)], now or timezone.now())
    if outcome[notification.pk] == "superseded":
        return None
    return Notification.objects.get(pk=notification.pk)


def _as_sent(row: Notification) -> Notification:
    """The row as its recipient gets it: a verification's code or link (its `secret_content`) in place of the
    redacted subject, message and link that the delivery log keeps. An in-memory copy, never saved."""
    if not row.secret_content:
        return row
    sent = copy.copy(row)
    content = json.loads(row.secret_content)
    for name in ("subject", "message", "link"):
        if name in content:
            setattr(sent, name, content[name])
    return sent


def _send(row: Notification) -> channels.DeliveryError | None:
    """Send one claimed row through its channel (no database access: this runs on the send pool)."""
    method = row.contact_method
    try:
        if row.channel == ContactKind.WEBHOOK and method is None:
            raise channels.DeliveryError("The webhook contact method was deleted.", retryable=False)
        channels.deliver(_as_sent(row), secret=method.secret if method is not None else "")
    except channels.DeliveryError as exc:
        return exc
    except Exception as exc:  # an adapter bug must not leave the row stuck in `sending` until the lease
        logger.exception("notification %s: unexpected delivery error", row.pk)
        # Only the kind is recorded: an exception's text may carry what a server answered (the log has it all).
        return channels.DeliveryError(f"Unexpected error ({type(exc).__name__}); see the server log.", retryable=True)
    return None


_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """One send pool per process (prefork children get their own): the sends of a batch wait on the
    network together instead of one after another."""
    pid = os.getpid()
    pool = _pools.get(pid)
    if pool is None:
        with _pools_lock:  # batches on several worker threads may ask at once
            pool = _pools.get(pid)
            if pool is None:
                workers = settings.NOTIFICATION_SEND_CONCURRENCY
                pool = _pools[pid] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="firebreak-send")
    return pool


def notifications_deliver(*, pairs: list[tuple[int, str]], now: datetime | None = None) -> Counter:
    """Deliver many rows once each: claim them in one transaction, send them concurrently outside any
    transaction, record the outcomes in one transaction. Rows whose token is stale, that are not due or
    that another worker holds are skipped. Returns a count per outcome (sent, retrying, failed,
    superseded, skipped)."""
    rows = _claim(pairs, now or timezone.now())
    errors = [_send(rows[0])] if len(rows) == 1 else list(_pool().map(_send, rows))
    outcomes = _record(list(zip(rows, errors, strict=True)), timezone.now()) if rows else {}
    counts = Counter(outcomes.values())
    counts["skipped"] = len({int(pk) for pk, _ in pairs}) - len(rows)
    return +counts


def notification_deliver(*, notification_id: int, token: str) -> str:
    """Deliver one row once: claim it, send outside any transaction, record the result.

    Returns what happened: "skipped" (stale/duplicate/not due), "sent", "retrying", "failed" or "superseded".
    """
    counts = notifications_deliver(pairs=[(notification_id, token)])
    return next(iter(counts))


def _overdue(now: datetime) -> Q:
    cutoff = now - timedelta(seconds=settings.ONCALL_SWEEP_GRACE_SECONDS)
    lease_cutoff = now - timedelta(seconds=settings.NOTIFICATION_SENDING_LEASE_SECONDS)
    resend_cutoff = now - timedelta(seconds=settings.ONCALL_SWEEP_REDRIVE_SECONDS)
    # A row whose task was re-sent recently is probably just queued behind others: not again so soon.
    not_recently_resent = Q(redriven_at__isnull=True) | Q(redriven_at__lte=resend_cutoff)
    waiting = Q(status__in=OPEN_STATUSES, updated_at__lte=cutoff) & not_recently_resent
    stuck = Q(status=NotificationStatus.SENDING, claimed_at__lte=lease_cutoff)
    # due_at <= cutoff on both keeps the partial index notification_due_open usable (a sending row was due).
    return Q(due_at__lte=cutoff) & (waiting | stuck)


def notifications_sweep(*, now: datetime | None = None) -> int:
    """Re-drive overdue rows whose task was lost (broker outage, dead worker): their task is sent again.

    Pending/retrying rows more than the grace overdue, and `sending` rows past their lease (a worker died
    mid-send: retried, or failed after the last attempt). Works in batches of ONCALL_SWEEP_BATCH rows, each
    its own transaction with skip_locked, walking (due_at, pk) forward so each row is handled once per sweep.
    Returns how many rows it re-drove or failed.
    """
    backlog = queue_backlog("critical")
    if backlog > settings.ONCALL_SWEEP_MAX_BACKLOG:
        logger.warning("notification sweeper: %d messages queued; overdue deliveries are waiting in line", backlog)
        return 0
    now = now or timezone.now()
    batch = settings.ONCALL_SWEEP_BATCH
    after: tuple[datetime, int] | None = None
    handled = 0
    while True:
        with transaction.atomic():
            qs = Notification.objects.select_for_update(skip_locked=True).filter(_overdue(now))
            if after is not None:
                qs = qs.filter(Q(due_at__gt=after[0]) | Q(due_at=after[0], pk__gt=after[1]))
            rows = list(qs.order_by("due_at", "pk")[:batch])
            if not rows:
                return handled
            stamp = timezone.now()
            for row in rows:
                row.updated_at = stamp
                if row.status != NotificationStatus.SENDING:
                    # Same token: if the first message was only slow, one copy claims the row, the other
                    # finds it no longer open.
                    row.redriven_at = stamp
                    continue
                row.task_token = uuid4()  # the worker that claimed it may still answer: its result is void
                row.last_error = "The delivery did not finish in time (worker lost?)."
                if row.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
                    row.status, row.failed_at, row.secret_content = NotificationStatus.FAILED, stamp, ""
                    row.last_error += f" Gave up after {row.attempts} attempts."
                else:
                    row.status = NotificationStatus.RETRYING
            Notification.objects.bulk_update(
                rows,
                ["status", "task_token", "last_error", "failed_at", "redriven_at", "secret_content", "updated_at"],
                batch_size=batch,
            )
            pairs = [(row.pk, str(row.task_token)) for row in rows if row.status != NotificationStatus.FAILED]
            enqueue_chunks_on_commit(pairs, None)
        handled += len(rows)
        after = (rows[-1].due_at, rows[-1].pk)
        if len(rows) < batch:
            return handled


@transaction.atomic
def notification_retry(*, notification: Notification, actor: Actor) -> Notification:
    """Send a failed delivery again now (a person fixed the address or the receiver): attempts start over."""
    row = Notification.objects.select_for_update().get(pk=notification.pk)
    if row.status != NotificationStatus.FAILED:
        raise ValidationError("Only failed deliveries can be retried.")
    if row.reason == NotificationReason.VERIFICATION:  # its code or link was wiped when it failed
        raise ValidationError("A verification is not retried: send a new one from the contact method.")
    row.status, row.attempts, row.due_at, row.task_token = NotificationStatus.PENDING, 0, timezone.now(), uuid4()
    row.failed_at = None
    row.save(update_fields=["status", "attempts", "due_at", "task_token", "failed_at", "updated_at"])
    org_actions.audit_record(
        organization=row.organization,
        actor=actor,
        action="notification.retried",
        target=row,
        target_label=f"{row.get_channel_display()} to {row.address}",
    )
    enqueue_on_commit(row)
    return row

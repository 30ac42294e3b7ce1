"""Sending a webhook delivery: pending → (claim) sending → succeeded | pending again after a backoff | failed.

The row is the truth; a Celery message only says "try delivery N with token T now". A claim takes the row in a
short transaction (rows another worker holds are skipped): status `sending`, one more attempt, a new token (so
a stale or duplicate message finds nothing to do). The call happens outside any transaction, through the
outbound guard (core.outbound.post: the URL is checked again at every send, no redirect followed, the answer
bounded). Its outcome is recorded only if the row is still the one claimed, with one WebhookAttempt (when,
the request's headers, the answer's status or the guard's short error, how long).

Every failure is retried on RETRY_DELAYS (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h: 31.6 hours from the first
try, eight attempts), but three that no retry can fix: the guard refusing the address, a URL that is not one,
and 410 Gone — which disables the endpoint (its reason says so), fails its deliveries not sent yet and tells
the org's admins (workflows.webhooks.actions.endpoint_disable).

The sweeper (beat: workflows.tasks.webhooks.webhook_deliveries_sweep) re-drives pending rows due more than
SWEEP_GRACE_SECONDS ago (their message was lost: a broker outage, a restarted worker) with a new token, and
rows left `sending` longer than SENDING_LEASE_SECONDS (the worker died mid-call: that attempt counts, with
the error "The send did not finish", and the row is retried or given up as any failure).
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import uuid4

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import outbound
from workflows.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from workflows.webhooks import actions, signing

logger = logging.getLogger(__name__)

# Seconds to wait after failed attempt n (n = 1..7) before attempt n + 1.
RETRY_DELAYS = (5, 300, 1800, 7200, 18000, 36000, 50400)
TIMEOUT_SECONDS = 10.0
SWEEP_GRACE_SECONDS = 60
SWEEP_BATCH = 500
SENDING_LEASE_SECONDS = 120  # well above the guard's bound on one call (three times the timeout)
CLAIM_TOLERANCE = timedelta(seconds=1)  # a message may run a little before its ETA (clock skew)
UNFINISHED = "The send did not finish (the worker stopped during the call)"


def retry_delays() -> tuple[int, ...]:
    return tuple(getattr(settings, "WEBHOOK_RETRY_DELAYS", RETRY_DELAYS))


def max_attempts() -> int:
    return len(retry_delays()) + 1


def retry_delay(attempts: int) -> timedelta | None:
    """How long after failed attempt number `attempts` the next one is due; None when it was the last."""
    delays = retry_delays()
    if attempts < 1 or attempts > len(delays):
        return None
    return timedelta(seconds=delays[attempts - 1])


def enqueue_on_commit(row: WebhookDelivery) -> None:
    """After the current transaction commits, the row's message for its current token at its due time."""
    from workflows.tasks.webhooks import webhook_deliver

    args = (row.pk, str(row.task_token))
    due = row.next_attempt_at

    def send() -> None:
        if due is not None and due > timezone.now() + CLAIM_TOLERANCE:
            webhook_deliver.apply_async(args=args, eta=due)
        else:
            webhook_deliver.apply_async(args=args)

    transaction.on_commit(send)


# --- the state machine ---------------------------------------------------------------------------------------


def claim(*, delivery_id: int, token: str, now: datetime | None = None) -> WebhookDelivery | None:
    """Take a due pending row whose token is `token` for sending (short transaction); None when there is nothing
    to do (another worker has it, the token is stale, it is not due). A row of a disabled endpoint fails here."""
    now = now or timezone.now()
    with transaction.atomic():
        row = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING, task_token=token)
            .first()
        )
        if row is None or (row.next_attempt_at is not None and row.next_attempt_at > now + CLAIM_TOLERANCE):
            return None
        if not row.endpoint.is_enabled:
            row.status, row.next_attempt_at = DeliveryStatus.FAILED, None
            row.error = "Not sent: the endpoint is disabled."
            row.save(update_fields=["status", "next_attempt_at", "error", "updated_at"])
            return None
        row.status = DeliveryStatus.SENDING
        row.attempts += 1
        row.claimed_at = now
        row.task_token = uuid4()
        row.save(update_fields=["status", "attempts", "claimed_at", "task_token", "updated_at"])
    return row


@dataclass(frozen=True)
class Outcome:
    headers: dict[str, str] = field(default_factory=dict)
    status_code: int | None = None
    error: str = ""
    retryable: bool = True
    duration_ms: int = 0
    attempted_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def gone(self) -> bool:
        return self.status_code == 410


def send(row: WebhookDelivery, *, now: datetime | None = None) -> Outcome:
    """POST the row's body to its endpoint, signed now (no database write; no transaction is open)."""
    now = now or timezone.now()
    endpoint = row.endpoint
    headers = signing.headers(
        secrets_=actions.signing_secrets(endpoint, now),
        message_id=row.message_id,
        timestamp=int(now.timestamp()),
        body=row.body,
    )
    started = time.monotonic()
    timeout = getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", TIMEOUT_SECONDS)
    try:
        answer = outbound.post(endpoint.url, content=row.body.encode(), headers=headers, timeout=timeout)
    except outbound.OutboundRefused as exc:
        error, status_code, retryable = exc.message, None, False
    except outbound.OutboundError as exc:
        error, status_code = exc.message, exc.status_code
        retryable = not exc.message.startswith("Bad URL") and status_code != 410
    else:
        error, status_code, retryable = "", answer.status_code, False
    duration = int((time.monotonic() - started) * 1000)
    return Outcome(
        headers=headers,
        status_code=status_code,
        error=error[:300],
        retryable=retryable,
        duration_ms=duration,
        attempted_at=now,
    )


def _apply(current: WebhookDelivery, outcome: Outcome, now: datetime) -> None:
    """Move a `sending` row (locked, in a transaction) on from one attempt's outcome and log the attempt."""
    WebhookAttempt.objects.create(
        organization_id=current.organization_id,
        delivery=current,
        number=current.attempts,
        attempted_at=outcome.attempted_at or now,
        request_headers=outcome.headers,
        response_status=outcome.status_code,
        error=outcome.error,
        duration_ms=outcome.duration_ms,
    )
    current.response_status = outcome.status_code
    current.claimed_at = None
    if outcome.ok:
        current.status, current.error, current.delivered_at = DeliveryStatus.SUCCEEDED, "", now
        current.next_attempt_at = None
    elif outcome.gone:
        current.status, current.next_attempt_at = DeliveryStatus.FAILED, None
        current.error = "HTTP 410: the receiver is gone; the endpoint was disabled"
        reason = f"The receiver answered 410 Gone on {now:%Y-%m-%d %H:%M} UTC"
        actions.endpoint_disable(endpoint=current.endpoint, reason=reason, now=now)
    elif outcome.retryable and retry_delay(current.attempts) is not None:
        current.status, current.error = DeliveryStatus.PENDING, outcome.error
        current.next_attempt_at = now + retry_delay(current.attempts)
        current.task_token = uuid4()
        enqueue_on_commit(current)
    else:
        suffix = f" (gave up after {current.attempts} attempts)" if outcome.retryable else ""
        current.status, current.next_attempt_at = DeliveryStatus.FAILED, None
        current.error = (outcome.error + suffix)[:300]
    current.save()


def record(row: WebhookDelivery, outcome: Outcome, *, now: datetime | None = None) -> str:
    """Record a claimed send's outcome if the row is still the one claimed (the sweeper may have taken it back);
    returns the row's new status, or "superseded"."""
    now = now or timezone.now()
    with transaction.atomic():
        current = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("endpoint")
            .filter(pk=row.pk, status=DeliveryStatus.SENDING, task_token=row.task_token)
            .first()
        )
        if current is None:
            return "superseded"
        _apply(current, outcome, now)
    if not outcome.ok:
        logger.warning(
            "webhook delivery %s attempt %d (%s): %s", row.uuid, current.attempts, current.status, outcome.error
        )
    return current.status


def deliver(*, delivery_id: int, token: str) -> str:
    """Try one delivery once: claim it, send it with no transaction open, record the outcome. Returns the row's
    new status, or "skipped" when there was nothing to do (stale token, not due, taken)."""
    row = claim(delivery_id=delivery_id, token=token)
    if row is None:
        return "skipped"
    outcome = send(row)
    return record(row, outcome)


def deliveries_sweep(*, now: datetime | None = None) -> int:
    """Re-drive what a lost message or a dead worker left behind; returns how many rows were enqueued again.

    Pending rows due more than SWEEP_GRACE_SECONDS ago get a new token and a message now; rows `sending` for
    longer than SENDING_LEASE_SECONDS count that attempt as failed (UNFINISHED) and are retried or given up."""
    now = now or timezone.now()
    grace = timedelta(seconds=getattr(settings, "WEBHOOK_SWEEP_GRACE_SECONDS", SWEEP_GRACE_SECONDS))
    lease = timedelta(seconds=getattr(settings, "WEBHOOK_SENDING_LEASE_SECONDS", SENDING_LEASE_SECONDS))
    redriven = 0
    with transaction.atomic():
        overdue = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(status=DeliveryStatus.PENDING, next_attempt_at__lt=now - grace)
            .order_by("next_attempt_at", "pk")[:SWEEP_BATCH]
        )
        for row in overdue:
            row.task_token, row.next_attempt_at = uuid4(), now
            row.save(update_fields=["task_token", "next_attempt_at", "updated_at"])
            enqueue_on_commit(row)
            redriven += 1
    with transaction.atomic():
        stuck = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - lease)
            .order_by("claimed_at", "pk")[:SWEEP_BATCH]
        )
        for row in stuck:
            _apply(row, Outcome(error=UNFINISHED, retryable=True, attempted_at=row.claimed_at), now)
            redriven += row.status == DeliveryStatus.PENDING
    return redriven

"""Sending subscriber mail, durable like notifications (notifications/actions/delivery.py): the SubscriberNotice row
is the truth, a Celery message only says "try rows N, M now".

pending → (claim) sending → sent | pending again (a retryable failure, re-enqueued after a backoff) | failed.
A claim locks the row just long enough to mark it `sending` (attempts + 1, `claimed_at` = now); the SMTP
conversation happens outside any transaction; its outcome is recorded only if the row is still `sending` with
the same `claimed_at` (else the sweeper took it over and the late answer is void). Two messages for one row send
it once: the second finds it no longer pending. The sweeper re-drives pending rows whose message was lost and
`sending` rows past their lease (a worker died mid-send).
"""

import logging
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import BadHeaderError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from notifications.actions import retry_delay
from statuspage.models import SubscriberNotice, SubscriberNoticeKind, SubscriberNoticeStatus
from statuspage.subscribing import mail

logger = logging.getLogger(__name__)

UNSUBSCRIBED = "Unsubscribed before it was sent."
NOT_CONFIRMED = "The address has not confirmed its subscription."
CHUNK = 50
# A pending row untouched this long lost its message (mail is not paging: a queue may be long after a big fan-out).
SWEEP_GRACE_SECONDS = 120
SWEEP_BATCH = 500


class SendError(Exception):
    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.message, self.retryable = message, retryable


# --- enqueueing ---------------------------------------------------------------------------------------------------


def _enqueue(ids: list[int], countdown: float | None = None) -> None:
    """Hand rows to Celery; a broker that cannot be reached is logged, not raised: the sweeper re-drives them."""
    from statuspage.subscribing import tasks

    try:
        tasks.subscriber_notices_deliver.apply_async(args=(ids,), countdown=countdown)
    except Exception:
        logger.warning("could not enqueue %d subscriber notice(s); the sweeper re-drives them", len(ids), exc_info=True)


def enqueue_on_commit(ids: list[int], countdown: float | None = None) -> None:
    """After commit, the rows in messages of at most CHUNK ids."""
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        transaction.on_commit(lambda chunk=chunk: _enqueue(chunk, countdown))


# --- claim, send, record ------------------------------------------------------------------------------------------


def _claim(notice_id: int, now: datetime) -> SubscriberNotice | None:
    """Mark a pending row `sending` (its claim is `claimed_at`), in a transaction that commits before returning;
    None when it is not pending or another worker holds it at this instant."""
    with transaction.atomic():
        notice = (
            SubscriberNotice.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscriber__page__organization")
            .filter(pk=notice_id, status=SubscriberNoticeStatus.PENDING)
            .first()
        )
        if notice is None:
            return None
        notice.status, notice.claimed_at, notice.updated_at = SubscriberNoticeStatus.SENDING, now, now
        SubscriberNotice.objects.filter(pk=notice.pk).update(
            status=SubscriberNoticeStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
        )
        notice.attempts += 1
    return notice


def _refusal(notice: SubscriberNotice) -> SendError | None:
    """Why this row must not be sent now (the subscriber left, or has not opted in), or None."""
    subscriber = notice.subscriber
    if subscriber.unsubscribed_at is not None:
        return SendError(UNSUBSCRIBED, retryable=False)
    if notice.kind != SubscriberNoticeKind.CONFIRM and subscriber.confirmed_at is None:
        return SendError(NOT_CONFIRMED, retryable=False)
    return None


def _smtp_error(exc: smtplib.SMTPException) -> SendError:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        detail = "; ".join(f"{code} {msg.decode(errors='replace')}" for code, msg in exc.recipients.values())
        return SendError(f"Recipient refused: {detail}", retryable=all(400 <= c < 500 for c in codes))
    code = getattr(exc, "smtp_code", None)
    if isinstance(code, int):
        return SendError(f"SMTP {code}", retryable=not 500 <= code < 600)
    return SendError(f"SMTP error: {type(exc).__name__}", retryable=True)


def _send(notice: SubscriberNotice) -> SendError | None:
    """Build and send the mail through Django's email backend (no lock held)."""
    refusal = _refusal(notice)
    if refusal is not None:
        return refusal
    try:
        mail.notice_message(notice).send(fail_silently=False)
    except smtplib.SMTPException as exc:
        return _smtp_error(exc)
    except BadHeaderError as exc:
        return SendError(f"Bad email header: {exc}", retryable=False)
    except (TimeoutError, OSError) as exc:
        return SendError(f"Could not reach the mail server ({type(exc).__name__}).", retryable=True)
    except Exception as exc:  # a bug must not leave the row `sending` until the lease ends
        logger.exception("subscriber notice %s: unexpected error", notice.pk)
        return SendError(f"Unexpected error ({type(exc).__name__}); see the server log.", retryable=True)
    return None


def _record(notice: SubscriberNotice, error: SendError | None, now: datetime) -> str:
    """Record a claimed send: sent, pending again (retry after a backoff) or failed; "superseded" when the row is
    no longer this claim's (the sweeper took it over)."""
    with transaction.atomic():
        row = SubscriberNotice.objects.select_for_update().filter(pk=notice.pk).first()
        if row is None or row.status != SubscriberNoticeStatus.SENDING or row.claimed_at != notice.claimed_at:
            return "superseded"
        fields = ["status", "last_error", "updated_at"]
        row.updated_at = now
        if error is None:
            row.status, row.sent_at, row.last_error = SubscriberNoticeStatus.SENT, now, ""
            fields.append("sent_at")
        elif error.retryable and row.attempts < settings.NOTIFICATION_MAX_ATTEMPTS:
            row.status, row.last_error = SubscriberNoticeStatus.PENDING, error.message[:2000]
            enqueue_on_commit([row.pk], countdown=retry_delay(row.attempts).total_seconds())
        else:
            row.status = SubscriberNoticeStatus.FAILED
            suffix = f" (gave up after {row.attempts} attempts)" if error.retryable else ""
            row.last_error = (error.message + suffix)[:2000]
        row.save(update_fields=fields)
        if error is not None and error.message not in (UNSUBSCRIBED, NOT_CONFIRMED):
            logger.warning("subscriber notice %s: attempt %d failed (%s)", row.pk, row.attempts, error.message)
        return "retrying" if row.status == SubscriberNoticeStatus.PENDING else row.status


def subscriber_notice_deliver(*, notice_id: int) -> str:
    """Send one notice once: claim, send outside any transaction, record. Returns "skipped" (not pending, or held
    elsewhere), "sent", "retrying", "failed" or "superseded"."""
    notice = _claim(notice_id, timezone.now())
    if notice is None:
        return "skipped"
    return _record(notice, _send(notice), timezone.now())


# --- the sweeper --------------------------------------------------------------------------------------------------


def subscriber_notices_sweep(*, now: datetime | None = None) -> int:
    """Re-drive notices whose message was lost (pending and untouched for SWEEP_GRACE_SECONDS) and notices stuck in
    `sending` past the lease (a worker died mid-send: pending again, or failed after the last attempt). A re-driven
    row is touched, so the next sweep leaves it alone for another grace. Returns how many rows it handled."""
    now = now or timezone.now()
    grace = timedelta(seconds=getattr(settings, "STATUSPAGE_NOTICE_SWEEP_GRACE_SECONDS", SWEEP_GRACE_SECONDS))
    lease = timedelta(seconds=settings.NOTIFICATION_SENDING_LEASE_SECONDS)
    with transaction.atomic():
        waiting = SubscriberNotice.objects.filter(status=SubscriberNoticeStatus.PENDING, updated_at__lte=now - grace)
        stuck = SubscriberNotice.objects.filter(status=SubscriberNoticeStatus.SENDING, claimed_at__lte=now - lease)
        rows = list((waiting | stuck).select_for_update(skip_locked=True).order_by("pk")[:SWEEP_BATCH])
        stamp = timezone.now()
        for row in rows:
            row.updated_at = stamp
            if row.status == SubscriberNoticeStatus.SENDING:
                row.last_error = "The send did not finish in time (worker lost?)."
                if row.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
                    row.status = SubscriberNoticeStatus.FAILED
                    row.last_error += f" Gave up after {row.attempts} attempts."
                else:
                    row.status = SubscriberNoticeStatus.PENDING
        SubscriberNotice.objects.bulk_update(rows, ["status", "last_error", "updated_at"], batch_size=SWEEP_BATCH)
        enqueue_on_commit([row.pk for row in rows if row.status == SubscriberNoticeStatus.PENDING])
    if rows:
        logger.info("subscriber notice sweeper re-drove %d row(s)", len(rows))
    return len(rows)

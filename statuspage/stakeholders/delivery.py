"""Delivering a stakeholder update to one audience: pending → (claim) sending → sent | pending again after a
backoff (a retryable failure) | failed.

The row is the truth; a Celery message only says "try delivery N now". A claim marks the row `sending` in a
short transaction (rows another worker holds are skipped), the network call happens outside any transaction,
and its outcome is recorded only if the row is still `sending`. Retryable: timeouts, connection failures,
HTTP 5xx, 408 and 429, SMTP connection errors and 4xx codes — retried with exponential backoff up to
STAKEHOLDER_MAX_ATTEMPTS; anything else (HTTP 4xx, a refused address, SMTP 5xx) fails at once. The error
kept is the outbound guard's ("HTTP 500", "Timed out after 10 s …"): never the words of an answer.
The sweeper (beat: statuspage.stakeholders.tasks.stakeholder_deliveries_sweep) re-drives rows whose
message was lost: pending or sending and untouched for longer than STAKEHOLDER_STUCK_SECONDS.
"""

import logging
import random
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from core import outbound
from incidents.models import Incident
from statuspage.models import AudienceKind, StakeholderDelivery, StakeholderDeliveryStatus
from statuspage.stakeholders import payloads

logger = logging.getLogger(__name__)

USER_AGENT = "Firebreak-Stakeholders/1"
MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 10
RETRY_CAP_SECONDS = 600
STUCK_SECONDS = 900


class SendError(Exception):
    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


def incident_url(incident: Incident) -> str:
    path = reverse(
        "incidents:incident-detail", kwargs={"org_slug": incident.organization.slug, "number": incident.number}
    )
    return f"{settings.SITE_URL}{path}"


def retry_delay(attempts: int) -> float:
    """Seconds before the next try: ~10 s, 20 s, 40 s … capped at 10 min, times 0.5 to 1.0 (jitter)."""
    base = getattr(settings, "STAKEHOLDER_RETRY_BASE_SECONDS", RETRY_BASE_SECONDS)
    cap = getattr(settings, "STAKEHOLDER_RETRY_CAP_SECONDS", RETRY_CAP_SECONDS)
    return min(cap, base * 2 ** max(attempts - 1, 0)) * random.uniform(0.5, 1.0)


def enqueue_on_commit(delivery_ids: list[int], countdown: float | None = None) -> None:
    """After the current transaction commits, one message per delivery."""
    from statuspage.stakeholders.tasks import stakeholder_delivery_send

    def send() -> None:
        for pk in delivery_ids:
            options = {"countdown": countdown} if countdown else {}
            stakeholder_delivery_send.apply_async(args=(pk,), **options)

    transaction.on_commit(send)


# --- the call ------------------------------------------------------------------------------------------------


def _post(url: str, body: dict) -> None:
    timeout = getattr(settings, "NOTIFICATION_HTTP_TIMEOUT", 10.0)
    try:
        outbound.post(url, json=body, headers={"User-Agent": USER_AGENT}, timeout=timeout)
    except outbound.OutboundError as exc:
        raise SendError(exc.message, retryable=exc.retryable) from exc


def _email(row: StakeholderDelivery, update: payloads.Rendered) -> None:
    addresses = [line.strip() for line in row.audience.emails.splitlines() if line.strip()]
    if not addresses:
        raise SendError("The audience lists no address.", retryable=False)
    footer = "\n\n-- \nSent from Firebreak as a stakeholder update."
    message = EmailMessage(
        subject=payloads.email_subject(update),
        body=payloads.plain_text(update) + footer,
        to=addresses,
        headers={"X-Firebreak-Stakeholder-Update": str(row.update.uuid)},
    )
    try:
        message.send(fail_silently=False)
    except smtplib.SMTPResponseException as exc:
        raise SendError(f"SMTP {exc.smtp_code}", retryable=not 500 <= exc.smtp_code < 600) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise SendError(f"Recipient refused (SMTP {min(codes)})", retryable=all(400 <= c < 500 for c in codes)) from exc
    except BadHeaderError as exc:
        raise SendError("Bad email header", retryable=False) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise SendError(f"Could not reach the mail server ({type(exc).__name__})", retryable=True) from exc


def rendered(row: StakeholderDelivery) -> payloads.Rendered:
    """The update as this delivery sends it: its stored text, the incident's facts now, [DRILL] for a drill."""
    incident = row.update.incident
    from statuspage.stakeholders.actions import incident_values

    values = incident_values(incident=incident, message=row.update.message)
    return payloads.render(values=values, is_drill=incident.is_drill)


def send(row: StakeholderDelivery) -> None:
    """One delivery through its audience's channel; SendError when it did not go out."""
    update = rendered(row)
    kind = row.audience.kind
    if kind == AudienceKind.EMAIL:
        _email(row, update)
    elif kind == AudienceKind.SLACK:
        _post(row.audience.webhook_url, payloads.slack_payload(update))
    elif kind == AudienceKind.MATTERMOST:
        _post(row.audience.webhook_url, payloads.mattermost_payload(update))
    elif kind == AudienceKind.TEAMS:
        _post(row.audience.webhook_url, payloads.teams_payload(update))
    else:
        raise SendError(f"Unknown audience kind “{kind}”.", retryable=False)


# --- the state machine ---------------------------------------------------------------------------------------


def _claim(delivery_id: int) -> StakeholderDelivery | None:
    with transaction.atomic():
        row = (
            StakeholderDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=delivery_id, status=StakeholderDeliveryStatus.PENDING)
            .first()
        )
        if row is None:
            return None
        StakeholderDelivery.objects.filter(pk=row.pk).update(
            status=StakeholderDeliveryStatus.SENDING, attempts=F("attempts") + 1, updated_at=timezone.now()
        )
    return (
        StakeholderDelivery.objects.select_related(
            "audience", "update__incident__organization", "update__incident__severity"
        )
        .filter(pk=delivery_id)
        .first()
    )


def delivery_send(*, delivery_id: int) -> str:
    """Try one delivery if it is pending (duplicates and stale messages no-op); returns its new status, or
    "skipped". A retryable failure puts it back to pending and enqueues a retry after the backoff."""
    row = _claim(delivery_id)
    if row is None:
        return "skipped"
    error: SendError | None = None
    try:
        send(row)
    except SendError as exc:
        error = exc
    max_attempts = getattr(settings, "STAKEHOLDER_MAX_ATTEMPTS", MAX_ATTEMPTS)
    now = timezone.now()
    with transaction.atomic():
        current = StakeholderDelivery.objects.select_for_update().filter(pk=row.pk).first()
        if current is None or current.status != StakeholderDeliveryStatus.SENDING:
            return "superseded"
        if error is None:
            current.status, current.sent_at, current.last_error = StakeholderDeliveryStatus.SENT, now, ""
        elif error.retryable and current.attempts < max_attempts:
            current.status, current.last_error = StakeholderDeliveryStatus.PENDING, error.message[:500]
            enqueue_on_commit([current.pk], countdown=retry_delay(current.attempts))
        else:
            suffix = f" (gave up after {current.attempts} attempts)" if error.retryable else ""
            current.status, current.last_error = StakeholderDeliveryStatus.FAILED, (error.message + suffix)[:500]
        current.save(update_fields=["status", "sent_at", "last_error", "updated_at"])
    if error is not None:
        logger.warning("stakeholder delivery %s attempt %d: %s", row.pk, current.attempts, error.message)
    return current.status


def deliveries_sweep(*, now: datetime | None = None) -> int:
    """Re-drive deliveries whose message was lost: pending or sending rows untouched for longer than
    STAKEHOLDER_STUCK_SECONDS (a sending row's worker died mid-call; it counts as an attempt). Returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=getattr(settings, "STAKEHOLDER_STUCK_SECONDS", STUCK_SECONDS))
    max_attempts = getattr(settings, "STAKEHOLDER_MAX_ATTEMPTS", MAX_ATTEMPTS)
    stuck = Q(status__in=[StakeholderDeliveryStatus.PENDING, StakeholderDeliveryStatus.SENDING], updated_at__lt=cutoff)
    redriven: list[int] = []
    with transaction.atomic():
        for row in StakeholderDelivery.objects.select_for_update(skip_locked=True).filter(stuck).order_by("pk")[:500]:
            if row.attempts >= max_attempts:
                row.status = StakeholderDeliveryStatus.FAILED
                row.last_error = (
                    row.last_error or "The send did not finish"
                ) + f" (gave up after {row.attempts} attempts)"
            else:
                row.status = StakeholderDeliveryStatus.PENDING
                redriven.append(row.pk)
            row.save(update_fields=["status", "last_error", "updated_at"])
        enqueue_on_commit(redriven)
    return len(redriven)

"""Writes of the notifications app: contact methods and their verification, personal notification rules,
and the delivery state machine every Notification row goes through.

Delivery: pending → (claim) sending → sent | retrying → … | failed; pending/retrying → canceled.
The database row is the truth; a Celery message only says "try row N with token T now". A claim locks
the row just long enough to check the token and mark it `sending`; the network call happens outside any
transaction; the outcome is recorded only if the row is still `sending` with the same token.
"""

import logging
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from config.celery import queue_backlog
from notifications import channels
from notifications.models import (
    ContactKind,
    ContactMethod,
    Notification,
    NotificationReason,
    NotificationRule,
    NotificationStatus,
)
from orgs import actions as org_actions
from orgs.models import Membership, Organization, User
from orgs.tenancy import Actor

logger = logging.getLogger(__name__)

VERIFY_SALT = "firebreak.notifications.verify"
CODE_SALT = "firebreak.notifications.code"
LINK_MAX_AGE = timedelta(hours=24)
CODE_TTL = timedelta(minutes=15)
CODE_ATTEMPTS = 5
RESEND_COOLDOWN = timedelta(seconds=30)
CLAIM_TOLERANCE = timedelta(seconds=1)  # a task may run a little before its ETA (clock skew)
RETRY_BASE_SECONDS = 10
RETRY_CAP_SECONDS = 600
OPEN_STATUSES = (NotificationStatus.PENDING, NotificationStatus.RETRYING)
PHONE_KINDS = (ContactKind.SMS, ContactKind.VOICE)
CODE_KINDS = (ContactKind.WEBHOOK, ContactKind.CHAT, ContactKind.SMS, ContactKind.VOICE)
E164 = "+[1-9] followed by 6 to 14 digits"


# --- enqueueing --------------------------------------------------------------------------------------------


def _enqueue(notification_id: int, token: str, eta: datetime | None) -> None:
    """Hand a row to Celery. A broker that cannot be reached is logged, not raised: the sweeper re-drives it."""
    from notifications import tasks

    try:
        tasks.notification_deliver.apply_async(args=(notification_id, token), eta=eta)
    except Exception:
        logger.warning(
            "could not enqueue notification %s; the sweeper will re-drive it", notification_id, exc_info=True
        )


def _enqueue_on_commit(notification: Notification) -> None:
    pk, token, eta = notification.pk, str(notification.task_token), notification.due_at
    transaction.on_commit(lambda: _enqueue(pk, token, eta))


def _site_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


# --- paging people -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Planned:
    suffix: str
    method: ContactMethod | None
    channel: str
    address: str
    delay_minutes: int


def _plan(organization: Organization, user: User) -> list[_Planned]:
    """How this person is reached: their rules on verified methods, else every verified method now, else the
    account's email now (so a page never silently goes nowhere)."""
    rules = (
        NotificationRule.objects.for_org(organization)
        .filter(user=user, contact_method__verified_at__isnull=False)
        .select_related("contact_method")
        .order_by("delay_minutes", "pk")
    )
    planned = [
        _Planned(f"rule:{r.uuid}", r.contact_method, r.contact_method.kind, r.contact_method.address, r.delay_minutes)
        for r in rules
    ]
    if planned:
        return planned
    methods = ContactMethod.objects.for_org(organization).filter(user=user, verified_at__isnull=False).order_by("pk")
    planned = [_Planned(f"method:{m.uuid}", m, m.kind, m.address, 0) for m in methods]
    return planned or [_Planned("account-email", None, ContactKind.EMAIL, user.email, 0)]


@transaction.atomic
def user_notify(
    *,
    organization: Organization,
    user: User,
    reason: str,
    idempotency_base: str,
    subject: str,
    message: str,
    link: str = "",
    alert_group: Any = None,
    incident: Any = None,
    escalation: Any = None,
    now: datetime | None = None,
) -> list[Notification]:
    """Create this person's deliveries for one reason (one per rule), each enqueued on commit at its due time.

    Idempotent per `idempotency_base`: a key that exists already is neither created nor enqueued again, so
    two workers (or a worker and the sweeper) running the same step page the person once. Call it inside the
    caller's transaction. Returns the rows of this call, existing or new.
    """
    if reason not in NotificationReason.values:
        raise ValueError(f"Unknown notification reason {reason!r}")
    now = now or timezone.now()
    minute = timedelta(seconds=settings.ESCALATION_MINUTE_SECONDS)
    rows = [
        Notification(
            organization=organization,
            idempotency_key=f"{idempotency_base}:{p.suffix}"[:200],
            reason=reason,
            user=user,
            contact_method=p.method,
            channel=p.channel,
            address=p.address,
            subject=subject[:300],
            message=message,
            link=link[:1000],
            due_at=now + p.delay_minutes * minute,
            alert_group=alert_group,
            incident=incident,
            escalation=escalation,
        )
        for p in _plan(organization, user)
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    keys = [row.idempotency_key for row in rows]
    created = {row.uuid for row in rows}
    stored = list(Notification.objects.for_org(organization).filter(idempotency_key__in=keys).order_by("due_at", "pk"))
    for row in stored:
        if row.uuid in created:
            _enqueue_on_commit(row)
    return stored


def notifications_cancel(
    *, escalation: Any = None, alert_group: Any = None, reason_in: tuple[str, ...] = (NotificationReason.PAGE,)
) -> int:
    """Cancel the not-yet-sent deliveries of an escalation or alert group (acknowledged: later rules such as
    "SMS after 5 min" must not fire); rows already being sent finish. Returns how many were canceled."""
    if escalation is None and alert_group is None:
        return 0
    qs = Notification.objects.filter(status__in=OPEN_STATUSES, reason__in=list(reason_in))
    if escalation is not None:
        qs = qs.filter(escalation=escalation)
    if alert_group is not None:
        qs = qs.filter(alert_group=alert_group)
    return qs.update(status=NotificationStatus.CANCELED, updated_at=timezone.now())


# --- delivery state machine ---------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with jitter, capped: ~10 s, 20 s, 40 s … up to 10 min (times 0.5 to 1.0)."""
    base = getattr(settings, "NOTIFICATION_RETRY_BASE_SECONDS", RETRY_BASE_SECONDS)
    cap = getattr(settings, "NOTIFICATION_RETRY_CAP_SECONDS", RETRY_CAP_SECONDS)
    seconds = min(cap, base * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=seconds * random.uniform(0.5, 1.0))


def notification_claim(*, notification_id: int, token: str, now: datetime | None = None) -> Notification | None:
    """Take a due row for sending (status `sending`, attempts + 1) if `token` is still its current token.

    Returns None for stale or duplicate messages, rows already sent/canceled/failed, rows not due yet, and
    rows another worker holds at this instant. Commits before returning: no lock is held while sending.
    """
    now = now or timezone.now()
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("contact_method", "alert_group", "incident")
            .filter(pk=notification_id)
            .first()
        )
        if row is None or str(row.task_token) != str(token) or row.status not in OPEN_STATUSES:
            return None
        if row.due_at > now + CLAIM_TOLERANCE:
            return None
        row.status = NotificationStatus.SENDING
        row.claimed_at = now
        row.attempts += 1
        row.save(update_fields=["status", "claimed_at", "attempts", "updated_at"])
    return row


@transaction.atomic
def notification_result_record(
    *, notification: Notification, token: str, error: channels.DeliveryError | None, now: datetime | None = None
) -> Notification | None:
    """Record how a claimed send went: sent; retrying (new token, due after backoff, re-enqueued); or failed.

    A no-op (None) when the row is no longer `sending` with this token (the sweeper took it over).
    """
    now = now or timezone.now()
    row = Notification.objects.select_for_update().filter(pk=notification.pk).first()
    if row is None or row.status != NotificationStatus.SENDING or str(row.task_token) != str(token):
        return None
    fields = ["status", "updated_at"]
    if error is None:
        row.status, row.sent_at, row.last_error = NotificationStatus.SENT, now, ""
        fields += ["sent_at", "last_error"]
    elif error.retryable and row.attempts < settings.NOTIFICATION_MAX_ATTEMPTS:
        row.status, row.last_error = NotificationStatus.RETRYING, error.message[:2000]
        row.due_at, row.task_token, row.redriven_at = now + retry_delay(row.attempts), uuid4(), None
        fields += ["last_error", "due_at", "task_token", "redriven_at"]
        _enqueue_on_commit(row)
    else:
        row.status, row.failed_at = NotificationStatus.FAILED, now
        suffix = "" if not error.retryable else f" (gave up after {row.attempts} attempts)"
        row.last_error = (error.message + suffix)[:2000]
        fields += ["failed_at", "last_error"]
    row.save(update_fields=fields)
    return row


def notification_deliver(*, notification_id: int, token: str) -> str:
    """Deliver one row once: claim it, send outside any transaction, record the result.

    Returns what happened: "skipped" (stale/duplicate/not due), "sent", "retrying", "failed" or "superseded".
    """
    row = notification_claim(notification_id=notification_id, token=token)
    if row is None:
        return "skipped"
    error: channels.DeliveryError | None = None
    method = row.contact_method
    try:
        if row.channel == ContactKind.WEBHOOK and method is None:
            raise channels.DeliveryError("The webhook contact method was deleted.", retryable=False)
        channels.deliver(row, secret=method.secret if method is not None else "")
    except channels.DeliveryError as exc:
        error = exc
    except Exception as exc:  # an adapter bug must not leave the row stuck in `sending` until the lease
        logger.exception("notification %s: unexpected delivery error", row.pk)
        error = channels.DeliveryError(f"Unexpected error: {type(exc).__name__}: {exc}", retryable=True)
    recorded = notification_result_record(notification=row, token=token, error=error)
    return "superseded" if recorded is None else recorded.status


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
                    row.status, row.failed_at = NotificationStatus.FAILED, stamp
                    row.last_error += f" Gave up after {row.attempts} attempts."
                else:
                    row.status = NotificationStatus.RETRYING
            Notification.objects.bulk_update(
                rows, ["status", "task_token", "last_error", "failed_at", "redriven_at", "updated_at"], batch_size=batch
            )
            for row in rows:
                if row.status != NotificationStatus.FAILED:
                    pk, token = row.pk, str(row.task_token)
                    transaction.on_commit(lambda pk=pk, token=token: _enqueue(pk, token, None))
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
    _enqueue_on_commit(row)
    return row


# --- contact methods -----------------------------------------------------------------------------------------


def _is_member(organization: Organization, user: User) -> bool:
    return Membership.objects.filter(organization=organization, user=user).exists()


def contact_address_clean(*, kind: str, address: str) -> str:
    """Normalise and check an address for its kind; ValidationError({"address"|"kind": ...}) when unusable."""
    address = (address or "").strip()
    if kind not in ContactKind.values:
        raise ValidationError({"kind": f"Choose one of {', '.join(ContactKind.values)}."})
    if kind in PHONE_KINDS and not channels.twilio_configured():
        raise ValidationError({"kind": f"{ContactKind(kind).label} is not configured on this server."})
    if not address:
        raise ValidationError({"address": "Enter where to reach you."})
    if kind == ContactKind.EMAIL:
        try:
            validate_email(address)
        except ValidationError as exc:
            raise ValidationError({"address": "Enter a valid email address."}) from exc
        return address.lower()
    if kind in (ContactKind.WEBHOOK, ContactKind.CHAT):
        try:
            URLValidator(schemes=["http", "https"])(address)
        except ValidationError as exc:
            raise ValidationError({"address": "Enter a full http:// or https:// URL."}) from exc
        refusal = channels.address_refusal(address)
        if refusal:
            raise ValidationError({"address": refusal})
        return address
    phone = address.replace(" ", "").replace("-", "").replace("(", "").replace(")", "")
    if not (phone.startswith("+") and phone[1:].isdigit() and phone[1] != "0" and 7 <= len(phone[1:]) <= 15):
        raise ValidationError({"address": f"Enter the number in international format: {E164}, e.g. +447700900123."})
    return phone


@transaction.atomic
def contact_method_create(
    *, organization: Organization, user: User, kind: str, address: str, actor: Actor, label: str = ""
) -> tuple[ContactMethod, str]:
    """Add a way to reach a member and send its verification at once; returns it and, for webhooks, the
    signing secret (shown once; "" for other kinds)."""
    if not _is_member(organization, user):
        raise ValidationError({"user": "Choose a member of this organization."})
    address = contact_address_clean(kind=kind, address=address)
    if ContactMethod.objects.for_org(organization).filter(user=user, kind=kind, address=address).exists():
        raise ValidationError({"address": f"{ContactKind(kind).label} {address} is already one of the methods."})
    secret = secrets.token_hex(32) if kind == ContactKind.WEBHOOK else ""
    try:
        with transaction.atomic():
            method = ContactMethod.objects.create(
                organization=organization,
                user=user,
                kind=kind,
                address=address,
                label=label.strip()[:100],
                secret=secret,
            )
    except IntegrityError as exc:
        raise ValidationError({"address": "This contact method was just added."}) from exc
    org_actions.audit_record(
        organization=organization,
        actor=actor,
        action="contact_method.created",
        target=method,
        target_label=f"{method.get_kind_display()} of {user.email}",
        changes={"kind": {"before": None, "after": kind}},
    )
    contact_method_verification_send(method=method, actor=actor)
    return method, secret


@transaction.atomic
def contact_method_delete(*, method: ContactMethod, actor: Actor) -> None:
    """Remove a contact method and its rules; past deliveries stay in the log."""
    org_actions.audit_record(
        organization=method.organization,
        actor=actor,
        action="contact_method.deleted",
        target=method,
        target_label=f"{method.get_kind_display()} of {method.user.email}",
    )
    method.delete()


def verification_token(method: ContactMethod) -> str:
    """The signed token of an email verification link: names the method and the send it belongs to."""
    sent = method.verification_sent_at.isoformat() if method.verification_sent_at else ""
    return signing.dumps({"m": str(method.uuid), "s": sent}, salt=VERIFY_SALT)


def verification_url(method: ContactMethod) -> str:
    path = reverse(
        "notifications:contact-method-verify",
        kwargs={"org_slug": method.organization.slug, "uuid": method.uuid},
    )
    return _site_url(f"{path}?token={verification_token(method)}")


def _code_hash(method: ContactMethod, code: str) -> str:
    return salted_hmac(CODE_SALT, f"{method.uuid}:{code}", algorithm="sha256").hexdigest()


def _one_off(method: ContactMethod, reason: str, subject: str, message: str, link: str, now: datetime) -> Notification:
    notification = Notification.objects.create(
        organization_id=method.organization_id,
        idempotency_key=f"{reason}:{method.uuid}:{uuid4()}",
        reason=reason,
        user=method.user,
        contact_method=method,
        channel=method.kind,
        address=method.address,
        subject=subject,
        message=message,
        link=link,
        due_at=now,
    )
    _enqueue_on_commit(notification)
    return notification


@transaction.atomic
def contact_method_verification_send(
    *, method: ContactMethod, actor: Actor, now: datetime | None = None
) -> Notification:
    """Send a verification: a signed link by email, a 6-digit code (stored hashed) by the other channels.

    Sending again replaces the previous link or code. At most one send per RESEND_COOLDOWN.
    """
    now = now or timezone.now()
    method = ContactMethod.objects.select_for_update().select_related("organization").get(pk=method.pk)
    if method.is_verified:
        raise ValidationError("This contact method is already verified.")
    if method.verification_sent_at and now - method.verification_sent_at < RESEND_COOLDOWN:
        wait = int((RESEND_COOLDOWN - (now - method.verification_sent_at)).total_seconds()) + 1
        raise ValidationError(f"A verification was just sent. Wait {wait} s before sending another.")
    method.verification_sent_at = now
    method.verification_attempts = 0
    org = method.organization.name
    if method.kind == ContactKind.EMAIL:
        method.verification_code_hash = ""
        link = verification_url(method)
        subject = f"Confirm your email for Firebreak pages from {org}"
        message = (
            f"Open this link while signed in to Firebreak to confirm that pages for {org} may be sent to "
            f"{method.address}. The link works for {int(LINK_MAX_AGE.total_seconds() // 3600)} hours."
        )
    else:
        code = f"{secrets.randbelow(10**6):06d}"
        method.verification_code_hash = _code_hash(method, code)
        link = ""
        subject = f"Firebreak verification code: {code}"
        message = (
            f"Type {code} in Firebreak to confirm that pages for {org} may be sent here. "
            f"The code works for {int(CODE_TTL.total_seconds() // 60)} minutes."
        )
    method.save(update_fields=["verification_sent_at", "verification_attempts", "verification_code_hash", "updated_at"])
    return _one_off(method, NotificationReason.VERIFICATION, subject, message, link, now)


def _mark_verified(method: ContactMethod, actor: Actor, now: datetime) -> ContactMethod:
    """Verified from now on; a person's first verified method gets an "immediately" rule (the default)."""
    method.verified_at = now
    method.verification_code_hash = ""
    method.verification_attempts = 0
    method.save(update_fields=["verified_at", "verification_code_hash", "verification_attempts", "updated_at"])
    if not NotificationRule.objects.for_org(method.organization).filter(user=method.user).exists():
        NotificationRule.objects.create(
            organization_id=method.organization_id, user=method.user, contact_method=method, delay_minutes=0
        )
    org_actions.audit_record(
        organization=method.organization,
        actor=actor,
        action="contact_method.verified",
        target=method,
        target_label=f"{method.get_kind_display()} of {method.user.email}",
    )
    return method


@transaction.atomic
def _code_check(method: ContactMethod, code: str, actor: Actor, now: datetime) -> str:
    method = ContactMethod.objects.select_for_update().select_related("organization", "user").get(pk=method.pk)
    if method.is_verified:
        return ""
    if method.kind not in CODE_KINDS or not method.verification_code_hash or method.verification_sent_at is None:
        return "No code was sent for this contact method. Send one first."
    if now - method.verification_sent_at > CODE_TTL:
        return "This code has expired. Send a new one."
    if method.verification_attempts >= CODE_ATTEMPTS:
        return "Too many wrong codes. Send a new one."
    if not secrets.compare_digest(method.verification_code_hash, _code_hash(method, code.strip())):
        method.verification_attempts += 1
        method.save(update_fields=["verification_attempts", "updated_at"])
        left = CODE_ATTEMPTS - method.verification_attempts
        return (
            f"That code is not right. {left} tr{'y' if left == 1 else 'ies'} left."
            if left
            else ("That code is not right. Too many wrong codes: send a new one.")
        )
    _mark_verified(method, actor, now)
    return ""


def contact_method_verify_code(
    *, method: ContactMethod, code: str, actor: Actor, now: datetime | None = None
) -> ContactMethod:
    """Verify a webhook/chat/SMS/voice method with the code it received (limited tries, expires).

    A wrong code counts even though this raises: the count is committed before the error is raised.
    """
    error = _code_check(method, code or "", actor, now or timezone.now())
    if error:
        raise ValidationError({"code": error})
    return ContactMethod.objects.get(pk=method.pk)


@transaction.atomic
def contact_method_verify_link(
    *, organization: Organization, token: str, user: User, actor: Actor, now: datetime | None = None
) -> ContactMethod:
    """Verify an email method from its signed link; only its owner, and only the latest link, within its age."""
    try:
        data = signing.loads(token or "", salt=VERIFY_SALT, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ValidationError("This verification link has expired. Send a new one from your settings.") from exc
    except signing.BadSignature as exc:
        raise ValidationError("This verification link is not valid.") from exc
    method = (
        ContactMethod.objects.select_for_update()
        .select_related("organization", "user")
        .filter(organization=organization, uuid=data.get("m"), kind=ContactKind.EMAIL)
        .first()
    )
    if method is None:
        raise ValidationError("This contact method no longer exists.")
    if method.user_id != user.pk:
        raise ValidationError(f"This link is for {method.user.email}. Sign in as that person to confirm it.")
    if method.is_verified:
        return method
    sent = method.verification_sent_at.isoformat() if method.verification_sent_at else ""
    if data.get("s") != sent:
        raise ValidationError("A newer verification link was sent. Use the latest one.")
    return _mark_verified(method, actor, now or timezone.now())


@transaction.atomic
def contact_method_test_send(*, method: ContactMethod, actor: Actor, now: datetime | None = None) -> Notification:
    """Send a test message through a verified method, so its owner sees what a page looks like there."""
    now = now or timezone.now()
    method = ContactMethod.objects.select_for_update().select_related("organization").get(pk=method.pk)
    if not method.is_verified:
        raise ValidationError("Verify this contact method before sending a test.")
    recent = Notification.objects.filter(
        contact_method=method, reason=NotificationReason.TEST, created_at__gte=now - RESEND_COOLDOWN
    )
    if recent.exists():
        raise ValidationError("A test was just sent. Wait a moment before sending another.")
    link = _site_url(reverse("notifications:my-notifications", kwargs={"org_slug": method.organization.slug}))
    return _one_off(
        method,
        NotificationReason.TEST,
        f"Firebreak test message for {method.organization.name}",
        "This is a test. When you are paged, the page arrives here like this.",
        link,
        now,
    )


# --- notification rules -----------------------------------------------------------------------------------


@transaction.atomic
def notification_rule_create(
    *, organization: Organization, user: User, contact_method: ContactMethod, delay_minutes: int, actor: Actor
) -> NotificationRule:
    """When paged, reach `user` through `contact_method` `delay_minutes` after the page (0 = immediately)."""
    contact_method = ContactMethod.objects.select_for_update().get(pk=contact_method.pk)
    if contact_method.organization_id != organization.pk or contact_method.user_id != user.pk:
        raise ValidationError({"contact_method": "Choose one of this person's contact methods."})
    if not contact_method.is_verified:
        raise ValidationError({"contact_method": "Verify this contact method before adding a rule for it."})
    if not isinstance(delay_minutes, int) or not 0 <= delay_minutes <= 24 * 60:
        raise ValidationError({"delay_minutes": "Enter a delay from 0 to 1440 minutes."})
    exists = NotificationRule.objects.filter(contact_method=contact_method, delay_minutes=delay_minutes).exists()
    if exists:
        raise ValidationError({"delay_minutes": "That rule exists already."})
    try:
        with transaction.atomic():
            rule = NotificationRule.objects.create(
                organization=organization, user=user, contact_method=contact_method, delay_minutes=delay_minutes
            )
    except IntegrityError as exc:
        raise ValidationError({"delay_minutes": "That rule exists already."}) from exc
    org_actions.audit_record(
        organization=organization,
        actor=actor,
        action="notification_rule.created",
        target=rule,
        target_label=f"{contact_method.get_kind_display()} after {delay_minutes} min for {user.email}",
    )
    return rule


@transaction.atomic
def notification_rule_delete(*, rule: NotificationRule, actor: Actor) -> None:
    """Remove a rule (with none left, pages go to every verified method at once)."""
    org_actions.audit_record(
        organization=rule.organization,
        actor=actor,
        action="notification_rule.deleted",
        target=rule,
        target_label=f"{rule.contact_method.get_kind_display()} after {rule.delay_minutes} min for {rule.user.email}",
    )
    rule.delete()

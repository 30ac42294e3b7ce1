"""Writes of the notifications app about people's contact methods (their verification, test messages)
and their personal notification rules."""

import json
import secrets
from datetime import datetime, timedelta
from uuid import uuid4

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from notifications import channels
from notifications.actions.pages import enqueue_on_commit, site_url
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

VERIFY_SALT = "firebreak.notifications.verify"
CODE_SALT = "firebreak.notifications.code"
LINK_MAX_AGE = timedelta(hours=24)
CODE_TTL = timedelta(minutes=15)
CODE_ATTEMPTS = 5
RESEND_COOLDOWN = timedelta(seconds=30)
PHONE_KINDS = (ContactKind.SMS, ContactKind.VOICE)
CODE_KINDS = (ContactKind.WEBHOOK, ContactKind.CHAT, ContactKind.SMS, ContactKind.VOICE)
E164 = "+[1-9] followed by 6 to 14 digits"

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
    return site_url(f"{path}?token={verification_token(method)}")


def _code_hash(method: ContactMethod, code: str) -> str:
    return salted_hmac(CODE_SALT, f"{method.uuid}:{code}", algorithm="sha256").hexdigest()


def _one_off(
    method: ContactMethod,
    reason: str,
    subject: str,
    message: str,
    link: str,
    now: datetime,
    secret: dict[str, str] | None = None,
) -> Notification:
    """A delivery to one method; `secret` (subject/message/link) is what the recipient gets instead of the stored
    text, kept encrypted until the delivery is final (notifications.actions.delivery wipes it)."""
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
        secret_content=json.dumps(secret) if secret else "",
        due_at=now,
    )
    enqueue_on_commit(notification)
    return notification


@transaction.atomic
def contact_method_verification_send(
    *, method: ContactMethod, actor: Actor, now: datetime | None = None
) -> Notification:
    """Send a verification: a signed link by email, a 6-digit code (stored hashed) by the other channels.

    The link or code is only in the message the address receives: the delivery log keeps a redacted subject,
    message and link, and the real ones ride encrypted in the row's `secret_content` until it is sent. Sending
    again replaces the previous link or code (and cancels its delivery if still waiting). At most one send per
    RESEND_COOLDOWN.
    """
    now = now or timezone.now()
    method = ContactMethod.objects.select_for_update().select_related("organization").get(pk=method.pk)
    if method.is_verified:
        raise ValidationError("This contact method is already verified.")
    if method.verification_sent_at and now - method.verification_sent_at < RESEND_COOLDOWN:
        wait = int((RESEND_COOLDOWN - (now - method.verification_sent_at)).total_seconds()) + 1
        raise ValidationError(f"A verification was just sent. Wait {wait} s before sending another.")
    _verifications_close(method, now)
    method.verification_sent_at = now
    method.verification_attempts = 0
    org = method.organization.name
    if method.kind == ContactKind.EMAIL:
        method.verification_code_hash = ""
        subject = f"Confirm your email for Firebreak pages from {org}"
        message = (
            f"Open this link while signed in to Firebreak to confirm that pages for {org} may be sent to "
            f"{method.address}. The link works for {int(LINK_MAX_AGE.total_seconds() // 3600)} hours."
        )
        redacted = f"A confirmation link (only in the email itself) for pages from {org} to {method.address}."
        secret = {"link": verification_url(method)}
    else:
        code = f"{secrets.randbelow(10**6):06d}"
        method.verification_code_hash = _code_hash(method, code)
        subject = "Firebreak verification code"
        message = (
            f"Type {code} in Firebreak to confirm that pages for {org} may be sent here. "
            f"The code works for {int(CODE_TTL.total_seconds() // 60)} minutes."
        )
        redacted = f"A 6-digit code (only in the message itself) to confirm that pages for {org} may be sent here."
        secret = {"subject": f"{subject}: {code}", "message": message}
    method.save(update_fields=["verification_sent_at", "verification_attempts", "verification_code_hash", "updated_at"])
    return _one_off(method, NotificationReason.VERIFICATION, subject, redacted, "", now, secret=secret)


def _verifications_close(method: ContactMethod, now: datetime) -> None:
    """Cancel the method's verifications still waiting to be sent, wiping their code or link: a new one replaces
    them, or the method is verified."""
    Notification.objects.filter(
        contact_method=method,
        reason=NotificationReason.VERIFICATION,
        status__in=[NotificationStatus.PENDING, NotificationStatus.RETRYING],
    ).update(status=NotificationStatus.CANCELED, secret_content="", updated_at=now)


def _mark_verified(method: ContactMethod, actor: Actor, now: datetime) -> ContactMethod:
    """Verified from now on; a person's first verified method gets an "immediately" rule (the default)."""
    method.verified_at = now
    method.verification_code_hash = ""
    method.verification_attempts = 0
    method.save(update_fields=["verified_at", "verification_code_hash", "verification_attempts", "updated_at"])
    _verifications_close(method, now)
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
    link = site_url(reverse("notifications:my-notifications", kwargs={"org_slug": method.organization.slug}))
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

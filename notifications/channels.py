"""Delivery adapters: one function per channel that sends one Notification, or raises DeliveryError.

Adapters only talk to the outside world; they never touch the database (the state machine in
notifications/actions.py records the outcome). Every HTTP call goes through the outbound guard
(core/outbound.py: public addresses only, no redirects, timeouts, a size cap, never the answer's text in an
error); every network call has an explicit timeout.
Retryable: transport errors, timeouts, HTTP 5xx and 429, SMTP connection errors and 4xx SMTP codes.
Permanent: other HTTP 4xx, SMTP 5xx, bad addresses, a channel that is not configured.
"""

import hashlib
import hmac
import json
import smtplib
import time
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import BadHeaderError, EmailMessage
from django.core.validators import validate_email

from core import outbound
from notifications.models import ContactKind, Notification

USER_AGENT = "Firebreak-Notifications/1"
SMS_MAX_CHARS = 1600


class DeliveryError(Exception):
    """A delivery that did not happen; `retryable` says whether trying again later may succeed."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


@dataclass(frozen=True)
class Signature:
    timestamp: str
    value: str


def twilio_configured() -> bool:
    """SMS and voice need all three Twilio settings; without them those channels are refused."""
    return bool(settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN and settings.TWILIO_FROM_NUMBER)


def sign(*, secret: str, body: bytes, timestamp: int | None = None) -> Signature:
    """X-Firebreak-Signature: "sha256=" + hex HMAC-SHA256 over "<timestamp>.<body>" with the method's secret."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return Signature(timestamp=stamp, value=f"sha256={digest}")


def webhook_body(notification: Notification) -> dict[str, Any]:
    """The JSON a generic webhook receives (documented in docs/notifications.md)."""
    group = notification.alert_group
    incident = notification.incident
    return {
        "event": f"notification.{notification.reason}",
        "notification": {"id": str(notification.uuid), "reason": notification.reason},
        "subject": notification.subject,
        "message": notification.message,
        "link": notification.link,
        "alert_group": {"id": str(group.uuid), "title": group.title} if group is not None else None,
        "incident": {"number": incident.number, "title": incident.title} if incident is not None else None,
        "occurred_at": notification.created_at.isoformat() if notification.created_at else None,
    }


def plain_text(notification: Notification) -> str:
    """The subject, message and link as a few lines of text (email body, chat text)."""
    lines = [notification.subject]
    if notification.message:
        lines += ["", notification.message]
    if notification.link:
        lines += ["", notification.link]
    return "\n".join(lines)


# --- HTTP ------------------------------------------------------------------------------------------------


def address_refusal(url: str) -> str:
    """Why the server will not send to `url` (empty when it may): the outbound guard's early answer, for
    when a member saves a URL. Every send is checked again by the guard itself."""
    return outbound.refusal(url)


def _post(url: str, **kwargs: Any) -> None:
    """POST through the outbound guard; its failures (status code or a short reason, never the answer's
    text) become the delivery's error."""
    headers = {"User-Agent": USER_AGENT, **kwargs.pop("headers", {})}
    try:
        outbound.post(url, headers=headers, timeout=settings.NOTIFICATION_HTTP_TIMEOUT, **kwargs)
    except outbound.OutboundError as exc:
        raise DeliveryError(exc.message, retryable=exc.retryable) from exc


def send_webhook(notification: Notification, *, secret: str) -> None:
    """JSON POST, signed and carrying the idempotency key so the receiver can drop duplicates."""
    body = json.dumps(webhook_body(notification), separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", "Idempotency-Key": notification.idempotency_key}
    if secret:
        signature = sign(secret=secret, body=body)
        headers |= {"X-Firebreak-Timestamp": signature.timestamp, "X-Firebreak-Signature": signature.value}
    _post(notification.address, content=body, headers=headers)


def send_chat(notification: Notification) -> None:
    """Slack/Mattermost incoming webhook: the plainest payload both accept."""
    _post(notification.address, json={"text": plain_text(notification), "username": "Firebreak"})


def _twilio(resource: str, data: dict[str, str]) -> None:
    if not twilio_configured():
        raise DeliveryError("SMS and voice are not configured on this server (TWILIO_* settings).", retryable=False)
    sid = settings.TWILIO_ACCOUNT_SID
    url = f"{settings.TWILIO_API_BASE.rstrip('/')}/2010-04-01/Accounts/{sid}/{resource}.json"
    _post(url, data={"From": settings.TWILIO_FROM_NUMBER, **data}, auth=(sid, settings.TWILIO_AUTH_TOKEN))


def send_sms(notification: Notification) -> None:
    text = notification.subject + (f" {notification.link}" if notification.link else "")
    _twilio("Messages", {"To": notification.address, "Body": text[:SMS_MAX_CHARS]})


def send_voice(notification: Notification) -> None:
    words = escape(f"Firebreak. {notification.subject}. {notification.message}".strip())
    twiml = f'<Response><Say loop="2">{words}</Say></Response>'
    _twilio("Calls", {"To": notification.address, "Twiml": twiml})


# --- email -----------------------------------------------------------------------------------------------


def _smtp_error(exc: smtplib.SMTPException) -> DeliveryError:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        detail = "; ".join(f"{code} {msg.decode(errors='replace')}" for code, msg in exc.recipients.values())
        return DeliveryError(f"Recipient refused: {detail}", retryable=all(400 <= c < 500 for c in codes))
    code = getattr(exc, "smtp_code", None)
    if isinstance(code, int):
        text = getattr(exc, "smtp_error", b"")
        text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        return DeliveryError(f"SMTP {code}: {text}".strip(), retryable=not 500 <= code < 600)
    return DeliveryError(f"SMTP error: {exc or type(exc).__name__}", retryable=True)


def send_email(notification: Notification) -> None:
    try:
        validate_email(notification.address)
    except ValidationError as exc:
        raise DeliveryError(f"Not an email address: {notification.address}", retryable=False) from exc
    email = EmailMessage(
        subject=notification.subject.replace("\n", " ")[:250],
        body=plain_text(notification) + "\n\n-- \nSent by Firebreak. Manage how you are reached in your settings.",
        to=[notification.address],
        headers={"X-Firebreak-Notification": str(notification.uuid)},
    )
    try:
        email.send(fail_silently=False)
    except smtplib.SMTPException as exc:
        raise _smtp_error(exc) from exc
    except BadHeaderError as exc:
        raise DeliveryError(f"Bad email header: {exc}", retryable=False) from exc
    except (TimeoutError, OSError) as exc:
        raise DeliveryError(f"Could not reach the mail server: {exc or type(exc).__name__}", retryable=True) from exc


def deliver(notification: Notification, *, secret: str = "") -> None:
    """Send one notification through its channel; raises DeliveryError when it did not go out."""
    channel = notification.channel
    if channel == ContactKind.EMAIL:
        send_email(notification)
    elif channel == ContactKind.WEBHOOK:
        send_webhook(notification, secret=secret)
    elif channel == ContactKind.CHAT:
        send_chat(notification)
    elif channel == ContactKind.SMS:
        send_sms(notification)
    elif channel == ContactKind.VOICE:
        send_voice(notification)
    else:
        raise DeliveryError(f"Unknown channel “{channel}”.", retryable=False)

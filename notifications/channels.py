"""Delivery adapters: one function per channel that sends one Notification, or raises DeliveryError.

Adapters only talk to the outside world; they never touch the database (the state machine in
notifications/actions.py records the outcome). Every network call has an explicit timeout.
Retryable: transport errors, timeouts, HTTP 5xx and 429, SMTP connection errors and 4xx SMTP codes.
Permanent: other HTTP 4xx, SMTP 5xx, bad addresses, a channel that is not configured.
"""

import hashlib
import hmac
import ipaddress
import json
import os
import smtplib
import socket
import ssl
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import certifi
import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import BadHeaderError, EmailMessage
from django.core.validators import validate_email

from notifications.models import ContactKind, Notification

USER_AGENT = "Firebreak-Notifications/1"
ERROR_BODY_CHARS = 300
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


CLIENTS_PER_PROCESS = 256
_clients: OrderedDict[tuple[int, str], httpx.Client] = OrderedDict()
_ssl_contexts: dict[int, ssl.SSLContext] = {}
_clients_lock = threading.Lock()


def _checked_addresses(host: str) -> tuple[list[str], str]:
    """Resolve `host` once and check every address it has: (the addresses to connect to, in the resolver's
    order, empty when the name does not resolve now; why the server will not call it, empty when it may).

    People choose these URLs, so they must not make the server reach its own cloud metadata service, or
    private networks when the operator says so (FIREBREAK_WEBHOOK_BLOCK_PRIVATE)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return [], ""  # unresolvable now: the send fails (and is retried) like any connection error
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))
    for address in addresses:
        if address.is_link_local or address.is_unspecified or address.is_multicast:
            return [], f"{host} resolves to {address}, a link-local or reserved address this server does not call."
        if settings.NOTIFICATION_BLOCK_PRIVATE_ADDRESSES and (address.is_private or address.is_loopback):
            return [], f"{host} resolves to {address}, a private address; this server only calls public ones."
    return [str(address) for address in addresses], ""


def address_refusal(url: str) -> str:
    """Why the server will not send to `url` (empty when it may). Names are resolved; all their addresses count."""
    return _checked_addresses(urlsplit(url).hostname or "")[1]


@dataclass(frozen=True)
class _Target:
    url: httpx.URL | str
    headers: dict[str, str]
    extensions: dict[str, str]


def _targets(url: str) -> list[_Target]:
    """Where to connect, one target per checked address: a name that resolves to a public address for the
    check and to a metadata or private one a moment later (DNS rebinding) still only reaches checked ones.
    The Host header and, over TLS, the SNI name and the certificate check keep the original name."""
    try:
        parts = httpx.URL(url)
    except httpx.InvalidURL:
        return [_Target(url, {}, {})]  # the client says why
    addresses, refusal = _checked_addresses(parts.host)
    if refusal:
        raise DeliveryError(refusal, retryable=False)
    if not addresses or addresses == [parts.host]:
        return [_Target(url, {}, {})]  # unresolvable (fails as a connection error), or an address already
    extensions = {"sni_hostname": parts.host} if parts.scheme == "https" else {}
    host = {"Host": parts.netloc.decode("ascii")}
    return [_Target(parts.copy_with(host=address), host, extensions) for address in addresses]


def _ssl_context() -> ssl.SSLContext:
    """The CA bundle, loaded once per process (30 ms of CPU each time) and shared by every client."""
    pid = os.getpid()
    context = _ssl_contexts.get(pid)
    if context is None:
        with _clients_lock:
            context = _ssl_contexts.get(pid)
            if context is None:
                context = _ssl_contexts[pid] = ssl.create_default_context(cafile=certifi.where())
    return context


def _client(host: str) -> httpx.Client:
    """The HTTP client for one host name, per process (prefork children get their own). Requests go to the
    checked address, so a client's pool is keyed by address: one client per name keeps a connection that
    was verified for one name from carrying another name's requests (two names on one CDN address). The
    least recently used clients are closed beyond CLIENTS_PER_PROCESS."""
    key = (os.getpid(), host.lower())
    with _clients_lock:  # the first sends of a batch start together: build each client once
        client = _clients.get(key)
        if client is not None:
            _clients.move_to_end(key)
            return client
    context = _ssl_context()
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = httpx.Client(follow_redirects=False, verify=context)
            while len(_clients) > CLIENTS_PER_PROCESS:
                _, evicted = _clients.popitem(last=False)
                evicted.close()
    return client


def _post(url: str, **kwargs: Any) -> httpx.Response:
    headers = {"User-Agent": USER_AGENT, **kwargs.pop("headers", {})}
    targets = _targets(url)
    client = _client(urlsplit(url).hostname or "")
    try:
        for n, target in enumerate(targets, start=1):
            try:
                response = client.post(
                    target.url,
                    headers=headers | target.headers,
                    extensions=target.extensions,
                    timeout=settings.NOTIFICATION_HTTP_TIMEOUT,
                    **kwargs,
                )
                break
            except (httpx.ConnectError, httpx.ConnectTimeout):
                if n == len(targets):
                    raise  # as a name with several addresses: the next one is tried when one cannot be reached
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise DeliveryError(f"Bad URL: {exc}", retryable=False) from exc
    except httpx.TimeoutException as exc:
        raise DeliveryError(
            f"Timed out after {settings.NOTIFICATION_HTTP_TIMEOUT:g} s ({type(exc).__name__})", retryable=True
        ) from exc
    except httpx.TransportError as exc:
        raise DeliveryError(f"Could not connect: {exc or type(exc).__name__}", retryable=True) from exc
    if response.is_success:
        return response
    detail = response.text[:ERROR_BODY_CHARS].strip()
    message = f"HTTP {response.status_code}" + (f": {detail}" if detail else "")
    retryable = response.status_code >= 500 or response.status_code in (408, 429)
    if response.is_redirect:
        message = f"HTTP {response.status_code}: redirects are not followed; use the final URL"
    raise DeliveryError(message, retryable=retryable)


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

"""Throttles of sign-in, account e-mails and the API, counted in Django's cache (Redis in production, so every
web process counts together; local memory when embedded). docs/security.md says what each one guards.

- `counter_hit`: a fixed-window counter ("at most `limit` per `window` seconds"), the building block of the
  e-mail limits (password reset, invitations) and of the API's limits (orgs/api/throttles.py).
- Sign-in locks: `SIGNIN_FAILURES_PER_ACCOUNT` refused sign-ins on one email address within
  `SIGNIN_FAILURE_WINDOW_MINUTES` lock that address for `SIGNIN_LOCK_MINUTES`, doubled at each new lock within a
  day, at most `SIGNIN_LOCK_MAX_MINUTES`; `SIGNIN_FAILURES_PER_IP` from one client address lock that address
  the same way, whatever accounts it tried. While locked even the right password is refused. A lock ends with
  time, and an account's also with a password reset; nothing is locked forever.

Keys are counted by email address, whether or not an account has it: the answers must not tell which
addresses have an account. Addresses are hashed in the keys (no email in Redis), and IPv6 clients are
counted by their /64, which one client usually holds whole.

A cache outage fails open (logged): a broken Redis must not lock every person out.
"""

import hashlib
import ipaddress
import logging
import math
import re
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.http import HttpRequest

logger = logging.getLogger(__name__)

STRIKES_MEMORY_SECONDS = 24 * 3600  # a lock doubles the next one for a day
RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(s|sec|second|m|min|minute|h|hour|d|day)s?\s*$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


# --- counting -------------------------------------------------------------------------------------


def counter_hit(*, scope: str, limit: int, window: int, now: float | None = None) -> int:
    """Count one event of `scope` in the current `window`-second window: 0 if it is within `limit`, else the
    seconds until the window ends (a Retry-After). Windows are aligned on the epoch, so every process agrees."""
    now = time.time() if now is None else now
    index = int(now // window)
    key = f"throttle:{scope}:{window}:{index}"
    try:
        count = _increment(key, timeout=window + 5)
    except Exception:
        logger.warning("throttle cache unavailable; letting %s through", scope, exc_info=True)
        return 0
    if count <= limit:
        return 0
    return max(1, math.ceil((index + 1) * window - now))


def _increment(key: str, *, timeout: int) -> int:
    """Add one to the counter at `key`, creating it with `timeout` (the cache's add and incr are atomic)."""
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between the add and the incr
        cache.add(key, 0, timeout=timeout)
        return cache.incr(key)


def rate_parse(rate: str) -> tuple[int, int]:
    """A rate such as "1200/min" as (1200, 60); also "/s", "/hour", "/day", "100/5m". ImproperlyConfigured otherwise."""
    match = RATE.match(rate or "")
    if match is None:
        raise ImproperlyConfigured(f"Invalid rate {rate!r}: write it as <number>/<s|min|hour|day>, e.g. 1200/min.")
    count, multiple, unit = match.groups()
    return int(count), int(multiple or 1) * UNIT_SECONDS[unit[0]]


def rate_text(limit: int, window: int) -> str:
    """(1200, 60) → "1200 per minute"."""
    for seconds, name in ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        if window % seconds == 0:
            amount = window // seconds
            return f"{limit} per {name}" if amount == 1 else f"{limit} per {amount} {name}s"
    return f"{limit} per {window} seconds"  # pragma: no cover - every window is a whole number of seconds


def client_address(request: HttpRequest) -> str | None:
    """The client's address as the app sees it (REMOTE_ADDR: behind a proxy, the server must set it from the
    proxy's header, as uvicorn --proxy-headers does)."""
    return request.META.get("REMOTE_ADDR") or None


def address_bucket(address: str | None) -> str | None:
    """What a client address is counted as: an IPv4 address itself (also written IPv4-mapped), an IPv6 address
    by its /64 network; None for no or an unreadable address (then it is not counted by address)."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def _email_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def minutes_text(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


class RateLimited(ValidationError):
    """An action refused because a limit is reached: a form error on pages, a 429 with `Retry-After` in the API
    (orgs/api/errors.py)."""

    def __init__(self, message: str | dict[str, str], *, retry_after: int) -> None:
        super().__init__(message, code="rate_limited")
        self.retry_after = retry_after


def _email_limit(*, kind: str, email: str, ip: str | None, per_address: int, per_ip: int, what: str) -> None:
    """Count one e-mail of `kind` to `email` asked from `ip`; RateLimited when the address's or the client's
    hourly budget is spent (the client's first: a refused request does not spend the address's)."""
    window = settings.ACCOUNT_EMAIL_WINDOW_MINUTES * 60
    bucket = address_bucket(ip)
    if bucket is not None:
        wait = counter_hit(scope=f"{kind}:ip:{bucket}", limit=per_ip, window=window)
        if wait:
            raise RateLimited(
                f"Too many {what} from your network. Try again in {minutes_text(wait)}.", retry_after=wait
            )
    wait = counter_hit(scope=f"{kind}:email:{_email_key(email)}", limit=per_address, window=window)
    if wait:
        raise RateLimited(
            {"email": f"Too many {what} for this address. Try again in {minutes_text(wait)}."}, retry_after=wait
        )


def password_reset_email_allow(*, email: str, ip: str | None) -> None:
    """Count one password-reset request for `email` (an account or not: the answer must not tell) from `ip`."""
    _email_limit(
        kind="reset",
        email=email,
        ip=ip,
        per_address=settings.PASSWORD_RESET_EMAILS_PER_ADDRESS,
        per_ip=settings.PASSWORD_RESET_EMAILS_PER_IP,
        what="password-reset requests",
    )


def invitation_email_allow(*, email: str, ip: str | None) -> None:
    """Count one invitation e-mail to `email` asked from `ip` (no address: a command or a task, not counted)."""
    _email_limit(
        kind="invitation",
        email=email,
        ip=ip,
        per_address=settings.INVITATION_EMAILS_PER_ADDRESS,
        per_ip=settings.INVITATION_EMAILS_PER_IP,
        what="invitations",
    )


# --- sign-in locks --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignInLock:
    """A lock in force: on the account (its email address) or on the client's address."""

    scope: str  # "account" or "ip"
    seconds: int  # until it ends

    @property
    def message(self) -> str:
        wait = minutes_text(self.seconds)
        if self.scope == "account":
            return f"Too many failed sign-ins for this account. Try again in {wait} or reset your password."
        return f"Too many failed sign-ins from your network. Try again in {wait}."


@dataclass(frozen=True)
class SignInLocked:
    """A lock that a failure has just set."""

    scope: str
    failures: int
    minutes: int
    until: float  # epoch seconds


def _lock_keys(scope: str, subject: str) -> tuple[str, str, str]:
    return (f"signin:{scope}:{subject}:failures", f"signin:{scope}:{subject}:lock", f"signin:{scope}:{subject}:strikes")


def _subjects(*, email: str, ip: str | None) -> list[tuple[str, str, int]]:
    """(scope, subject, failures that lock) for the account and, when known, the client's address."""
    subjects = [("account", _email_key(email), settings.SIGNIN_FAILURES_PER_ACCOUNT)] if email.strip() else []
    bucket = address_bucket(ip)
    if bucket is not None:
        subjects.append(("ip", bucket, settings.SIGNIN_FAILURES_PER_IP))
    return subjects


def signin_lock_get(*, email: str, ip: str | None) -> SignInLock | None:
    """The lock refusing a sign-in on `email` from `ip` now (the account's first), or None."""
    now = time.time()
    try:
        for scope, subject, _ in _subjects(email=email, ip=ip):
            until = cache.get(_lock_keys(scope, subject)[1])
            if until is not None and until > now:
                return SignInLock(scope=scope, seconds=math.ceil(until - now))
    except Exception:
        logger.warning("throttle cache unavailable; not checking sign-in locks", exc_info=True)
    return None


def signin_failure_record(*, email: str, ip: str | None) -> list[SignInLocked]:
    """Count a refused sign-in on `email` from `ip`; returns the locks it set (the account's, the address's)."""
    locked = []
    window = settings.SIGNIN_FAILURE_WINDOW_MINUTES * 60
    try:
        for scope, subject, limit in _subjects(email=email, ip=ip):
            failures_key, lock_key, strikes_key = _lock_keys(scope, subject)
            failures = _increment(failures_key, timeout=window)
            if failures < limit:
                continue
            strikes = _increment(strikes_key, timeout=STRIKES_MEMORY_SECONDS)
            cache.touch(strikes_key, STRIKES_MEMORY_SECONDS)
            minutes = min(settings.SIGNIN_LOCK_MINUTES * 2 ** (strikes - 1), settings.SIGNIN_LOCK_MAX_MINUTES)
            until = time.time() + minutes * 60
            cache.set(lock_key, until, timeout=minutes * 60 + 60)
            cache.delete(failures_key)  # the next lock counts afresh once this one ends
            locked.append(SignInLocked(scope=scope, failures=failures, minutes=minutes, until=until))
            logger.warning("sign-in locked for %s minutes after %s failures (%s)", minutes, failures, scope)
    except Exception:
        logger.warning("throttle cache unavailable; sign-in failure not counted", exc_info=True)
    return locked


def signin_succeeded(*, email: str) -> None:
    """A right password on an unlocked account: its failures so far are forgiven (not its strikes)."""
    try:
        cache.delete(_lock_keys("account", _email_key(email))[0])
    except Exception:
        logger.warning("throttle cache unavailable; sign-in failures not reset", exc_info=True)


def signin_unlock(*, email: str) -> None:
    """Lift the account's lock and forget its failures and strikes (a password reset proves the owner)."""
    try:
        cache.delete_many(list(_lock_keys("account", _email_key(email))))
    except Exception:
        logger.warning("throttle cache unavailable; sign-in lock not lifted", exc_info=True)


class SignInLockBackend:
    """First of AUTHENTICATION_BACKENDS: refuses every sign-in on a locked account or from a locked address
    before any password is checked, wherever authenticate() is called (the sign-in page, the admin's).

    Raising PermissionDenied stops authenticate() at once; it then sends `user_login_failed`, whose receiver
    (orgs.actions.users) counts no failure for a request marked `signin_lock`. No `get_user`: sessions
    belong to ModelBackend.
    """

    def authenticate(self, request: HttpRequest | None, username: str | None = None, **credentials: Any) -> None:
        if request is None or not username:
            return None
        lock = signin_lock_get(email=username, ip=client_address(request))
        if lock is not None:
            request.signin_lock = lock
            raise PermissionDenied(lock.message)
        return None

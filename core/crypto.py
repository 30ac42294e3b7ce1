"""Encryption at rest of the secrets the app must use again (a webhook's signing secret, tracker and chat tokens):
Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) under keys that live only in the environment.

FIREBREAK_ENCRYPTION_KEYS is a comma-separated list of Fernet keys: the first encrypts, every one decrypts, so a
key is rotated by putting a new one first, running `manage.py encryption_rotate` (which re-encrypts every
encrypted column with the first key) and then dropping the old one. Secrets the app only checks (passwords, API
tokens, integration keys, verification codes) are hashed instead, never encrypted.

Production refuses to run without keys (core/checks.py, and `keys()` below raises). On a developer's machine
(DJANGO_DEBUG or FIREBREAK_DEV) a key derived from DJANGO_SECRET_KEY is used when none is set, and is always kept
as a last decryption key there, so a `.env` written before FIREBREAK_ENCRYPTION_KEYS existed keeps working.
"""

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SETTING = "FIREBREAK_ENCRYPTION_KEYS"
DERIVATION_SALT = b"firebreak.encryption-at-rest:"


class DecryptionError(Exception):
    """A stored value that none of the configured keys opens (a key was dropped too early, or the data is bad)."""


def generate_key() -> str:
    """A new random Fernet key, as FIREBREAK_ENCRYPTION_KEYS takes it."""
    return Fernet.generate_key().decode()


def development_key(secret_key: str) -> str:
    """The key a developer's machine uses when none is configured: derived from DJANGO_SECRET_KEY."""
    return base64.urlsafe_b64encode(hashlib.sha256(DERIVATION_SALT + secret_key.encode()).digest()).decode()


def is_development() -> bool:
    """A developer's machine (DJANGO_DEBUG or FIREBREAK_DEV): a derived key is acceptable there."""
    return bool(settings.DEBUG or getattr(settings, "DEV", False))


def configured_keys() -> list[str]:
    """The keys of FIREBREAK_ENCRYPTION_KEYS, in order (blank entries dropped)."""
    value = getattr(settings, SETTING, [])
    if isinstance(value, str):
        value = value.split(",")
    return [key.strip() for key in value if key and key.strip()]


def keys() -> list[str]:
    """The keys in use, the encrypting one first; ImproperlyConfigured in production without any."""
    found = configured_keys()
    if is_development():
        return [*found, development_key(settings.SECRET_KEY)]
    if not found:
        raise ImproperlyConfigured(
            f"{SETTING} is not set: secrets stored by Firebreak are encrypted with it. Generate a key with "
            '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"` '
            "and set it (docs/security.md, Secrets)."
        )
    return found


@lru_cache(maxsize=8)
def _fernet(key_list: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in key_list])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            f"{SETTING} holds a value that is not a Fernet key (32 url-safe base64 bytes)."
        ) from exc


def _primary(key_list: tuple[str, ...]) -> Fernet:
    return Fernet(key_list[0].encode())


def encrypt(plaintext: str) -> str:
    """`plaintext` encrypted with the first key, as text (a Fernet token: random IV, so never the same twice)."""
    return _fernet(tuple(keys())).encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    """The text of a token made by `encrypt` under any configured key; DecryptionError if none opens it."""
    try:
        return _fernet(tuple(keys())).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError(
            f"A stored secret cannot be decrypted with {SETTING}: was a key removed before "
            "`manage.py encryption_rotate` re-encrypted everything with the first one?"
        ) from exc


def is_current(token: str) -> bool:
    """True when `token` is already encrypted with the first key (re-encrypting it would change nothing)."""
    try:
        _primary(tuple(keys())).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def rotate(token: str) -> str:
    """`token` re-encrypted with the first key (same plaintext); DecryptionError if no key opens it."""
    try:
        return _fernet(tuple(keys())).rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError(f"A stored secret cannot be decrypted with {SETTING}.") from exc


def keys_problem() -> str:
    """Why the configured keys are unusable here ("" when they are fine): for the system check."""
    found = configured_keys()
    if not found and not is_development():
        return f"{SETTING} is not set (required unless DJANGO_DEBUG or FIREBREAK_DEV is on)."
    for position, key in enumerate(found, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            return f"{SETTING}: key {position} of {len(found)} is not a Fernet key (32 url-safe base64 bytes)."
    return ""

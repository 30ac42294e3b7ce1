"""The secret of a subscriber's links (confirm, manage, unsubscribe).

It is an HMAC of the subscriber's uuid under SECRET_KEY; the row keeps only its SHA-256 (`token_hash`), so a copy
of the database opens no subscription. It is derived rather than random because every mail must carry it
(List-Unsubscribe) while the raw value is never stored. Keys in SECRET_KEY_FALLBACKS keep older links working
after a key rotation.
"""

import hashlib

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

from statuspage.models import Subscriber

TOKEN_SALT = "firebreak.statuspage.subscriber"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def derive(subscriber: Subscriber, secret: str) -> str:
    return salted_hmac(TOKEN_SALT, str(subscriber.uuid), secret=secret, algorithm="sha256").hexdigest()


def subscriber_token(*, subscriber: Subscriber) -> str:
    """The secret of the subscriber's links. A row whose stored hash matches no current or fallback key (the key
    was rotated out, or the row was written another way) gets a new one: its older links stop working."""
    for secret in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])):
        token = derive(subscriber, secret)
        if token_hash(token) == subscriber.token_hash:
            return token
    token = derive(subscriber, settings.SECRET_KEY)
    subscriber.token_hash = token_hash(token)
    Subscriber.objects.filter(pk=subscriber.pk).update(token_hash=subscriber.token_hash, updated_at=timezone.now())
    return token

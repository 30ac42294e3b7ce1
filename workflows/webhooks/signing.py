"""Standard Webhooks signing (https://www.standardwebhooks.com/): secrets, message ids and the headers of a send.

A secret is ``whsec_`` + base64 of 24 random bytes. Each send carries

    webhook-id: msg_…            the delivery's message id (the same on every retry and on a replay)
    webhook-timestamp: 1614265330 seconds since the epoch, of this send
    webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body" with the secret's bytes>

During a rotation's overlap the signature header lists the new secret's signature and the old one's, space
separated ("v1,<new> v1,<old>"), so a receiver verifies with either. The signing itself is the
`standardwebhooks` library's (tests prove the spec's test vector through `sign()`).
"""

import base64
import secrets
from datetime import UTC, datetime
from uuid import uuid4

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24
USER_AGENT = "Firebreak-Webhooks/1"


def secret_new() -> str:
    """A fresh signing secret: "whsec_" + base64 of 24 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def message_id_new() -> str:
    """A message id (the `webhook-id`): "msg_" + 32 hex characters."""
    return f"msg_{uuid4().hex}"


def sign(*, secret: str, message_id: str, timestamp: int, body: bytes | str) -> str:
    """The versioned signature "v1,<base64>" of `body` for this id and timestamp (seconds since the epoch)."""
    return Webhook(secret).sign(message_id, datetime.fromtimestamp(timestamp, tz=UTC), body)


def signature_header(*, secrets_: list[str], message_id: str, timestamp: int, body: bytes | str) -> str:
    """The `webhook-signature` value: one "v1,<sig>" per secret (the current first), space separated."""
    return " ".join(sign(secret=s, message_id=message_id, timestamp=timestamp, body=body) for s in secrets_ if s)


def headers(*, secrets_: list[str], message_id: str, timestamp: int, body: bytes | str) -> dict[str, str]:
    """Every header of a send (what the delivery log keeps of the request: no secret is among them)."""
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(secrets_=secrets_, message_id=message_id, timestamp=timestamp, body=body),
    }

"""Standard Webhooks signing: the spec's test vector through our own signing function, secrets and headers."""

import base64
import re

from standardwebhooks.webhooks import Webhook

from workflows.webhooks import signing

VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = '{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_standard_webhooks_test_vector_signs_to_the_spec_signature():
    signed = signing.sign(secret=VECTOR_SECRET, message_id=VECTOR_ID, timestamp=VECTOR_TIMESTAMP, body=VECTOR_BODY)

    assert signed == VECTOR_SIGNATURE
    # bytes and text sign the same
    assert (
        signing.sign(secret=VECTOR_SECRET, message_id=VECTOR_ID, timestamp=VECTOR_TIMESTAMP, body=VECTOR_BODY.encode())
        == VECTOR_SIGNATURE
    )


def test_headers_carry_id_timestamp_and_both_signatures_current_first():
    old, new = signing.secret_new(), signing.secret_new()

    headers = signing.headers(secrets_=[new, old], message_id=VECTOR_ID, timestamp=VECTOR_TIMESTAMP, body=VECTOR_BODY)

    assert headers["webhook-id"] == VECTOR_ID
    assert headers["webhook-timestamp"] == "1614265330"
    assert headers["content-type"] == "application/json"
    first, second = headers["webhook-signature"].split(" ")
    assert first == Webhook(new).sign(VECTOR_ID, _at(VECTOR_TIMESTAMP), VECTOR_BODY)
    assert second == Webhook(old).sign(VECTOR_ID, _at(VECTOR_TIMESTAMP), VECTOR_BODY)
    assert (
        VECTOR_SIGNATURE
        in signing.headers(
            secrets_=[VECTOR_SECRET], message_id=VECTOR_ID, timestamp=VECTOR_TIMESTAMP, body=VECTOR_BODY
        )["webhook-signature"]
    )


def test_a_new_secret_is_whsec_and_24_random_bytes():
    secrets = {signing.secret_new() for _ in range(20)}

    assert len(secrets) == 20
    for secret in secrets:
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 24
    assert re.fullmatch(r"msg_[0-9a-f]{32}", signing.message_id_new())


def _at(timestamp: int):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(timestamp, tz=UTC)

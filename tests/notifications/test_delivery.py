"""Delivery through real local servers: webhook, chat and a Twilio-style API over HTTP (http.server), email
over SMTP (aiosmtpd); and the state machine around them (retry rules, stale tokens, cancel, supersede)."""

import base64
import json
from email import message_from_bytes
from urllib.parse import parse_qs

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.utils import timezone

from notifications import actions, channels
from notifications.models import ContactKind, Notification, NotificationStatus
from tests.integration.helpers import free_port
from tests.notifications.helpers import http_receiver

pytestmark = pytest.mark.django_db

DELIVER = "notifications.tasks.notification_deliver"


def page(member, **kwargs) -> Notification:
    [row] = actions.user_notify(
        organization=member.organization,
        user=member.user,
        reason="page",
        idempotency_base=kwargs.pop("base", "esc:7:step:0"),
        subject="Acme ledger down",
        message="Disk full on ledger-db-1",
        link="https://firebreak.test/o/acme/alerts/1/",
        **kwargs,
    )
    return row


def deliver(row: Notification) -> str:
    row.refresh_from_db()
    return actions.notification_deliver(notification_id=row.pk, token=str(row.task_token))


def make_due(row: Notification) -> None:
    """Time passes: the retry's backoff is over."""
    Notification.objects.filter(pk=row.pk).update(due_at=timezone.now())


def state(row: Notification) -> tuple:
    row.refresh_from_db()
    return row.status, row.attempts, row.last_error


# --- webhook ---------------------------------------------------------------------------------------------


def test_webhook_posts_signed_json_with_the_idempotency_key(owner, make_method):
    with http_receiver() as server:
        make_method(owner, ContactKind.WEBHOOK, f"{server.url}/hook", secret="s3cret")
        row = page(owner)

        outcome = deliver(row)

    [request] = server.requests
    row.refresh_from_db()
    expected = channels.sign(
        secret="s3cret", body=request.body, timestamp=int(request.headers["X-Firebreak-Timestamp"])
    )
    assert outcome == "sent"
    assert (row.status, row.attempts, row.last_error, row.sent_at is not None) == ("sent", 1, "", True)
    assert request.path == "/hook"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Idempotency-Key"] == row.idempotency_key
    assert request.headers["X-Firebreak-Signature"] == expected.value
    assert json.loads(request.body) == {
        "event": "notification.page",
        "notification": {"id": str(row.uuid), "reason": "page"},
        "subject": "Acme ledger down",
        "message": "Disk full on ledger-db-1",
        "link": "https://firebreak.test/o/acme/alerts/1/",
        "alert_group": None,
        "incident": None,
        "occurred_at": row.created_at.isoformat(),
    }


def test_a_500_is_retried_with_a_new_token_and_then_succeeds(
    owner, make_method, django_capture_on_commit_callbacks, enqueued
):
    with http_receiver((500, "boom", 0)) as server:
        make_method(owner, ContactKind.WEBHOOK, f"{server.url}/hook", secret="s")
        row = page(owner)
        first_token = str(row.task_token)

        with django_capture_on_commit_callbacks(execute=True):
            first = deliver(row)
        after_first = state(row)
        retry_token = str(row.task_token)
        stale = actions.notification_deliver(notification_id=row.pk, token=first_token)
        early = actions.notification_deliver(notification_id=row.pk, token=retry_token)
        make_due(row)
        second = deliver(row)

    assert (first, stale, early, second) == ("retrying", "skipped", "skipped", "sent")
    assert after_first == ("retrying", 1, "HTTP 500")
    assert retry_token != first_token
    assert enqueued.calls == [(DELIVER, (row.pk, retry_token), {})]
    assert state(row) == ("sent", 2, "")
    assert len(server.requests) == 2


def test_a_400_fails_at_once_and_is_not_retried(owner, make_method, django_capture_on_commit_callbacks, enqueued):
    with http_receiver(default=(400, "bad hook", 0)) as server:
        make_method(owner, ContactKind.WEBHOOK, f"{server.url}/hook")
        row = page(owner)

        with django_capture_on_commit_callbacks(execute=True):
            outcome = deliver(row)

    row.refresh_from_db()
    assert outcome == "failed"
    assert (row.status, row.attempts, row.last_error, row.failed_at is not None) == (
        "failed",
        1,
        "HTTP 400",
        True,
    )
    assert enqueued.calls == []
    assert len(server.requests) == 1


def test_a_429_is_retried(owner, make_method):
    with http_receiver((429, "slow down", 0)) as server:
        make_method(owner, ContactKind.CHAT, f"{server.url}/chat")
        row = page(owner)

        outcome = deliver(row)

    assert (outcome, state(row)) == ("retrying", ("retrying", 1, "HTTP 429"))


def test_a_timeout_is_retried(owner, make_method, settings):
    settings.NOTIFICATION_HTTP_TIMEOUT = 0.3
    with http_receiver((200, "late", 1.5)) as server:
        make_method(owner, ContactKind.WEBHOOK, f"{server.url}/slow")
        row = page(owner)

        outcome = deliver(row)

    assert (outcome, state(row)) == ("retrying", ("retrying", 1, "Timed out after 0.3 s (ReadTimeout)"))


def test_a_refused_connection_is_retried(owner, make_method):
    make_method(owner, ContactKind.WEBHOOK, f"http://127.0.0.1:{free_port()}/hook")
    row = page(owner)

    outcome = deliver(row)

    status, attempts, error = state(row)
    assert (outcome, status, attempts) == ("retrying", "retrying", 1)
    assert error.startswith("Could not connect: ")


def test_retries_stop_after_the_maximum_attempts_and_the_row_stays_failed(owner, make_method, settings, enqueued):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    with http_receiver(default=(503, "down", 0)) as server:
        make_method(owner, ContactKind.WEBHOOK, f"{server.url}/hook")
        row = page(owner)

        first = deliver(row)
        make_due(row)
        second = deliver(row)

    row.refresh_from_db()
    assert (first, second) == ("retrying", "failed")
    assert (row.status, row.attempts, row.last_error) == ("failed", 2, "HTTP 503 (gave up after 2 attempts)")
    assert row.failed_at is not None
    assert len(server.requests) == 2


def test_backoff_grows_and_is_capped(settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 10
    settings.NOTIFICATION_RETRY_CAP_SECONDS = 60

    delays = [actions.retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 5)]

    assert [5 <= delays[0] <= 10, 10 <= delays[1] <= 20, 20 <= delays[2] <= 40] == [True, True, True]
    assert [30 <= d <= 60 for d in delays[3:]] == [True, True]


# --- chat and Twilio ---------------------------------------------------------------------------------------


def test_chat_posts_a_slack_compatible_payload(owner, make_method):
    with http_receiver() as server:
        make_method(owner, ContactKind.CHAT, f"{server.url}/services/T0/B0/x")
        row = page(owner)

        outcome = deliver(row)

    [request] = server.requests
    assert outcome == "sent"
    assert json.loads(request.body) == {
        "text": "Acme ledger down\n\nDisk full on ledger-db-1\n\nhttps://firebreak.test/o/acme/alerts/1/",
        "username": "Firebreak",
    }


def test_sms_and_voice_go_to_the_twilio_style_api_with_basic_auth(owner, make_method, twilio):
    with http_receiver((201, "{}", 0), (201, "{}", 0)) as server:
        twilio.TWILIO_API_BASE = server.url
        make_method(owner, ContactKind.SMS, "+447700900123")
        make_method(owner, ContactKind.VOICE, "+447700900456")
        sms, voice = actions.user_notify(
            organization=owner.organization,
            user=owner.user,
            reason="page",
            idempotency_base="p",
            subject="Acme ledger down",
            message="Disk <full>",
            link="https://firebreak.test/x",
        )

        outcomes = (deliver(sms), deliver(voice))

    sms_request, voice_request = server.requests
    auth = "Basic " + base64.b64encode(b"ACtest:secret-token").decode()
    assert outcomes == ("sent", "sent")
    assert (sms_request.path, sms_request.headers["Authorization"]) == (
        "/2010-04-01/Accounts/ACtest/Messages.json",
        auth,
    )
    assert parse_qs(sms_request.body.decode()) == {
        "From": ["+15005550006"],
        "To": ["+447700900123"],
        "Body": ["Acme ledger down https://firebreak.test/x"],
    }
    assert voice_request.path == "/2010-04-01/Accounts/ACtest/Calls.json"
    assert parse_qs(voice_request.body.decode()) == {
        "From": ["+15005550006"],
        "To": ["+447700900456"],
        "Twiml": ['<Response><Say loop="2">Firebreak. Acme ledger down. Disk &lt;full&gt;</Say></Response>'],
    }


def test_a_twilio_400_fails_without_retry(owner, make_method, twilio):
    with http_receiver(default=(400, '{"code": 21211, "message": "Invalid To"}', 0)) as server:
        twilio.TWILIO_API_BASE = server.url
        make_method(owner, ContactKind.SMS)
        row = page(owner)

        outcome = deliver(row)

    assert (outcome, state(row)) == ("failed", ("failed", 1, "HTTP 400"))


def test_sms_without_twilio_settings_fails_with_a_clear_error(owner, make_method):
    make_method(owner, ContactKind.SMS)
    row = page(owner)

    outcome = deliver(row)

    assert (outcome, state(row)) == (
        "failed",
        ("failed", 1, "SMS and voice are not configured on this server (TWILIO_* settings)."),
    )


# --- email -------------------------------------------------------------------------------------------------


def test_email_is_sent_through_the_configured_backend(owner, make_method):
    make_method(owner)
    row = page(owner)

    outcome = deliver(row)

    [message] = mail.outbox
    assert outcome == "sent"
    assert (message.subject, message.to) == ("Acme ledger down", ["owner@acme.test"])
    assert message.body.startswith(
        "Acme ledger down\n\nDisk full on ledger-db-1\n\nhttps://firebreak.test/o/acme/alerts/1/"
    )


class Inbox:
    def __init__(self, refuse: str = "") -> None:
        self.messages: list = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    controllers = []

    def start(refuse: str = "") -> Inbox:
        inbox = Inbox(refuse)
        controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
        controller.start()
        controllers.append(controller)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
        settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = "", ""
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        return inbox

    yield start
    for controller in controllers:
        controller.stop()


def test_email_is_delivered_to_a_real_smtp_server(owner, make_method, smtp):
    inbox = smtp()
    make_method(owner, ContactKind.EMAIL, "pager@acme.test")
    row = page(owner)

    outcome = deliver(row)

    [(recipients, message)] = inbox.messages
    assert outcome == "sent"
    assert recipients == ["pager@acme.test"]
    assert message["Subject"] == "Acme ledger down"
    assert message["X-Firebreak-Notification"] == str(row.uuid)
    assert "Disk full on ledger-db-1" in message.get_payload(decode=True).decode()


def test_a_permanent_smtp_refusal_fails_and_a_temporary_one_retries(owner, make_method, smtp):
    make_method(owner, ContactKind.EMAIL, "gone@acme.test")
    smtp("550 5.1.1 No such user")
    gone = page(owner, base="a")
    permanent = deliver(gone)
    smtp("451 4.3.0 Try again later")
    busy = page(owner, base="b")
    temporary = deliver(busy)

    assert (permanent, state(gone)) == ("failed", ("failed", 1, "Recipient refused: 550 5.1.1 No such user"))
    assert (temporary, state(busy)) == ("retrying", ("retrying", 1, "Recipient refused: 451 4.3.0 Try again later"))


def test_an_unreachable_mail_server_is_retried(owner, make_method, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    make_method(owner)
    row = page(owner)

    outcome = deliver(row)

    status, attempts, error = state(row)
    assert (outcome, status, attempts) == ("retrying", "retrying", 1)
    assert error.startswith("Could not reach the mail server: ")


# --- state machine edges ------------------------------------------------------------------------------------


def test_canceled_rows_are_never_sent(owner, make_method):
    with http_receiver() as server:
        make_method(owner, ContactKind.CHAT, f"{server.url}/chat")
        row = page(owner, alert_group=None)
        Notification.objects.filter(pk=row.pk).update(status=NotificationStatus.CANCELED)

        outcome = deliver(row)

    assert (outcome, server.requests) == ("skipped", [])


def test_a_result_after_the_sweeper_took_the_row_over_is_not_recorded(owner, make_method, monkeypatch):
    make_method(owner, ContactKind.CHAT)
    row = page(owner)

    def slow_send(notification, *, secret=""):
        # While this worker sends, its lease runs out and the sweeper re-drives the row with a new token.
        Notification.objects.filter(pk=notification.pk).update(status=NotificationStatus.RETRYING, task_token=uuid4())

    from uuid import uuid4

    monkeypatch.setattr(channels, "deliver", slow_send)

    outcome = deliver(row)

    assert (outcome, state(row)[0]) == ("superseded", "retrying")


def test_an_adapter_bug_leaves_the_row_retrying_not_stuck(owner, make_method, monkeypatch):
    make_method(owner, ContactKind.CHAT)
    row = page(owner)

    def broken(notification, *, secret=""):
        raise KeyError("oops")

    monkeypatch.setattr(channels, "deliver", broken)

    outcome = deliver(row)

    assert (outcome, state(row)) == ("retrying", ("retrying", 1, "Unexpected error (KeyError); see the server log."))


def test_a_missing_row_is_skipped():
    assert actions.notification_deliver(notification_id=999_999, token="x") == "skipped"

"""Delivery through real local servers: webhook, chat and a Twilio-style API over HTTP (http.server), email
over SMTP (aiosmtpd); and the state machine around them (retry rules, stale tokens, cancel, supersede)."""

import base64
import json
import os
import socket
import ssl
from collections import OrderedDict
from email import message_from_bytes
from types import SimpleNamespace
from urllib.parse import parse_qs

import pytest
import trustme
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.exceptions import ValidationError
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
    assert after_first == ("retrying", 1, "HTTP 500: boom")
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
        "HTTP 400: bad hook",
        True,
    )
    assert enqueued.calls == []
    assert len(server.requests) == 1


def test_a_429_is_retried(owner, make_method):
    with http_receiver((429, "slow down", 0)) as server:
        make_method(owner, ContactKind.CHAT, f"{server.url}/chat")
        row = page(owner)

        outcome = deliver(row)

    assert (outcome, state(row)) == ("retrying", ("retrying", 1, "HTTP 429: slow down"))


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
    assert (row.status, row.attempts, row.last_error) == ("failed", 2, "HTTP 503: down (gave up after 2 attempts)")
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

    assert (outcome, state(row)) == ("failed", ("failed", 1, 'HTTP 400: {"code": 21211, "message": "Invalid To"}'))


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

    assert (outcome, state(row)) == ("retrying", ("retrying", 1, "Unexpected error: KeyError: 'oops'"))


def test_a_missing_row_is_skipped():
    assert actions.notification_deliver(notification_id=999_999, token="x") == "skipped"


# --- addresses the server will not call ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "resolved"),
    [("http://169.254.169.254/latest/meta-data/", "169.254.169.254"), ("http://[fe80::1]/hook", "fe80::1")],
)
def test_a_link_local_address_fails_at_once_without_a_request(owner, make_method, enqueued, url, resolved):
    # Given a webhook row aimed at the cloud metadata service (the method was stored before the check)
    make_method(owner, ContactKind.WEBHOOK, url)
    row = page(owner)

    outcome = deliver(row)

    host = url.split("//")[1].split("/")[0].strip("[]")
    assert outcome == "failed"
    assert state(row) == (
        "failed",
        1,
        f"{host} resolves to {resolved}, a link-local or reserved address this server does not call.",
    )


def test_private_addresses_are_refused_when_the_operator_blocks_them(owner, make_method, settings):
    settings.NOTIFICATION_BLOCK_PRIVATE_ADDRESSES = True
    with http_receiver() as server:
        make_method(owner, ContactKind.WEBHOOK, f"{server.url}/hook")
        row = page(owner)

        outcome = deliver(row)

    assert outcome == "failed"
    assert state(row)[2] == "127.0.0.1 resolves to 127.0.0.1, a private address; this server only calls public ones."
    assert server.requests == []


@pytest.mark.parametrize(
    ("block_private", "url", "error"),
    [
        (False, "http://169.254.169.254/", "169.254.169.254 resolves to 169.254.169.254, a link-local or reserved"),
        (True, "http://10.1.2.3/hook", "10.1.2.3 resolves to 10.1.2.3, a private address"),
        (True, "http://localhost:8080/hook", "localhost resolves to"),
    ],
)
def test_adding_a_webhook_to_a_refused_address_is_a_clear_error(settings, block_private, url, error):
    settings.NOTIFICATION_BLOCK_PRIVATE_ADDRESSES = block_private

    with pytest.raises(ValidationError) as raised:
        actions.contact_address_clean(kind=ContactKind.WEBHOOK, address=url)

    assert raised.value.message_dict["address"][0].startswith(error)


def test_private_addresses_are_allowed_by_default_for_self_hosting(settings):
    settings.NOTIFICATION_BLOCK_PRIVATE_ADDRESSES = False

    assert actions.contact_address_clean(kind=ContactKind.CHAT, address="http://10.1.2.3/hooks/x") == (
        "http://10.1.2.3/hooks/x"
    )


# --- the connection goes where the check looked (DNS rebinding) -------------------------------------------


@pytest.fixture
def resolver(monkeypatch):
    """Names this test answers for: each lookup of a name takes the next answer (the last one repeats);
    everything else resolves as usual. An answer is a list of IPv4 addresses."""
    real = socket.getaddrinfo
    answers: dict[str, list[list[str]]] = {}
    lookups: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        script = answers[host]
        addresses = script.pop(0) if len(script) > 1 else script[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port or 0)) for a in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return SimpleNamespace(answers=answers, lookups=lookups)


def test_a_name_that_rebinds_after_the_check_still_reaches_only_the_checked_address(owner, make_method, resolver):
    # Given a name that resolves to this machine for the check, then to the cloud metadata service
    resolver.answers["hooks.rebind.test"] = [["127.0.0.1"], ["169.254.169.254"]]
    with http_receiver() as server:
        port = server.url.rsplit(":", 1)[1]
        make_method(owner, ContactKind.WEBHOOK, f"http://hooks.rebind.test:{port}/hook")
        row = page(owner)

        outcome = deliver(row)

    [request] = server.requests
    assert (outcome, state(row)) == ("sent", ("sent", 1, ""))
    assert request.headers["Host"] == f"hooks.rebind.test:{port}"
    assert resolver.lookups == ["hooks.rebind.test"]  # looked up once: the connection used that answer


def test_a_name_with_several_addresses_falls_back_to_the_next_when_one_refuses(owner, make_method, resolver):
    with http_receiver() as server:
        port = server.url.rsplit(":", 1)[1]
        resolver.answers["hooks.multi.test"] = [["127.0.0.2", "127.0.0.1"]]  # nothing listens on .2
        make_method(owner, ContactKind.WEBHOOK, f"http://hooks.multi.test:{port}/hook")
        row = page(owner)

        outcome = deliver(row)

    assert (outcome, len(server.requests)) == ("sent", 1)


@pytest.fixture
def tls_hooks(monkeypatch):
    """A local CA that the senders' HTTP client trusts, and a server certificate for hooks.acme.test from it."""
    ca = trustme.CA()
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    monkeypatch.setattr(channels, "_clients", OrderedDict())
    monkeypatch.setattr(channels, "_ssl_contexts", {os.getpid(): client_context})
    return ca


@pytest.mark.parametrize(("certified", "outcome"), [("hooks.acme.test", "sent"), ("other.acme.test", "retrying")])
def test_over_tls_the_certificate_is_checked_against_the_name_not_the_address(
    owner, make_method, resolver, tls_hooks, enqueued, certified, outcome
):
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_hooks.issue_cert(certified).configure_cert(server_context)
    resolver.answers["hooks.acme.test"] = [["127.0.0.1"]]
    with http_receiver(tls=server_context) as server:
        port = server.url.rsplit(":", 1)[1]
        make_method(owner, ContactKind.WEBHOOK, f"https://hooks.acme.test:{port}/hook")
        row = page(owner)

        result = deliver(row)

    status, attempts, error = state(row)
    assert (result, status, attempts) == (outcome, outcome, 1)
    if outcome == "sent":
        assert [r.headers["Host"] for r in server.requests] == [f"hooks.acme.test:{port}"]
    else:
        assert server.requests == []
        assert error.startswith("Could not connect: ")
        assert "certificate verify failed" in error


def test_a_connection_verified_for_one_name_never_carries_another_names_request(
    owner, make_member, make_method, resolver, tls_hooks, enqueued
):
    # Given a server at one address whose certificate is for a.acme.test only, and b.acme.test at that address too
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_hooks.issue_cert("a.acme.test").configure_cert(server_context)
    resolver.answers["a.acme.test"] = [["127.0.0.1"]]
    resolver.answers["b.acme.test"] = [["127.0.0.1"]]
    other = make_member(owner.organization, email="bo@acme.test")
    with http_receiver(tls=server_context, keep_alive=True) as server:
        port = server.url.rsplit(":", 1)[1]
        make_method(owner, ContactKind.WEBHOOK, f"https://a.acme.test:{port}/hook")
        make_method(other, ContactKind.WEBHOOK, f"https://b.acme.test:{port}/hook")
        to_a, to_b = page(owner), page(other)

        # When a's page goes out (its connection kept alive), then b's
        outcomes = deliver(to_a), deliver(to_b)

    # Then b's page is not sent over a's connection: its own connection fails the certificate check
    assert outcomes == ("sent", "retrying")
    assert [r.headers["Host"] for r in server.requests] == [f"a.acme.test:{port}"]
    assert "certificate verify failed" in state(to_b)[2]

"""Deliveries through the outbound guard (core/outbound.py): a method aimed at the server's own network is
refused when it is saved and again when anything is sent to it, without a request; what a receiver answers
never reaches the delivery's error, My notifications or the API; the connection goes to the checked address
and keeps the name for TLS. The guard's address-by-address tests are in tests/core/test_outbound.py."""

import os
import socket
import ssl
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import trustme

from core import outbound
from notifications import actions
from notifications.models import ContactKind, ContactMethod, Notification
from orgs.models import MembershipRole
from tests.notifications.helpers import http_receiver
from tests.notifications.servers import http_answer, raw_server

pytestmark = pytest.mark.django_db

SETTINGS = "/o/acme/notifications/settings/"
SECRET = "internal-token-7f3a"


def page(member, base: str = "esc:7:step:0") -> Notification:
    [row] = actions.user_notify(
        organization=member.organization,
        user=member.user,
        reason="page",
        idempotency_base=base,
        subject="Acme ledger down",
        message="Disk full on ledger-db-1",
        link="https://firebreak.test/o/acme/alerts/1/",
    )
    return row


def deliver(row: Notification) -> str:
    row.refresh_from_db()
    return actions.notification_deliver(notification_id=row.pk, token=str(row.task_token))


def state(row: Notification) -> tuple:
    row.refresh_from_db()
    return row.status, row.attempts, row.last_error


@pytest.fixture
def guarded(settings):
    """The guard as a multi-tenant deployment runs it: the suite's loopback allowance taken away."""
    settings.OUTBOUND_ALLOW = []
    return settings


@pytest.fixture
def resolver(monkeypatch):
    """Names this test answers for: each lookup takes the next answer (the last one repeats); other names do
    not resolve (no real DNS)."""
    answers: dict[str, list[list[str]]] = {}
    lookups: list[str] = []

    def resolve(host: str) -> list[str]:
        lookups.append(host)
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        script = answers[host]
        return script.pop(0) if len(script) > 1 else script[0]

    monkeypatch.setattr(outbound, "resolve", resolve)
    return SimpleNamespace(answers=answers, lookups=lookups)


# --- refused at delivery, without a request --------------------------------------------------------------

LOOPBACK_SPELLINGS = [
    "127.0.0.1",
    "127.1",
    "2130706433",
    "0x7f000001",
    "0177.0.0.1",
    "0.0.0.0",
    "0",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "[::127.0.0.1]",
    "[64:ff9b::7f00:1]",
    "[2002:7f00:1::]",
]


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
@pytest.mark.parametrize("kind", [ContactKind.WEBHOOK, ContactKind.CHAT])
def test_a_method_aimed_at_this_server_fails_at_once_without_a_request(
    owner, make_method, guarded, enqueued, django_capture_on_commit_callbacks, kind, host
):
    # Given a method stored before the guard (or behind its back) aimed at a local service
    with raw_server(http_answer(200, SECRET.encode())) as server:
        make_method(owner, kind, f"http://{host}:{server.port}/hook")
        row = page(owner)

        with django_capture_on_commit_callbacks(execute=True):
            outcome = deliver(row)

    hostname = urlsplit(f"http://{host}/").hostname
    assert (outcome, state(row)) == ("failed", ("failed", 1, f"refused: {hostname} is not a public address"))
    assert server.requests == []
    assert enqueued.calls == []  # not retried


@pytest.mark.parametrize("address", ["127.0.0.1", "169.254.169.254", "100.100.100.200", "::ffff:127.0.0.1", "10.0.0.7"])
def test_a_method_whose_name_resolves_to_a_refused_address_fails_at_once(
    owner, make_method, guarded, resolver, address
):
    resolver.answers["hooks.evil.test"] = [[address]]
    with raw_server(http_answer(200)) as server:
        make_method(owner, ContactKind.WEBHOOK, f"http://hooks.evil.test:{server.port}/hook")
        row = page(owner)

        outcome = deliver(row)

    assert (outcome, state(row)) == (
        "failed",
        ("failed", 1, "refused: hooks.evil.test resolves to an address that is not public"),
    )
    assert server.requests == []


def test_sms_and_voice_go_through_the_guard_too(owner, make_method, guarded, twilio):
    with http_receiver((201, "{}", 0)) as server:
        twilio.TWILIO_API_BASE = server.url
        make_method(owner, ContactKind.SMS, "+447700900123")
        row = page(owner)

        outcome = deliver(row)

    assert (outcome, state(row)) == ("failed", ("failed", 1, "refused: 127.0.0.1 is not a public address"))
    assert server.requests == []


# --- told early, when the method is added -----------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "[::1]", "[::ffff:169.254.169.254]", "169.254.169.254", "10.1.2.3"])
def test_a_viewer_adding_a_webhook_to_this_servers_network_is_refused_on_the_page(
    org, make_member, client_for, guarded, enqueued, host
):
    viewer = make_member(org, MembershipRole.VIEWER, email="viewer@acme.test")
    with raw_server(http_answer(200, SECRET.encode())) as server:
        url = f"http://{host}:{server.port}/hook"
        response = client_for(viewer).post(f"{SETTINGS}methods/new/", {"kind": "webhook", "address": url})

    hostname = urlsplit(url).hostname
    assert response.status_code == 400
    assert f"refused: {hostname} is not a public address" in response.content.decode()
    assert ContactMethod.objects.count() == 0
    assert (server.requests, enqueued.calls) == ([], [])


def test_a_webhook_whose_name_resolves_inside_is_refused_by_the_api(api_client, org, make_member, guarded, resolver):
    make_member(org, MembershipRole.VIEWER, email="viewer@acme.test")
    resolver.answers["metadata.evil.test"] = [["169.254.169.254"]]

    response = api_client.post(
        "/api/v1/contact-methods/",
        {"user": "viewer@acme.test", "kind": "chat", "address": "http://metadata.evil.test/latest/"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "address": ["refused: metadata.evil.test resolves to an address that is not public"]
    }
    assert ContactMethod.objects.count() == 0


def test_a_stored_method_aimed_inside_cannot_be_verified(org, make_member, make_method, client_for, guarded):
    # Given a viewer's webhook that was stored before the guard existed
    viewer = make_member(org, MembershipRole.VIEWER, email="viewer@acme.test")
    with raw_server(http_answer(200, SECRET.encode())) as server:
        method = make_method(viewer, ContactKind.WEBHOOK, f"http://127.0.0.1:{server.port}/hook", verified=False)

        # When they ask for a verification code, and it is sent
        client_for(viewer).post(f"{SETTINGS}methods/{method.uuid}/send-verification/")
        row = Notification.objects.get(contact_method=method, reason="verification")
        outcome = deliver(row)
        listing = client_for(viewer).get("/o/acme/notifications/").content.decode()

    # Then nothing reached the local service and the viewer is told why
    assert (outcome, state(row)) == ("failed", ("failed", 1, "refused: 127.0.0.1 is not a public address"))
    assert server.requests == []
    assert "refused: 127.0.0.1 is not a public address" in listing


# --- what a receiver answers stays out of sight ----------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "status", "error"),
    [
        (http_answer(500, f"Traceback ... {SECRET}".encode()), "retrying", "HTTP 500"),
        (http_answer(400, f'{{"error": "{SECRET}"}}'.encode()), "failed", "HTTP 400"),
        (http_answer(404, SECRET.encode()), "failed", "HTTP 404"),
        (
            http_answer(302, SECRET.encode(), {"Location": f"http://169.254.169.254/{SECRET}"}),
            "failed",
            "HTTP 302: redirects are not followed; use the final URL",
        ),
        (lambda: [f"+OK {SECRET}\r\n".encode()], "retrying", "The answer was not valid HTTP (RemoteProtocolError)"),
    ],
)
def test_the_answer_never_reaches_the_error_the_page_or_the_api(
    owner, make_method, member_client, api_client_for, answer, status, error
):
    # Given an internal service the operator allowed (the suite allows loopback), answering with its secrets
    with raw_server(answer) as server:
        make_method(owner, ContactKind.WEBHOOK, f"{server.url}/hook")
        row = page(owner)

        deliver(row)

    listing = member_client.get("/o/acme/notifications/").content.decode()
    api = api_client_for(owner.organization, "viewer").get("/api/v1/notifications/")
    [delivery] = api.json()["results"]
    assert len(server.requests) == 1
    assert state(row) == (status, 1, error)
    assert delivery["last_error"] == error
    assert error in listing
    assert SECRET not in listing
    assert SECRET not in api.content.decode()


# --- the connection goes where the check looked, and keeps the name ----------------------------------------


def test_a_name_that_rebinds_after_the_check_still_reaches_only_the_checked_address(owner, make_method, resolver):
    # Given a name that resolves to an allowed address for the check, then to the cloud metadata service
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
    """A local CA that the guard's HTTP client trusts, and server certificates from it."""
    ca = trustme.CA()
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    monkeypatch.setattr(outbound, "_clients", {})
    monkeypatch.setattr(outbound, "_ssl_contexts", {os.getpid(): client_context})
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

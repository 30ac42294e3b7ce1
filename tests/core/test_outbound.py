"""The outbound guard (core/outbound.py): every spelling of an address that is not public is refused, as a
literal and as a name resolving to it; public addresses and the operator's allow-list pass; the connection
goes to the checked address; no redirect is followed; answers are capped and never quoted.

Resolution is the only thing faked (`outbound.resolve`); connections go to real servers on loopback."""

import socket
import time
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured

from core import outbound
from tests.integration.helpers import free_port
from tests.notifications.servers import endless_answer, http_answer, raw_server, trickle_answer


@pytest.fixture(autouse=True)
def nothing_allowed(settings):
    """The guard as a multi-tenant deployment runs it (the test settings allow loopback for the suite)."""
    settings.OUTBOUND_ALLOW = []


@pytest.fixture
def resolver(monkeypatch):
    """Names this test answers for: each lookup takes the next answer (the last one repeats). Any other name
    does not resolve: no test reaches real DNS."""
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


def http_banner(data: bytes):
    """A service that is not a web server: it writes its banner and hangs up."""
    return lambda: [data]


def post(url: str, timeout: float = 2.0) -> outbound.OutboundResponse:
    return outbound.post(url, timeout=timeout, json={"text": "hello"})


# --- addresses that are not public -----------------------------------------------------------------------

# Every spelling of every range the guard must refuse, as it appears in a URL.
REFUSED_HOSTS = [
    "127.0.0.1",
    "127.1",
    "127.255.255.254",
    "0.0.0.0",
    "0",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.254",
    "192.168.1.1",
    "100.64.0.1",  # carrier-grade NAT
    "100.100.100.200",  # a cloud's metadata service, inside 100.64.0.0/10
    "169.254.169.254",  # link-local: the usual metadata service
    "169.254.0.1",
    "192.0.0.1",  # IETF protocol assignments
    "192.0.2.1",  # documentation
    "198.51.100.1",
    "203.0.113.1",
    "198.18.0.1",  # benchmarking
    "224.0.0.1",  # multicast
    "239.255.255.250",
    "240.0.0.1",  # reserved
    "255.255.255.255",
    "[::1]",
    "[::]",
    "[::ffff:127.0.0.1]",  # IPv4-mapped
    "[::ffff:7f00:1]",
    "[::ffff:169.254.169.254]",
    "[::ffff:0.0.0.0]",
    "[::ffff:10.0.0.1]",
    "[::ffff:100.100.100.200]",
    "[::127.0.0.1]",  # IPv4-compatible
    "[::8.8.8.8]",  # deprecated form: refused whatever it carries
    "[64:ff9b::7f00:1]",  # NAT64
    "[64:ff9b::127.0.0.1]",
    "[64:ff9b::a9fe:a9fe]",
    "[64:ff9b::6464:64c8]",  # NAT64 of 100.100.100.200
    "[64:ff9b:1::a9fe:a9fe]",  # local-use NAT64
    "[64:ff9b:1::808:808]",
    "[2002:7f00:1::]",  # 6to4
    "[2002:a9fe:a9fe::1]",
    "[2002:a00:1::]",
    "[2001:0:4136:e378:8000:63bf:80ff:fffe]",  # Teredo, client 127.0.0.1
    "[2001:0:a9fe:a9fe:8000:63bf:f7f7:f7f7]",  # Teredo, server 169.254.169.254
    "[fe80::1]",  # link-local
    "[fe80::1%25eth0]",
    "[fc00::1]",  # unique local
    "[fd12:3456:789a::1]",
    "[fec0::1]",  # site-local (deprecated)
    "[ff02::1]",  # multicast
    "[ff0e::1]",
    "[2001:db8::1]",  # documentation
    "[100::1]",  # discard-only
    "2130706433",  # 127.0.0.1 as one decimal number
    "0x7f000001",  # ... in hex
    "0x7f.1",
    "0177.0.0.1",  # ... in octal
    "017700000001",
    "0251.0376.0251.0376",  # 169.254.169.254 in octal
    "2852039166",  # 169.254.169.254 as one number
    "0xa9fea9fe",
]


@pytest.mark.parametrize("host", REFUSED_HOSTS)
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_every_spelling_of_an_address_that_is_not_public_is_refused_without_a_lookup(resolver, scheme, host):
    url = f"{scheme}://{host}/hook"
    expected = f"refused: {urlsplit(url).hostname} is not a public address"

    early = outbound.refusal(url)
    with pytest.raises(outbound.OutboundRefused) as raised:
        post(url)

    assert (early, raised.value.message, raised.value.retryable) == (expected, expected, False)
    assert resolver.lookups == []


# The same ranges, as a resolver answers them.
REFUSED_ADDRESSES = [
    "127.0.0.1",
    "127.0.1.1",
    "0.0.0.0",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",
    "100.100.100.200",
    "169.254.169.254",
    "192.0.2.1",
    "224.0.0.251",
    "255.255.255.255",
    "::1",
    "::",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:0.0.0.0",
    "::7f00:1",
    "64:ff9b::7f00:1",
    "64:ff9b::a9fe:a9fe",
    "64:ff9b:1::a9fe:a9fe",
    "2002:7f00:1::",
    "2001:0:4136:e378:8000:63bf:80ff:fffe",
    "fe80::1",
    "fe80::1%eth0",
    "fc00::1",
    "ff02::1",
    "2001:db8::1",
]


@pytest.mark.parametrize("address", REFUSED_ADDRESSES)
def test_a_name_resolving_to_an_address_that_is_not_public_is_refused(resolver, address):
    resolver.answers["hooks.evil.test"] = [[address]]
    expected = "refused: hooks.evil.test resolves to an address that is not public"

    early = outbound.refusal("https://hooks.evil.test/x")
    with pytest.raises(outbound.OutboundRefused) as raised:
        post("https://hooks.evil.test/x")

    assert (early, raised.value.message) == (expected, expected)
    assert resolver.lookups == ["hooks.evil.test", "hooks.evil.test"]  # once for the early answer, once to send


@pytest.mark.parametrize("bad", ["127.0.0.1", "169.254.169.254", "::ffff:10.0.0.1"])
def test_one_bad_address_among_public_ones_refuses_the_name(resolver, bad):
    resolver.answers["hooks.mixed.test"] = [["93.184.216.34", bad, "2606:4700:4700::1111"]]

    with pytest.raises(outbound.OutboundRefused):
        outbound.checked_addresses("hooks.mixed.test")


def test_the_message_of_a_refused_name_does_not_tell_its_address(resolver):
    resolver.answers["db.internal.test"] = [["10.20.30.40"]]

    assert "10.20.30.40" not in outbound.refusal("http://db.internal.test/")


# --- public addresses and the allow-list ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "connects_to"),
    [
        ("93.184.216.34", "93.184.216.34"),
        ("8.8.8.8", "8.8.8.8"),
        ("2606:4700:4700::1111", "2606:4700:4700::1111"),
        ("::ffff:8.8.8.8", "::ffff:808:808"),  # a public IPv4 address, IPv4-mapped
        ("64:ff9b::808:808", "64:ff9b::808:808"),  # through a NAT64 gateway to a public address
        ("2002:808:808::1", "2002:808:808::1"),  # 6to4 of a public address
    ],
)
def test_public_addresses_are_allowed(resolver, host, connects_to):
    assert outbound.checked_addresses(host) == [connects_to]
    assert outbound.refusal(f"https://[{host}]/x" if ":" in host else f"https://{host}/x") == ""
    assert resolver.lookups == []


def test_a_name_with_public_addresses_is_allowed_and_keeps_the_resolvers_order(resolver):
    resolver.answers["hooks.example.com"] = [["2606:4700:4700::1111", "93.184.216.34", "93.184.216.34"]]

    assert outbound.checked_addresses("hooks.example.com") == ["2606:4700:4700::1111", "93.184.216.34"]
    assert outbound.refusal("https://hooks.example.com/x") == ""


def test_a_name_that_does_not_resolve_is_not_refused_early_and_fails_retryably_on_send(resolver):
    assert outbound.refusal("https://nowhere.test/x") == ""
    with pytest.raises(outbound.OutboundError) as raised:
        post("https://nowhere.test/x")

    assert (raised.value.message, raised.value.retryable) == ("Could not connect: nowhere.test does not resolve", True)


@pytest.mark.parametrize(
    ("host", "answer", "allowed"),
    [
        ("10.1.2.3", None, True),  # inside 10.1.2.3/32
        ("[::ffff:10.1.2.3]", None, True),  # the same address, IPv4-mapped
        ("10.1.2.4", None, False),
        ("chat.internal", ["10.9.9.9"], True),  # a name on the list: its addresses are the operator's
        ("CHAT.Internal.", ["10.9.9.9"], True),
        ("sub.chat.internal", ["10.9.9.9"], False),  # names match exactly
        ("other.internal", ["10.1.2.3"], True),  # a name whose only address is in an allowed CIDR
        ("other.internal", ["10.1.2.3", "10.1.2.4"], False),
        ("[fd00::5]", None, True),  # inside fd00::/64
        ("169.254.169.254", None, False),  # allowing some never allows the rest
    ],
)
def test_the_operators_allow_list_allows_its_cidrs_and_names_only(settings, resolver, host, answer, allowed):
    settings.OUTBOUND_ALLOW = ["10.1.2.3/32", "chat.internal", "fd00::/64"]
    if answer is not None:
        resolver.answers[urlsplit(f"http://{host}/").hostname] = [answer]

    assert (outbound.refusal(f"http://{host}/hook") == "") is allowed


def test_an_ipv6_allowed_network_never_allows_an_ipv4_address(settings):
    settings.OUTBOUND_ALLOW = ["::/0"]

    assert outbound.refusal("http://127.0.0.1/") == "refused: 127.0.0.1 is not a public address"


@pytest.mark.parametrize("entry", ["10.1.2.300/32", "10.0.0.0/33", "http://chat.internal", "chat internal", "::g/64"])
def test_an_allow_list_entry_that_is_neither_a_cidr_nor_a_name_stops_the_start(entry):
    with pytest.raises(ImproperlyConfigured) as raised:
        outbound.allow_list_parse(["chat.internal", entry])

    assert entry in str(raised.value)


def test_an_allow_list_reads_cidrs_bare_addresses_and_names():
    parsed = outbound.allow_list_parse([" 10.0.0.0/8 ", "192.168.1.7", "Chat.Internal.", "", "fd00::/8"])

    assert [str(n) for n in parsed.networks] == ["10.0.0.0/8", "192.168.1.7/32", "fd00::/8"]
    assert parsed.names == frozenset({"chat.internal"})


# --- the connection ----------------------------------------------------------------------------------------


def test_a_loopback_server_is_reached_only_when_the_operator_allows_it(settings):
    with raw_server(http_answer(200, b"ok")) as server:
        with pytest.raises(outbound.OutboundRefused):
            post(f"{server.url}/hook")
        refused_requests = list(server.requests)
        settings.OUTBOUND_ALLOW = ["127.0.0.0/8"]
        answer = post(f"{server.url}/hook")

    assert refused_requests == []
    assert (answer.status_code, answer.body, answer.truncated) == (200, b"ok", False)
    assert len(server.requests) == 1


def test_an_allowed_name_is_called_with_its_name_in_the_host_header(settings, resolver):
    settings.OUTBOUND_ALLOW = ["chat.internal"]
    resolver.answers["chat.internal"] = [["127.0.0.1"]]
    with raw_server(http_answer(200)) as server:
        post(f"http://chat.internal:{server.port}/hooks/1")

    [request] = server.requests
    assert request.startswith(b"POST /hooks/1 HTTP/1.1\r\n")
    assert f"Host: chat.internal:{server.port}\r\n".encode() in request


def test_a_name_that_rebinds_after_the_check_still_reaches_only_the_checked_address(settings, resolver):
    # Given a name resolving to an allowed address for the check, then to the metadata service
    settings.OUTBOUND_ALLOW = ["127.0.0.0/8"]
    resolver.answers["hooks.rebind.test"] = [["127.0.0.1"], ["169.254.169.254"]]
    with raw_server(http_answer(200)) as server:
        answer = post(f"http://hooks.rebind.test:{server.port}/hook")

    assert (answer.status_code, len(server.requests)) == (200, 1)
    assert resolver.lookups == ["hooks.rebind.test"]  # one lookup: the connection used its checked answer


def test_a_name_with_several_addresses_falls_back_to_the_next_when_one_refuses(settings, resolver):
    settings.OUTBOUND_ALLOW = ["127.0.0.0/8"]
    with raw_server(http_answer(200)) as server:
        resolver.answers["hooks.multi.test"] = [["127.0.0.2", "127.0.0.1"]]  # nothing listens on .2
        answer = post(f"http://hooks.multi.test:{server.port}/hook")

    assert (answer.status_code, len(server.requests)) == (200, 1)


def test_proxies_from_the_environment_are_ignored(settings, monkeypatch):
    # A proxy would receive the request, and check nothing: the guard's client never uses one
    settings.OUTBOUND_ALLOW = ["127.0.0.0/8"]
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{free_port()}")
    monkeypatch.setattr(outbound, "_clients", {})
    with raw_server(http_answer(200)) as server:
        answer = post(f"{server.url}/hook")

    assert (answer.status_code, len(server.requests)) == (200, 1)


# --- redirects, sizes, time, and what an error says ------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_to_a_refused_address_is_not_followed(settings, status):
    settings.OUTBOUND_ALLOW = ["127.0.0.0/8"]
    location = {"Location": "http://169.254.169.254/latest/meta-data/iam/"}
    with (
        raw_server(http_answer(status, b"see other", location)) as server,
        pytest.raises(outbound.OutboundError) as raised,
    ):
        post(f"{server.url}/hook")

    assert (raised.value.message, raised.value.retryable, raised.value.status_code) == (
        f"HTTP {status}: redirects are not followed; use the final URL",
        False,
        status,
    )
    assert len(server.requests) == 1


def test_a_huge_answer_is_cut_at_the_cap(settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.0/8"]
    with raw_server(endless_answer()) as server:
        answer = post(f"{server.url}/hook", timeout=5)

    assert (answer.status_code, len(answer.body), answer.truncated) == (200, outbound.MAX_RESPONSE_BYTES, True)


def test_a_huge_error_answer_is_reported_by_its_status_only(settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.0/8"]
    with raw_server(endless_answer(status=500)) as server, pytest.raises(outbound.OutboundError) as raised:
        post(f"{server.url}/hook", timeout=5)

    assert (raised.value.message, raised.value.retryable) == ("HTTP 500", True)


@pytest.mark.parametrize(
    ("status", "retryable"), [(400, False), (401, False), (404, False), (408, True), (429, True), (500, True)]
)
def test_an_error_answer_is_its_status_code_never_its_text(settings, status, retryable):
    settings.OUTBOUND_ALLOW = ["127.0.0.0/8"]
    answer = http_answer(status, b'{"secret": "internal-token-7f3a"}')
    with raw_server(answer) as server, pytest.raises(outbound.OutboundError) as raised:
        post(f"{server.url}/hook")

    assert (raised.value.message, raised.value.retryable, raised.value.status_code) == (
        f"HTTP {status}",
        retryable,
        status,
    )


def test_an_answer_that_is_not_http_is_not_quoted(settings):
    # Given a service that is not a web server: its banner must not reach the member
    settings.OUTBOUND_ALLOW = ["127.0.0.0/8"]
    banner = http_banner(b"-ERR internal-token-7f3a unknown command\r\n")
    with raw_server(banner) as server, pytest.raises(outbound.OutboundError) as raised:
        post(f"{server.url}/hook")

    assert (raised.value.message, raised.value.retryable) == (
        "The answer was not valid HTTP (RemoteProtocolError)",
        True,
    )


def test_an_answer_trickled_byte_by_byte_is_cut_at_the_total_time(settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.0/8"]
    with raw_server(trickle_answer(every=0.05)) as server:
        started = time.monotonic()
        with pytest.raises(outbound.OutboundError) as raised:
            post(f"{server.url}/hook", timeout=0.3)
        elapsed = time.monotonic() - started

    assert (raised.value.message, raised.value.retryable) == ("Timed out after 0.3 s (ReadTimeout)", True)
    assert elapsed < 0.3 * outbound.TOTAL_TIMEOUT_FACTOR + 1.0


def test_a_connection_nobody_accepts_is_retryable(settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.0/8"]

    with pytest.raises(outbound.OutboundError) as raised:
        post(f"http://127.0.0.1:{free_port()}/hook")

    assert raised.value.retryable is True
    assert raised.value.message.startswith("Could not connect: ")

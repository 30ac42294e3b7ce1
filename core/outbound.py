"""The outbound guard: every HTTP call the app makes for a tenant goes through `post()` (docs/security.md,
"Outbound calls (SSRF)").

Members choose the URLs these calls go to (webhook and chat contact methods today; outbound webhooks,
trackers and status-page subscribers to come), so a URL must never make the server reach its own network:
loopback, private ranges, carrier-grade NAT, the cloud metadata services (169.254.169.254,
100.100.100.200) or anything else that is not globally routable. The guard

* resolves the host once, in the connection itself (a custom httpcore network backend), unwraps the IPv6
  forms that carry an IPv4 address (mapped, NAT64, 6to4, Teredo), refuses the whole call if any address
  is not public, and connects to the checked addresses only: a name that answers differently a moment
  later (DNS rebinding) cannot steer the connection. The Host header, SNI and the certificate check keep
  the name, and pooled connections are keyed by it, so a connection checked for one name never carries
  another name's request;
* lets an operator allow what is theirs, and only that: `FIREBREAK_OUTBOUND_ALLOW` (settings.OUTBOUND_ALLOW)
  lists CIDRs and host names; there is no switch that turns the guard off;
* follows no redirect (a 3xx is a failure with its status), bounds every step with the caller's timeout
  and the whole call with three times it, reads at most MAX_RESPONSE_BYTES of an answer, and reports
  failures as the status code or a short reason of its own: never the words of the answer, which could be
  an internal service's reply.
"""

import contextvars
import ipaddress
import os
import re
import socket
import ssl
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlsplit

import certifi
import httpcore
import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MAX_RESPONSE_BYTES = 64 * 1024
# A name may have many addresses; each one that cannot be reached costs a connect timeout.
MAX_ADDRESSES_TRIED = 4
TOTAL_TIMEOUT_FACTOR = 3

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Local-use NAT64 (RFC 8215) translates into the site's own network: never public.
NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
# IPv4-compatible addresses (::a.b.c.d) are deprecated (RFC 4291) and some stacks still tunnel them to the
# IPv4 address: never public.
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
HOST_NAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$"
)
LEGACY_IPV4 = re.compile(r"^[0-9][0-9a-fx.]*$")


class OutboundError(Exception):
    """A call that did not succeed; `message` is safe to show the member who chose the URL (status code or a
    short reason, never the answer's text); `retryable` says whether trying again later may succeed."""

    def __init__(self, message: str, *, retryable: bool, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.status_code = status_code


class OutboundRefused(OutboundError):
    """The guard will not call this host: an address is not public and not on the operator's allow-list."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


@dataclass(frozen=True)
class OutboundResponse:
    """A successful answer. `body` is at most MAX_RESPONSE_BYTES (`truncated` says so), for the caller's own
    parsing only: it is never shown to people."""

    status_code: int
    body: bytes
    truncated: bool


# --- which addresses may be called ---------------------------------------------------------------------


@dataclass(frozen=True)
class AllowList:
    networks: tuple[Network, ...]
    names: frozenset[str]


@lru_cache(maxsize=16)
def _allow_list_parse(entries: tuple[str, ...]) -> AllowList:
    networks: list[Network] = []
    names: set[str] = set()
    for raw in entries:
        entry = raw.strip().lower()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
            continue
        except ValueError:
            pass
        name = entry.rstrip(".")
        if "/" in entry or ":" in entry or LEGACY_IPV4.match(name) or not HOST_NAME.match(name):
            raise ImproperlyConfigured(
                f"FIREBREAK_OUTBOUND_ALLOW: {raw.strip()!r} is neither a CIDR (10.1.2.3/32) nor a host name."
            )
        names.add(name)
    return AllowList(networks=tuple(networks), names=frozenset(names))


def allow_list_parse(entries: Iterable[str]) -> AllowList:
    """The operator's allow-list from CIDRs and host names; ImproperlyConfigured for an entry that is neither
    (settings call it at start-up so that a typo stops the start, not the first page)."""
    return _allow_list_parse(tuple(entries))


def allow_list() -> AllowList:
    return allow_list_parse(getattr(settings, "OUTBOUND_ALLOW", ()))


def embedded_ipv4(address: Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo server and
    client); empty for IPv4 and plain IPv6 addresses."""
    if isinstance(address, ipaddress.IPv4Address):
        return []
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address in IPV4_COMPATIBLE or address in NAT64 or address in NAT64_LOCAL:
        return [ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)]
    if address.sixtofour is not None:
        return [address.sixtofour]
    if address.teredo is not None:
        return list(address.teredo)
    return []


def _globally_routable(address: Address) -> bool:
    # `is_global` alone is not enough on Python 3.11: it calls multicast and site-local addresses global.
    special = address.is_multicast or address.is_private or address.is_reserved or address.is_loopback
    special = special or address.is_link_local or address.is_unspecified
    if isinstance(address, ipaddress.IPv6Address):
        special = special or address.is_site_local
    return address.is_global and not special


def is_public(address: Address) -> bool:
    """Globally routable, judged on the IPv4 address an IPv6 form carries when it carries one."""
    if isinstance(address, ipaddress.IPv6Address) and (address in IPV4_COMPATIBLE or address in NAT64_LOCAL):
        return False
    embedded = embedded_ipv4(address)
    return all(_globally_routable(one) for one in embedded or [address])


def address_allowed(address: Address, allow: AllowList | None = None) -> bool:
    """Public, or inside one of the operator's allowed networks (the IPv4 address an IPv6 form carries
    counts too: ::ffff:10.1.2.3 is 10.1.2.3)."""
    allow = allow_list() if allow is None else allow
    for candidate in [address, *embedded_ipv4(address)]:
        # Only same-version networks: `in` across versions compares bare integers.
        if any(candidate.version == net.version and candidate in net for net in allow.networks):
            return True
    return is_public(address)


def literal_address(host: str) -> Address | None:
    """The address a URL host spells out, in any form the resolver would accept (127.0.0.1, ::ffff:7f00:1,
    2130706433, 0x7f000001, 0177.0.0.1, 127.1), or None for a name."""
    host = unquote(host).strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if LEGACY_IPV4.match(host.lower()):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def resolve(host: str) -> list[str]:
    """The guard's only DNS lookup (tests replace this function): the addresses of `host`, resolver order."""
    return [info[4][0] for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)]


def _refused_literal(host: str) -> OutboundRefused:
    return OutboundRefused(f"refused: {host} is not a public address")


def checked_addresses(host: str) -> list[str]:
    """Resolve `host` once and check every address: the addresses to connect to, in the resolver's order.

    Raises OutboundRefused when any address is neither public nor allowed (one bad address is enough: the
    resolver's order is not ours to trust), and a retryable OutboundError when the name does not resolve."""
    allow = allow_list()
    literal = literal_address(host)
    if literal is not None:
        if not address_allowed(literal, allow):
            raise _refused_literal(host)
        return [str(literal)]
    name = host.lower().rstrip(".")
    try:
        found = list(dict.fromkeys(resolve(name)))
    except (OSError, UnicodeError):
        found = []
    if not found:
        raise OutboundError(f"Could not connect: {host} does not resolve", retryable=True)
    if name in allow.names:
        return found
    for text in found:
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            address = None
        if address is None or not address_allowed(address, allow):
            raise OutboundRefused(f"refused: {host} resolves to an address that is not public")
    return found


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def refusal(url: str) -> str:
    """Why the guard will refuse `url` (empty when it may call it, or when its name does not resolve now: the
    call will tell). For an early answer when a member saves a URL; every call is checked again."""
    host = _host(url)
    if not host:
        return ""
    try:
        checked_addresses(host)
    except OutboundRefused as exc:
        return exc.message
    except OutboundError:
        return ""
    return ""


# --- the connection: resolved and checked in the network backend -----------------------------------------


_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("outbound_deadline", default=None)


def _remaining(timeout: float | None) -> float | None:
    """`timeout` shortened to what is left of the whole call's time; a timeout error when nothing is left."""
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the call took longer than its total time")
    return left if timeout is None else min(timeout, left)


class _BoundedStream(httpcore.NetworkStream):
    """A connection whose every read and write also stops at the current call's deadline (an answer
    trickled one byte at a time must not hold a sender for hours)."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _remaining(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _remaining(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _BoundedStream(self._stream.start_tls(ssl_context, server_hostname, _remaining(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's socket backend, except that a host is resolved and checked here and the socket goes to a
    checked address (the next one when one cannot be reached). OutboundRefused passes through httpx as is."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = checked_addresses(host)
        except OutboundRefused:
            raise
        except OutboundError as exc:
            raise httpcore.ConnectError(exc.message.removeprefix("Could not connect: ")) from exc
        tried = addresses[:MAX_ADDRESSES_TRIED]
        for n, address in enumerate(tried, start=1):
            try:
                stream = super().connect_tcp(address, port, _remaining(timeout), local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout):
                if n == len(tried):
                    raise
                continue
            return _BoundedStream(stream)
        raise httpcore.ConnectError(f"{host} has no address")  # checked_addresses never answers with none


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over a connection pool that connects through GuardedBackend, with no proxy (a proxy
    from the environment would make the checked address the proxy's)."""

    def __init__(self, ssl_context: ssl.SSLContext) -> None:
        super().__init__(verify=ssl_context, trust_env=False)
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(),
        )


_clients: dict[int, httpx.Client] = {}
_ssl_contexts: dict[int, ssl.SSLContext] = {}
_clients_lock = threading.Lock()


def ssl_context() -> ssl.SSLContext:
    """The CA bundle, loaded once per process (30 ms of CPU each time)."""
    pid = os.getpid()
    with _clients_lock:
        context = _ssl_contexts.get(pid)
        if context is None:
            context = _ssl_contexts[pid] = ssl.create_default_context(cafile=certifi.where())
    return context


def client() -> httpx.Client:
    """The guarded client of this process (prefork children build their own): connections are pooled per
    host name, never shared between names."""
    pid = os.getpid()
    current = _clients.get(pid)
    if current is not None:
        return current
    context = ssl_context()
    with _clients_lock:
        current = _clients.get(pid)
        if current is None:
            transport = GuardedTransport(context)
            current = _clients[pid] = httpx.Client(transport=transport, follow_redirects=False, trust_env=False)
    return current


# --- the call ----------------------------------------------------------------------------------------------


def _read_capped(response: httpx.Response) -> tuple[bytes, bool]:
    """At most MAX_RESPONSE_BYTES of the raw (undecoded) answer: more closes the connection."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_raw():
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            return b"".join(chunks)[:MAX_RESPONSE_BYTES], True
    return b"".join(chunks), False


def post(url: str, *, timeout: float, headers: dict[str, str] | None = None, **body: Any) -> OutboundResponse:
    """POST to a URL a tenant chose, through the guard; `body` is httpx's content=, json=, data= or auth=.

    Returns the 2xx answer; raises OutboundRefused for an address that is not public and not allowed, and
    OutboundError for anything else that is not a 2xx answer (redirects included: they are not followed)."""
    host = _host(url)
    literal = literal_address(host) if host else None
    if literal is not None and not address_allowed(literal):
        raise _refused_literal(host)  # before httpx, which rejects some spellings (0177.0.0.1) as bad URLs
    token = _deadline.set(time.monotonic() + timeout * TOTAL_TIMEOUT_FACTOR)
    try:
        with client().stream(
            "POST", url, headers=headers, timeout=httpx.Timeout(timeout), follow_redirects=False, **body
        ) as response:
            content, truncated = _read_capped(response)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise OutboundError(f"Bad URL: {exc}", retryable=False) from exc
    except httpx.TimeoutException as exc:
        raise OutboundError(f"Timed out after {timeout:g} s ({type(exc).__name__})", retryable=True) from exc
    except httpx.ProtocolError as exc:
        # Its text may quote the answer (h11 quotes a bad status line): only its kind is shown.
        raise OutboundError(f"The answer was not valid HTTP ({type(exc).__name__})", retryable=True) from exc
    except httpx.TransportError as exc:
        raise OutboundError(f"Could not connect: {exc or type(exc).__name__}", retryable=True) from exc
    finally:
        _deadline.reset(token)
    status = response.status_code
    if 300 <= status < 400:
        message = f"HTTP {status}: redirects are not followed; use the final URL"
        raise OutboundError(message, retryable=False, status_code=status)
    if not 200 <= status < 300:
        raise OutboundError(f"HTTP {status}", retryable=status >= 500 or status in (408, 429), status_code=status)
    return OutboundResponse(status_code=status, body=content, truncated=truncated)

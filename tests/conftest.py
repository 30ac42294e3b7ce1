"""Shared fixtures: orgs and members of every role, signed-in clients, token clients, and fakes
for everything that leaves the machine (Celery enqueueing is recorded, not sent)."""

import contextlib
import functools
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client
from hypothesis import settings as hypothesis_settings
from hypothesis.configuration import set_hypothesis_home_dir
from rest_framework.test import APIClient

from core import events as core_events
from core.events import DomainEvent
from orgs.models import Membership, MembershipRole, Organization
from tests.factories import MembershipFactory, OrganizationFactory, api_token_for
from tests.live_layers import layer, layer_backend  # noqa: F401 - shared channel-layer fixtures

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
# A run must leave nothing in the clone: hypothesis keeps no example database, and its caches (unicode tables,
# constants) live under the system's temporary directory instead of ./.hypothesis/.
hypothesis_settings.register_profile("firebreak", database=None)
hypothesis_settings.load_profile("firebreak")
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "firebreak-hypothesis")


@dataclass
class Enqueued:
    calls: list[tuple[str, tuple, dict]] = field(default_factory=list)
    options: list[dict] = field(default_factory=list)  # apply_async options (eta, countdown, ...) of each call

    @property
    def names(self) -> list[str]:
        return [name for name, _, _ in self.calls]

    def rows(self, one: str, many: str) -> list[tuple[int, str]]:
        """The (id, token) pairs sent, whether one per message (task `one`) or in batches (task `many`)."""
        pairs = [tuple(args) for name, args, _ in self.calls if name == one]
        pairs += [tuple(pair) for name, args, _ in self.calls if name == many for pair in args[0]]
        return sorted(pairs)

    def messages(self, name: str) -> list[tuple]:
        return [args for task, args, _ in self.calls if task == name]


def _forget_pending_flags() -> None:
    """A recorded message never runs, so it never clears the "escalations_due is pending" flag it set in
    Redis: each test starts and ends without one."""
    from core.broker import broker_redis
    from oncall.actions.escalations import _due_flag

    client = broker_redis()
    if client is not None:
        with contextlib.suppress(Exception):  # no Redis here: the tests that need it say so
            client.delete(_due_flag())


@pytest.fixture(autouse=True)
def enqueued(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[Enqueued]:
    """Record Celery enqueues instead of talking to a broker (integration tests use the real one)."""
    recorder = Enqueued()
    if request.node.get_closest_marker("integration") is not None:
        yield recorder
        return

    def fake_apply_async(self: Any, args: tuple = (), kwargs: dict | None = None, **options: Any) -> None:
        recorder.calls.append((self.name, tuple(args or ()), dict(kwargs or {})))
        recorder.options.append(options)

    monkeypatch.setattr("celery.app.task.Task.apply_async", fake_apply_async)
    _forget_pending_flags()
    yield recorder
    _forget_pending_flags()


@pytest.fixture(autouse=True)
def throttles_forgotten() -> None:
    """Rate limits and sign-in locks (orgs/throttling.py) live in the cache, which outlives a test: each test
    starts with none, whatever earlier tests of the process counted."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[DomainEvent]:
    """Every domain event published during the test, in order; the app's subscribers still run."""
    seen: list[DomainEvent] = []
    publish = core_events.publish

    def record(event: DomainEvent) -> None:
        seen.append(event)
        publish(event)

    monkeypatch.setattr(core_events, "publish", record)
    return seen


@pytest.fixture
def org(db: None) -> Organization:
    return OrganizationFactory(name="Acme", slug="acme")


@pytest.fixture
def other_org(db: None) -> Organization:
    return OrganizationFactory(name="Globex", slug="globex")


@pytest.fixture
def make_member(db: None) -> Callable[..., Membership]:
    def make(organization: Organization, role: str = MembershipRole.RESPONDER, **user: Any) -> Membership:
        if user:
            return MembershipFactory(organization=organization, role=role, user__email=user["email"])
        return MembershipFactory(organization=organization, role=role)

    return make


@pytest.fixture
def owner(org: Organization, make_member: Callable[..., Membership]) -> Membership:
    return make_member(org, MembershipRole.OWNER, email="owner@acme.test")


@pytest.fixture
def member(owner: Membership) -> Membership:
    """The default signed-in person: an owner of `org`."""
    return owner


@pytest.fixture
def other_member(other_org: Organization, make_member: Callable[..., Membership]) -> Membership:
    return make_member(other_org, MembershipRole.OWNER, email="owner@globex.test")


@pytest.fixture
def client_for() -> Callable[[Membership], Client]:
    def make(membership: Membership) -> Client:
        client = Client()
        client.force_login(membership.user)
        return client

    return make


@pytest.fixture
def member_client(member: Membership, client_for: Callable[[Membership], Client]) -> Client:
    return client_for(member)


@pytest.fixture
def api_client_for(db: None) -> Callable[..., APIClient]:
    def make(organization: Organization, role: str = "admin") -> APIClient:
        _, raw = api_token_for(organization, role)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make


@pytest.fixture
def api_client(org: Organization, api_client_for: Callable[..., APIClient]) -> APIClient:
    return api_client_for(org, "admin")


@functools.cache
def redis_unavailable() -> str:
    """Why the Redis of REDIS_URL cannot be used ("" when it can); asked once per process."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return "REDIS_URL is not set"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis at {url} is not reachable: {exc}"
    return ""


def postgres_unavailable() -> str:
    """Why the test database is not PostgreSQL ("" when it is)."""
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    return "" if "postgresql" in engine else f"the database is {engine.rsplit('.', 1)[-1]}, not PostgreSQL"


def service_missing(what: str, reason: str) -> None:
    """Skip on the embedded setup (a fresh clone, SQLite, no Redis); fail in CI, where every service must run."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {what}", pytrace=False)
    pytest.skip(f"{reason} ({what})")


@pytest.fixture
def redis_url() -> str:
    """The Redis of CI; integration tests skip without it locally and fail without it in CI."""
    missing = redis_unavailable()
    if missing:
        service_missing(missing, "needs Redis")
    return os.environ["REDIS_URL"]


def pytest_configure(config: pytest.Config) -> None:
    # FIREBREAK_TEST_NOW=<ISO instant> runs the whole session at that instant (the clock still ticks): .ci/run
    # runs the date-sensitive tests late on a Sunday and early on a Monday this way, so none of them depends on
    # the day they happen to run.
    instant = os.environ.get("FIREBREAK_TEST_NOW", "")
    if instant:
        time_machine.travel(datetime.fromisoformat(instant), tick=True).start()


SERVICE_MARKERS = (("requires_postgres", postgres_unavailable), ("requires_redis", redis_unavailable))


def missing_services(item: pytest.Item) -> list[tuple[str, str]]:
    """(what is missing, the marker's reason) for each `requires_postgres(reason)` / `requires_redis(reason)`
    of the test whose service is not there."""
    missing = []
    for name, unavailable in SERVICE_MARKERS:
        marker = item.get_closest_marker(name)
        if marker is not None and unavailable():
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else name.replace("_", " "))
            missing.append((unavailable(), reason))
    return missing


def pytest_runtest_setup(item: pytest.Item) -> None:
    for what, reason in missing_services(item):
        service_missing(what, reason)  # fails under REQUIRE_SERVICES=1 (collection skipped it otherwise)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if REQUIRE_SERVICES:
        missing = postgres_unavailable()
        if missing:
            raise pytest.UsageError(f"REQUIRE_SERVICES=1 needs DATABASE_URL on PostgreSQL: {missing}")
        return
    for item in items:  # skipped here, so the report names the test, not this file
        for what, reason in missing_services(item):
            item.add_marker(pytest.mark.skip(reason=f"{reason} ({what})"))

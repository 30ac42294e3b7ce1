"""Shared fixtures: orgs and members of every role, signed-in clients, token clients, and fakes
for everything that leaves the machine (Celery enqueueing is recorded, not sent)."""

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from orgs.models import Membership, MembershipRole, Organization
from tests.factories import MembershipFactory, OrganizationFactory, api_token_for
from tests.live_layers import layer, layer_backend  # noqa: F401 - shared channel-layer fixtures

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


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
    from config.celery import broker_redis
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


@pytest.fixture
def redis_url() -> str:
    """The Redis of CI; integration tests skip without it locally and fail without it in CI."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        if REQUIRE_SERVICES:
            pytest.fail("REQUIRE_SERVICES=1 but REDIS_URL is not set")
        pytest.skip("REDIS_URL not set")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if REQUIRE_SERVICES:
            pytest.fail(f"Redis at {url} is not reachable: {exc}")
        pytest.skip(f"Redis not reachable: {exc}")
    return url


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if REQUIRE_SERVICES:
        from django.conf import settings

        engine = settings.DATABASES["default"]["ENGINE"]
        if "postgresql" not in engine:
            raise pytest.UsageError(f"REQUIRE_SERVICES=1 needs DATABASE_URL on PostgreSQL, got {engine}")

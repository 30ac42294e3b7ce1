"""Rate limits of the REST API (orgs/api/throttles.py): a budget per token, one per client address for calls
without a valid token; past it a 429 with Retry-After and the API's one error body."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis
import time_machine
from rest_framework.test import APIClient

from tests.factories import api_token_for

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 9, 0, 45, tzinfo=UTC)  # 15 seconds before the minute's window ends
TOKEN_LIMITED = "Too many requests with this API token: the limit is 3 per minute. Expected available in 15 seconds."
ADDRESS_LIMITED = (
    "Too many requests without a valid API token from your address: the limit is 2 per minute. "
    "Expected available in 15 seconds."
)


@pytest.fixture(autouse=True)
def clock() -> time_machine.Traveller:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def limits(settings: object) -> None:
    settings.API_RATE_LIMIT_TOKEN = "3/min"
    settings.API_RATE_LIMIT_ANONYMOUS = "2/min"


def client(raw: str | None = None, ip: str = "198.51.100.7") -> APIClient:
    api = APIClient(REMOTE_ADDR=ip)
    if raw is not None:
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


def error(status: int, code: str, message: str) -> dict:
    return {"error": {"status": status, "code": code, "message": message, "fields": {}}}


def test_a_token_past_its_budget_gets_429_with_retry_after(org, limits):
    _, raw = api_token_for(org, "viewer")
    api = client(raw)

    statuses = [api.get("/api/v1/teams/").status_code for _ in range(3)]
    refused = api.get("/api/v1/teams/")

    assert statuses == [200] * 3
    assert (refused.status_code, refused["Retry-After"]) == (429, "15")
    assert refused.json() == error(429, "throttled", TOKEN_LIMITED)


def test_every_call_of_a_token_counts_whatever_the_route_and_the_answer(org, limits):
    _, raw = api_token_for(org, "viewer")
    api = client(raw)

    answers = [
        api.get("/api/v1/teams/").status_code,
        api.get("/api/v1/teams/no-such-team/").status_code,
        api.post("/api/v1/teams/", {"name": "Payments"}, format="json").status_code,  # a viewer: 403
        api.get("/api/v1/incidents/").status_code,
    ]

    assert answers == [200, 404, 403, 429]


def test_two_tokens_do_not_share_a_budget(org, other_org, limits):
    first, second, elsewhere = (client(api_token_for(o, "viewer")[1]) for o in (org, org, other_org))

    for _ in range(3):
        first.get("/api/v1/teams/")

    assert first.get("/api/v1/teams/").status_code == 429
    assert [second.get("/api/v1/teams/").status_code for _ in range(3)] == [200] * 3
    assert elsewhere.get("/api/v1/teams/").status_code == 200


def test_a_token_is_counted_by_itself_not_by_its_address(org, limits):
    tokens = [api_token_for(org, "viewer")[1] for _ in range(3)]

    answers = [client(raw, ip="192.0.2.10").get("/api/v1/teams/").status_code for raw in tokens for _ in range(2)]

    assert answers == [200] * 6


def test_the_budget_comes_back_with_the_next_window(org, limits, clock):
    _, raw = api_token_for(org, "viewer")
    api = client(raw)
    for _ in range(4):
        api.get("/api/v1/teams/")

    clock.shift(timedelta(seconds=15))

    assert api.get("/api/v1/teams/").status_code == 200


def test_calls_without_a_valid_token_are_limited_by_address(org, limits):
    _, raw = api_token_for(org, "viewer")
    anonymous = client(ip="192.0.2.10")

    answers = [
        anonymous.get("/api/v1/teams/").status_code,  # no token: 401
        client("fb_not-a-real-token", ip="192.0.2.10").get("/api/v1/teams/").status_code,  # a guess: 401 too
    ]
    refused = anonymous.get("/api/v1/teams/")

    assert answers == [401, 401]
    assert (refused.status_code, refused["Retry-After"]) == (429, "15")
    assert refused.json() == error(429, "throttled", ADDRESS_LIMITED)
    # A guessed token from the same address is refused before it is even looked up; another address is not
    assert client("fb_another-guess", ip="192.0.2.10").get("/api/v1/teams/").status_code == 429
    assert client(ip="192.0.2.11").get("/api/v1/teams/").status_code == 401
    # A valid token from the limited address has its own budget
    assert client(raw, ip="192.0.2.10").get("/api/v1/teams/").status_code == 200


def test_an_ipv6_client_is_limited_by_its_slash_64(limits):
    for ip in ("2001:db8:5:6::1", "2001:db8:5:6::2"):
        client(ip=ip).get("/api/v1/teams/")

    assert client(ip="2001:db8:5:6:ffff::3").get("/api/v1/teams/").status_code == 429
    assert client(ip="2001:db8:5:7::1").get("/api/v1/teams/").status_code == 401


def test_the_default_limits_are_far_above_a_busy_client(org, settings):
    assert (settings.API_RATE_LIMIT_TOKEN, settings.API_RATE_LIMIT_ANONYMOUS) == ("1200/min", "120/min")
    api = client(api_token_for(org, "viewer")[1])

    assert {api.get("/api/v1/teams/").status_code for _ in range(100)} == {200}


def test_the_inbound_alert_endpoints_are_not_counted_by_the_api_limits(org, settings):
    from tests.factories import IntegrationFactory, ServiceFactory

    settings.API_RATE_LIMIT_ANONYMOUS = "1/min"
    service = ServiceFactory(organization=org)
    key = IntegrationFactory(service=service, kind="webhook", title_path="title", dedup_key_path="id").raw_key

    answers = [
        APIClient().post(f"/integrations/webhook/{key}", {"id": f"disk-{i}", "title": "Disk full"}, format="json")
        for i in range(3)
    ]

    assert [answer.status_code for answer in answers] == [202] * 3


@pytest.mark.parametrize("rate", ["lots", "10/fortnight", "/min", "10 per minute"])
def test_a_misspelt_rate_is_a_configuration_error(org, settings, rate):
    from django.core.exceptions import ImproperlyConfigured

    settings.API_RATE_LIMIT_TOKEN = rate
    api = client(api_token_for(org, "viewer")[1])
    api.raise_request_exception = True

    with pytest.raises(ImproperlyConfigured, match="Invalid rate"):
        api.get("/api/v1/teams/")


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [("1200/min", (1200, 60)), ("120/m", (120, 60)), ("5/s", (5, 1)), ("100/5m", (100, 300)), ("10/hour", (10, 3600))],
)
def test_rates_read_as_a_count_per_period(rate, parsed):
    from orgs import throttling

    assert throttling.rate_parse(rate) == parsed


@pytest.mark.requires_redis
def test_the_budget_is_shared_through_redis(org, redis_url, settings, limits):
    prefix = f"test-api-throttle-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
        }
    }
    _, raw = api_token_for(org, "viewer")
    try:
        # Each call through a new client: what one process counted, the next one sees
        answers = [client(raw).get("/api/v1/teams/").status_code for _ in range(4)]

        assert answers == [200, 200, 200, 429]
    finally:
        connection = redis.Redis.from_url(redis_url)
        for key in connection.scan_iter(f"{prefix}:*"):
            connection.delete(key)

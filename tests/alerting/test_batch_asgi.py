"""The lean ASGI path (what uvicorn and daphne serve) with its group-commit batcher: the same answers as
the Django views, 202 only after the commit, concurrent requests sharing transactions, failures answered
503 and isolated per request, the cached key lookup's documented staleness, and everything else passed to
Django unchanged."""

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.core.cache import cache
from django.db import DatabaseError

from alerting import actions, batcher, ratelimit, selectors
from alerting.models import Alert, AlertGroup
from config.asgi import application
from orgs.models import AuditEvent
from orgs.tenancy import Actor
from services.models import Service
from tests.factories import IntegrationFactory, ServiceFactory

# The writer thread has its own database connection: rows must be committed for it to see them.
pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).parent / "fixtures"
SYSTEM = Actor.system()
PD_URL = "/integrations/pagerduty/v2/enqueue"


@pytest.fixture(autouse=True)
def fresh_process_state() -> None:
    """Rate limit counters and cached key lookups live in the process; every test starts with none."""
    cache.clear()
    ratelimit.ratelimit_reset_local()
    selectors.integration_key_cache_clear()


@pytest.fixture
def service(org) -> Service:
    """The service the integrations route to."""
    return ServiceFactory(organization=org, name="Checkout API")


def fixture(name: str, **overrides: Any) -> dict[str, Any]:
    return {**json.loads((FIXTURES / name).read_text()), **overrides}


def serve(*requests: dict[str, Any], host: str = "127.0.0.1") -> list[httpx.Response]:
    """Send the requests at once to the served ASGI application; the process's batcher stops afterwards."""

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as client:
            try:
                return await asyncio.gather(*(client.request(**request) for request in requests))
            finally:
                await batcher.batcher_close()

    return asyncio.run(run())


def pd(key: str, dedup_key: str = "checkout-down", action: str = "trigger", **payload: Any) -> dict[str, Any]:
    """A PagerDuty Events v2 request."""
    body = {
        "routing_key": key,
        "event_action": action,
        "dedup_key": dedup_key,
        "payload": {"summary": f"{dedup_key} failing", "source": "probe", "severity": "critical", **payload},
    }
    return {"method": "POST", "url": PD_URL, "json": body}


def test_pagerduty_trigger_is_stored_before_its_202(service):
    integration = IntegrationFactory(service=service, kind="pagerduty_v2")
    key = integration.raw_key

    (response,) = serve(pd(key))

    assert response.status_code == 202
    assert response.json() == {"status": "success", "message": "Event processed", "dedup_key": "checkout-down"}
    assert response.headers["content-type"] == "application/json"
    assert (response.headers["x-content-type-options"], response.headers["x-frame-options"]) == ("nosniff", "DENY")
    group = AlertGroup.objects.get()
    assert (group.integration_id, group.dedup_key, group.alert_count, group.severity) == (
        integration.pk,
        "checkout-down",
        1,
        "critical",
    )
    assert group.paging_status == "no_policy"
    assert Alert.objects.get().payload["payload"]["source"] == "probe"


def test_fifty_concurrent_requests_share_transactions_and_one_group(service, monkeypatch):
    key = IntegrationFactory(service=service, kind="pagerduty_v2").raw_key
    batches: list[int] = []
    store = actions.alert_ingest_batch

    def counting(*, items):
        """Record each batch's size, then store it."""
        batches.append(len(items))
        return store(items=items)

    monkeypatch.setattr(actions, "alert_ingest_batch", counting)

    responses = serve(*(pd(key) for _ in range(50)))

    assert [r.status_code for r in responses] == [202] * 50
    assert sum(batches) == 50
    assert len(batches) < 50  # group commit: requests waiting together were written together
    group = AlertGroup.objects.get()
    assert (group.alert_count, group.status) == (50, "triggered")
    assert Alert.objects.count() == 50


def test_alertmanager_request_is_stored_in_one_batch(service):
    integration = IntegrationFactory(service=service, kind="alertmanager")
    key = integration.raw_key

    (response,) = serve(
        {"method": "POST", "url": f"/integrations/alertmanager/{key}", "json": fixture("alertmanager_firing.json")}
    )

    assert response.status_code == 202
    assert response.json() == {"status": "success", "accepted": 2}
    assert AlertGroup.objects.filter(integration=integration).count() == 2


def test_refusals_have_the_django_views_bodies_and_store_nothing(service):
    key = IntegrationFactory(service=service, kind="pagerduty_v2").raw_key
    am_key = IntegrationFactory(service=service, kind="alertmanager").raw_key
    big = json.dumps({**pd(key)["json"], "padding": "x" * 600_000})

    invalid, unknown, text, declared_big, undeclared_big, wrong_kind, bad_json = serve(
        pd(key, action="explode"),
        pd("0" * 32),
        {"method": "POST", "url": PD_URL, "content": b"{}", "headers": {"content-type": "text/plain"}},
        {"method": "POST", "url": PD_URL, "content": big, "headers": {"content-type": "application/json"}},
        {
            "method": "POST",
            "url": PD_URL,
            "content": big,
            "headers": {"content-type": "application/json", "content-length": "100"},
        },
        {"method": "POST", "url": f"/integrations/grafana/{am_key}/", "json": fixture("grafana_firing.json")},
        {
            "method": "POST",
            "url": f"/integrations/alertmanager/{am_key}/",
            "content": b"{oops",
            "headers": {"content-type": "application/json"},
        },
    )

    assert (invalid.status_code, invalid.json()["status"], invalid.json()["message"]) == (
        400,
        "invalid event",
        "Event object is invalid",
    )
    assert (unknown.status_code, unknown.json()) == (
        404,
        {
            "status": "unrecognized routing key",
            "message": "Integration key not found",
            "errors": ["Integration key not found"],
        },
    )
    assert (text.status_code, text.json()["errors"]) == (415, ["Content-Type must be application/json"])
    assert (declared_big.status_code, declared_big.json()["errors"]) == (
        413,
        ["Request body is larger than 524288 bytes"],
    )
    assert undeclared_big.status_code == 413
    assert (wrong_kind.status_code, wrong_kind.json()["status"]) == (404, "error")
    assert (bad_json.status_code, bad_json.json()["message"]) == (400, "Payload is invalid")
    assert (AlertGroup.objects.count(), Alert.objects.count()) == (0, 0)


def test_rate_limit_is_a_429_with_retry_after(service):
    key = IntegrationFactory(service=service, kind="pagerduty_v2", rate_limit_per_minute=2).raw_key

    first, second = serve(pd(key, "a"), pd(key, "b"))
    (third,) = serve(pd(key, "c"))

    assert (first.status_code, second.status_code, third.status_code) == (202, 202, 429)
    assert 1 <= int(third.headers["retry-after"]) <= 60
    assert third.json() == {
        "status": "throttle event",
        "message": "Rate limit exceeded for this integration; retry later",
    }
    assert sorted(AlertGroup.objects.values_list("dedup_key", flat=True)) == ["a", "b"]


def test_a_database_error_is_a_503_in_the_format_shape_with_nothing_stored(service, monkeypatch):
    key = IntegrationFactory(service=service, kind="pagerduty_v2").raw_key
    am_key = IntegrationFactory(service=service, kind="alertmanager").raw_key

    def broken(*, items):
        """The database refuses the batch."""
        raise DatabaseError("connection lost")

    monkeypatch.setattr(actions, "alert_ingest_batch", broken)

    pagerduty, alertmanager = serve(
        pd(key),
        {"method": "POST", "url": f"/integrations/alertmanager/{am_key}", "json": fixture("alertmanager_firing.json")},
    )

    assert (pagerduty.status_code, pagerduty.headers["retry-after"]) == (503, "5")
    assert pagerduty.json() == {"status": "error", "message": "Event could not be stored; retry"}
    assert (alertmanager.status_code, alertmanager.json()) == (
        503,
        {"status": "error", "message": "2 of 2 events could not be stored; retry"},
    )
    assert (AlertGroup.objects.count(), Alert.objects.count()) == (0, 0)


def test_one_request_that_fails_in_a_batch_does_not_fail_the_others(service, monkeypatch):
    key = IntegrationFactory(service=service, kind="pagerduty_v2").raw_key
    store = actions.alert_ingest_batch

    def poisoned(*, items):
        """A batch holding the poison key fails in the database; others are stored."""
        if any(event.dedup_key == "poison" for _, event in items):
            raise DatabaseError("value out of range")
        return store(items=items)

    monkeypatch.setattr(actions, "alert_ingest_batch", poisoned)

    responses = serve(pd(key, "good-1"), pd(key, "poison"), pd(key, "good-2"))

    assert [r.status_code for r in responses] == [202, 503, 202]
    assert sorted(AlertGroup.objects.values_list("dedup_key", flat=True)) == ["good-1", "good-2"]


def test_an_overloaded_writer_refuses_new_requests_with_a_503(service, monkeypatch):
    key = IntegrationFactory(service=service, kind="pagerduty_v2").raw_key
    monkeypatch.setattr(batcher, "MAX_WAITING_EVENTS", 0)

    (response,) = serve(pd(key))

    assert (response.status_code, response.json()["message"]) == (503, "Event could not be stored; retry")
    assert AlertGroup.objects.count() == 0


def test_key_lookups_are_cached_for_a_few_seconds(service):
    integration = IntegrationFactory(service=service, kind="pagerduty_v2")
    key = integration.raw_key
    serve(pd(key, "before"))
    actions.integration_update(integration=integration, actor=SYSTEM, enabled=False)

    (within_ttl,) = serve(pd(key, "within-ttl"))
    selectors.integration_key_cache_clear()  # what INTEGRATION_KEY_CACHE_SECONDS passing does
    (after_ttl,) = serve(pd(key, "after-ttl"))

    assert (within_ttl.status_code, after_ttl.status_code) == (202, 404)
    assert sorted(AlertGroup.objects.values_list("dedup_key", flat=True)) == ["before", "within-ttl"]
    assert selectors.INTEGRATION_KEY_CACHE_SECONDS == 5.0


def test_key_cache_entries_expire(service):
    integration = IntegrationFactory(service=service, kind="pagerduty_v2")
    key = integration.raw_key
    assert selectors.integration_for_key_cached(key=key) == (False, None)

    remembered = selectors.integration_for_key_remember(key=key)

    assert remembered == integration
    assert selectors.integration_for_key_cached(key=key) == (True, integration)
    far = 10**9  # a monotonic time long after the entry's expiry
    assert selectors.integration_for_key_cached(key=key, now=far) == (False, None)


def test_other_requests_go_to_django(service):
    key = IntegrationFactory(service=service, kind="pagerduty_v2").raw_key
    change = fixture("pagerduty_change.json", routing_key=key)

    get, change_event, healthz, lean_healthz, other_slash = serve(
        {"method": "GET", "url": PD_URL},
        {"method": "POST", "url": "/integrations/pagerduty/v2/change/enqueue", "json": change},
        {"method": "GET", "url": "/healthz"},
        {"method": "GET", "url": "/integrations/healthz"},
        {"method": "POST", "url": PD_URL + "/", "json": pd(key)["json"]},
    )

    assert get.status_code == 405  # Django's require_POST
    assert change_event.status_code == 202
    assert AuditEvent.objects.filter(action="service.change_event").count() == 1
    assert (healthz.status_code, healthz.json()) == (200, {"status": "ok"})
    assert (lean_healthz.status_code, lean_healthz.json()) == (200, {"status": "ok"})
    assert other_slash.status_code == 404
    assert AlertGroup.objects.count() == 0


def test_a_host_outside_allowed_hosts_is_left_to_django(service, settings):
    key = IntegrationFactory(service=service, kind="pagerduty_v2").raw_key
    settings.ALLOWED_HOSTS = ["firebreak.example"]

    refused, lean_healthz = serve(pd(key), {"method": "GET", "url": "/integrations/healthz"}, host="evil.example")
    (allowed,) = serve(pd(key), host="firebreak.example")

    assert (refused.status_code, lean_healthz.status_code, allowed.status_code) == (400, 400, 202)
    assert AlertGroup.objects.get().alert_count == 1


# --- the sync Django view path (test client, WSGI): one transaction per request too ----------------------


def test_django_view_answers_a_database_error_with_a_503_and_stores_nothing(service, client, monkeypatch):
    key = IntegrationFactory(service=service, kind="alertmanager").raw_key

    def broken(*, items):
        """The database refuses the batch."""
        raise DatabaseError("connection lost")

    monkeypatch.setattr(actions, "alert_ingest_batch", broken)

    response = client.post(
        f"/integrations/alertmanager/{key}/", data=fixture("alertmanager_firing.json"), content_type="application/json"
    )

    assert (response.status_code, response["Retry-After"]) == (503, "5")
    assert response.json() == {"status": "error", "message": "2 of 2 events could not be stored; retry"}
    assert Alert.objects.count() == 0


def test_django_view_stores_a_requests_events_in_one_batch(service, client, monkeypatch):
    key = IntegrationFactory(service=service, kind="alertmanager").raw_key
    batches: list[int] = []
    store = actions.alert_ingest_batch
    monkeypatch.setattr(
        actions, "alert_ingest_batch", lambda *, items: batches.append(len(items)) or store(items=items)
    )

    response = client.post(
        f"/integrations/alertmanager/{key}/", data=fixture("alertmanager_firing.json"), content_type="application/json"
    )

    assert response.status_code == 202
    assert batches == [2]
    assert Alert.objects.count() == 2

"""Hostile input on the inbound alert endpoints, on both paths that serve them: the lean ASGI handler
(production) and the Django views (WSGI, the test client). A NUL in the integration key, in the URL or in
the body, is an unknown key (404 in the format's shape), never a 5xx that makes the sender retry forever."""

import asyncio
import json
from typing import Any

import httpx
import pytest
from django.core.cache import cache

from alerting import actions, batcher, ratelimit, selectors
from alerting.models import Alert
from config.asgi import application
from orgs.tenancy import Actor
from services import actions as service_actions

pytestmark = pytest.mark.django_db(transaction=True)

SYSTEM = Actor.system()


@pytest.fixture(autouse=True)
def fresh_process_state() -> None:
    cache.clear()
    ratelimit.ratelimit_reset_local()
    selectors.integration_key_cache_clear()


@pytest.fixture
def alertmanager_key(org: Any) -> str:
    service = service_actions.service_create(organization=org, actor=SYSTEM, name="Checkout API")
    _, key = actions.integration_create(
        organization=org, service=service, name="Prometheus", kind="alertmanager", actor=SYSTEM
    )
    return key


def serve(*requests: dict[str, Any]) -> list[httpx.Response]:
    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            try:
                return [await client.request(**request) for request in requests]
            finally:
                await batcher.batcher_close()

    return asyncio.run(run())


ALERTMANAGER_BODY = {"version": "4", "status": "firing", "alerts": [{"status": "firing", "labels": {"alertname": "x"}}]}


def test_a_nul_in_the_key_of_the_url_is_an_unknown_key_on_the_lean_path(alertmanager_key):
    hostile = alertmanager_key[:10] + "%00" + alertmanager_key[10:]

    [response] = serve({"method": "POST", "url": f"/integrations/alertmanager/{hostile}/", "json": ALERTMANAGER_BODY})

    assert response.status_code == 404
    assert Alert.objects.exists() is False


def test_a_nul_in_a_pagerduty_routing_key_is_an_unknown_key_on_the_lean_path(alertmanager_key):
    body = {"routing_key": "abcdefgh\u0000", "event_action": "trigger", "payload": {"summary": "s", "source": "s"}}

    [response] = serve({"method": "POST", "url": "/integrations/pagerduty/v2/enqueue", "json": body})

    assert response.status_code < 500
    assert response.status_code in (400, 404)
    assert Alert.objects.exists() is False


def test_a_nul_in_the_url_of_the_django_view_is_the_api_400(client, alertmanager_key):
    response = client.post(
        f"/integrations/alertmanager/{alertmanager_key[:10]}%00/",
        json.dumps(ALERTMANAGER_BODY),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"path": ["Null characters are not allowed."]}
    assert Alert.objects.exists() is False

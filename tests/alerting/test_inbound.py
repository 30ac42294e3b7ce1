"""Inbound endpoints over HTTP: documented payloads replayed, bad input refused with nothing stored,
rate limits, tenancy, and fuzzing that no body can produce a server error."""

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.test import AsyncRequestFactory, Client
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from alerting import actions, ratelimit
from alerting.inbound import InboundError, parse_json, views, webhook
from alerting.models import Alert, AlertGroup, Integration
from orgs.models import AuditEvent
from orgs.tenancy import Actor
from services import actions as service_actions
from tests.factories import IntegrationFactory, ServiceFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
SYSTEM = Actor.system()
PD_URL = "/integrations/pagerduty/v2/enqueue"
PD_CHANGE_URL = "/integrations/pagerduty/v2/change/enqueue"
ONE_MB = 1024 * 1024


def fixture(name: str, **overrides: Any) -> dict[str, Any]:
    """A documented example payload from tests/alerting/fixtures, with top-level fields replaced."""
    return {**json.loads((FIXTURES / name).read_text()), **overrides}


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> None:
    """Rate limit counters live in the cache and in the process; every test starts with none."""
    cache.clear()
    ratelimit.ratelimit_reset_local()


@pytest.fixture
def client() -> Client:
    """No session, and CSRF enforced as in production: the endpoints must not need either."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def service(org):
    """The service the integrations route to."""
    return ServiceFactory(organization=org, name="Checkout API")


@pytest.fixture
def pagerduty(service) -> tuple[Integration, str]:
    """A PagerDuty Events API v2 integration and its key."""
    integration = IntegrationFactory(service=service, kind="pagerduty_v2")
    return integration, integration.raw_key


def post(client: Client, url: str, body: Any, content_type: str = "application/json", **extra: Any):
    """POST a body (dict/list as JSON, bytes/str as they are) with a content type."""
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    if not data:  # the test client drops the Content-Type of an empty body; a real sender keeps it
        extra["CONTENT_TYPE"] = content_type
    return client.post(url, data=data, content_type=content_type, **extra)


def post_pd(client: Client, key: str, name: str, **overrides: Any):
    """POST a PagerDuty fixture with the given routing key and overrides."""
    return post(client, PD_URL, fixture(name, routing_key=key, **overrides))


def url_for(kind: str, key: str) -> str:
    """The inbound URL of a kind (PagerDuty carries its key in the body)."""
    return PD_URL if kind == "pagerduty_v2" else f"/integrations/{kind}/{key}/"


def body_for(kind: str, key: str) -> dict[str, Any]:
    """A valid body for each kind, so that refusals are about the request and not the payload."""
    if kind == "pagerduty_v2":
        return fixture("pagerduty_trigger.json", routing_key=key)
    if kind == "grafana":
        return fixture("grafana_firing.json")
    if kind == "alertmanager":
        return fixture("alertmanager_firing.json")
    return {"title": "Disk full", "id": "disk-1"}


def nothing_stored() -> bool:
    """No alert and no group exist."""
    return Alert.objects.count() == 0 and AlertGroup.objects.count() == 0


KINDS = ["pagerduty_v2", "alertmanager", "grafana", "webhook"]


# --- PagerDuty Events API v2: the documented examples -------------------------------------------------------


def test_pagerduty_trigger_example_opens_a_group(client, pagerduty, service):
    integration, key = pagerduty

    response = post_pd(client, key, "pagerduty_trigger.json")

    assert response.status_code == 202
    assert response.json() == {"status": "success", "message": "Event processed", "dedup_key": "samplekeyhere"}
    group = AlertGroup.objects.get()
    assert (group.organization_id, group.service_id, group.integration_id) == (
        integration.organization_id,
        service.pk,
        integration.pk,
    )
    assert group.status == "triggered"
    assert group.title == "Example alert on host1.example.com"
    assert group.severity == "info"
    assert group.dedup_key == "samplekeyhere"
    assert group.source == "monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003"
    assert group.labels == {
        "ping time": "1500ms",
        "load avg": "0.75",
        "component": "postgres",
        "group": "prod-datapipe",
        "class": "deploy",
    }
    assert group.link == "https://example.com/"
    assert group.alert_count == 1
    assert group.paging_status == "no_policy"
    alert = Alert.objects.get()
    assert (alert.action, alert.dedup_key, alert.summary, alert.severity) == (
        "trigger",
        "samplekeyhere",
        "Example alert on host1.example.com",
        "info",
    )
    assert alert.source_timestamp == datetime(2015, 7, 17, 8, 42, 58, 315000, tzinfo=UTC)
    expected_payload = fixture("pagerduty_trigger.json")
    del expected_payload["routing_key"]
    assert alert.payload == expected_payload


def test_pagerduty_acknowledge_and_resolve_examples_move_the_group(client, pagerduty):
    _, key = pagerduty
    post_pd(client, key, "pagerduty_trigger.json")

    acknowledged = post_pd(client, key, "pagerduty_acknowledge.json")
    group = AlertGroup.objects.get()
    assert acknowledged.status_code == 202
    assert acknowledged.json() == {"status": "success", "message": "Event processed", "dedup_key": "samplekeyhere"}
    assert group.status == "acknowledged"
    assert group.acknowledged_at is not None

    resolved = post_pd(client, key, "pagerduty_resolve.json")
    group.refresh_from_db()
    assert resolved.status_code == 202
    assert resolved.json() == {"status": "success", "message": "Event processed", "dedup_key": "samplekeyhere"}
    assert group.status == "resolved"
    assert group.resolved_at is not None
    assert group.severity == "info"  # acknowledge/resolve carry no severity and must not raise it
    assert group.alert_count == 3
    assert list(group.alerts.order_by("id").values_list("action", flat=True)) == ["trigger", "acknowledge", "resolve"]


def test_pagerduty_trigger_without_dedup_key_gets_one_that_round_trips(client, pagerduty):
    _, key = pagerduty
    body = fixture("pagerduty_trigger.json", routing_key=key)
    del body["dedup_key"]

    response = post(client, PD_URL, body)

    generated = response.json()["dedup_key"]
    assert response.status_code == 202
    assert len(generated) == 32
    assert int(generated, 16) >= 0
    assert AlertGroup.objects.get().dedup_key == generated

    resolved = post_pd(client, key, "pagerduty_resolve.json", dedup_key=generated)

    assert resolved.json()["dedup_key"] == generated
    assert AlertGroup.objects.get().status == "resolved"


def test_pagerduty_triggers_generate_a_new_key_each(client, pagerduty):
    _, key = pagerduty
    body = fixture("pagerduty_trigger.json", routing_key=key)
    del body["dedup_key"]

    first = post(client, PD_URL, body).json()["dedup_key"]
    second = post(client, PD_URL, body).json()["dedup_key"]

    assert first != second
    assert AlertGroup.objects.count() == 2


def test_pagerduty_resolve_then_trigger_opens_a_new_group(client, pagerduty):
    _, key = pagerduty
    post_pd(client, key, "pagerduty_trigger.json")
    post_pd(client, key, "pagerduty_resolve.json")

    response = post_pd(client, key, "pagerduty_trigger.json")

    assert response.status_code == 202
    assert list(AlertGroup.objects.order_by("id").values_list("dedup_key", "status", "alert_count")) == [
        ("samplekeyhere", "resolved", 2),
        ("samplekeyhere", "triggered", 1),
    ]


def test_pagerduty_stray_acknowledge_and_resolve_are_accepted_dropped_and_counted(client, pagerduty):
    integration, key = pagerduty

    acknowledged = post_pd(client, key, "pagerduty_acknowledge.json", dedup_key="never-triggered")
    resolved = post_pd(client, key, "pagerduty_resolve.json", dedup_key="never-triggered")

    assert (acknowledged.status_code, resolved.status_code) == (202, 202)
    assert resolved.json() == {"status": "success", "message": "Event processed", "dedup_key": "never-triggered"}
    assert nothing_stored()
    integration.refresh_from_db()
    assert integration.dropped_events == 2


def test_pagerduty_triggers_with_one_key_keep_the_highest_severity(client, pagerduty):
    _, key = pagerduty
    for severity in ("warning", "critical", "info"):
        body = fixture("pagerduty_trigger.json", routing_key=key)
        body["payload"]["severity"] = severity
        assert post(client, PD_URL, body).status_code == 202

    group = AlertGroup.objects.get()
    assert (group.severity, group.alert_count) == ("critical", 3)
    assert list(group.alerts.order_by("id").values_list("severity", flat=True)) == ["warning", "critical", "info"]


def test_pagerduty_custom_details_nested_and_plain_become_labels(client, pagerduty):
    _, key = pagerduty
    body = fixture("pagerduty_trigger.json", routing_key=key, dedup_key="nested")
    body["payload"]["custom_details"] = {"disk": {"mount": "/var", "free": [1, 2]}, "ok": False, "none": None}
    body["payload"].pop("class")
    post(client, PD_URL, body)
    plain = fixture("pagerduty_trigger.json", routing_key=key, dedup_key="plain")
    plain["payload"]["custom_details"] = "free text"

    post(client, PD_URL, plain)

    assert AlertGroup.objects.get(dedup_key="nested").labels == {
        "disk.mount": "/var",
        "disk.free.0": "1",
        "disk.free.1": "2",
        "ok": "false",
        "none": "",
        "component": "postgres",
        "group": "prod-datapipe",
    }
    assert AlertGroup.objects.get(dedup_key="plain").labels == {
        "custom_details": "free text",
        "component": "postgres",
        "group": "prod-datapipe",
        "class": "deploy",
    }


def test_pagerduty_links_that_are_not_http_are_not_kept(client, pagerduty):
    _, key = pagerduty

    post_pd(client, key, "pagerduty_trigger.json", links=[{"href": "javascript:alert(1)", "text": "x"}])

    assert AlertGroup.objects.get().link == ""


def test_pagerduty_change_event_example_goes_on_the_service_audit_trail(client, pagerduty, service):
    _, key = pagerduty

    response = post(client, PD_CHANGE_URL, fixture("pagerduty_change.json", routing_key=key))

    assert response.status_code == 202
    assert response.json() == {"status": "success", "message": "Change event processed"}
    event = AuditEvent.objects.get(action="service.change_event")
    assert (event.organization_id, event.target_type, event.target_id) == (
        service.organization_id,
        "service",
        "checkout-api",
    )
    assert event.changes == {
        "summary": "Build Success: Increase snapshot create timeout to 30 seconds",
        "source": "acme-build-pipeline-tool-default-i-9999",
        "timestamp": "2020-07-17T08:42:58.315000+00:00",
        "integration": "pagerduty_v2",
        "link": "https://acme.pagerduty.dev/build/2",
    }
    assert nothing_stored()


def test_pagerduty_change_event_without_summary_is_invalid(client, pagerduty):
    _, key = pagerduty
    body = fixture("pagerduty_change.json", routing_key=key)
    del body["payload"]["summary"]

    response = post(client, PD_CHANGE_URL, body)

    assert response.status_code == 400
    assert response.json() == {
        "status": "invalid event",
        "message": "Event object is invalid",
        "errors": ["'payload.summary' is missing or blank"],
    }
    assert AuditEvent.objects.filter(action="service.change_event").exists() is False


# --- PagerDuty validation: PagerDuty's 400 body, nothing stored ---------------------------------------------


def _without(body: dict, *path: str) -> dict:
    """The body with the field at `path` removed."""
    target = body
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    return body


def _with(body: dict, value: Any, *path: str) -> dict:
    """The body with the field at `path` set to `value`."""
    target = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return body


INVALID_PD_EVENTS = [
    (lambda b: _without(b, "routing_key"), ["'routing_key' is missing or blank"]),
    (lambda b: _with(b, "", "routing_key"), ["'routing_key' is missing or blank"]),
    (lambda b: _with(b, 12345, "routing_key"), ["'routing_key' must be a string"]),
    (lambda b: _with(b, "tooshort", "routing_key"), ["Length of 'routing_key' is incorrect (should be 32 characters)"]),
    (lambda b: _without(b, "event_action"), ["'event_action' is missing or blank"]),
    (
        lambda b: _with(b, "escalate", "event_action"),
        ["'event_action' is invalid (must be one of trigger, acknowledge, resolve)"],
    ),
    (
        lambda b: _with(b, ["trigger"], "event_action"),
        ["'event_action' is invalid (must be one of trigger, acknowledge, resolve)"],
    ),
    (lambda b: _without(b, "payload"), ["'payload' is missing or not an object"]),
    (lambda b: _with(b, "text", "payload"), ["'payload' is missing or not an object"]),
    (lambda b: _without(b, "payload", "summary"), ["'payload.summary' is missing or blank"]),
    (lambda b: _with(b, 42, "payload", "summary"), ["'payload.summary' must be a string"]),
    (
        lambda b: _with(b, "x" * 1025, "payload", "summary"),
        ["'payload.summary' is too long (maximum is 1024 characters)"],
    ),
    (lambda b: _with(b, "  ", "payload", "source"), ["'payload.source' is missing or blank"]),
    (lambda b: _with(b, {"host": 1}, "payload", "source"), ["'payload.source' must be a string"]),
    (lambda b: _without(b, "payload", "severity"), ["'payload.severity' is missing or blank"]),
    (
        lambda b: _with(b, "fatal", "payload", "severity"),
        ["'payload.severity' is invalid (must be one of critical, error, warning, info)"],
    ),
    (
        lambda b: _with(b, 1, "payload", "severity"),
        ["'payload.severity' is invalid (must be one of critical, error, warning, info)"],
    ),
    (
        lambda b: _with(b, "yesterday", "payload", "timestamp"),
        ["'payload.timestamp' is invalid (use ISO 8601, e.g. 2015-07-17T08:42:58.315+0000)"],
    ),
    (lambda b: _with(b, ["db"], "payload", "component"), ["'payload.component' must be a string"]),
    (lambda b: _with(b, 7, "dedup_key"), ["'dedup_key' must be a string"]),
    (lambda b: _with(b, "k" * 256, "dedup_key"), ["'dedup_key' is too long (maximum is 255 characters)"]),
    (lambda b: _with(b, "https://example.com", "links"), ["'links' must be an array of objects with a string 'href'"]),
    (lambda b: _with(b, [{"text": "no href"}], "links"), ["'links' must be an array of objects with a string 'href'"]),
    (lambda b: _with(b, [{"alt": "no src"}], "images"), ["'images' must be an array of objects with a string 'src'"]),
    (lambda b: _with(b, {"name": "tool"}, "client"), ["'client' must be a string"]),
    (
        lambda b: _with(_without(b, "payload", "summary"), "", "payload", "source"),
        ["'payload.summary' is missing or blank", "'payload.source' is missing or blank"],
    ),
]


@pytest.mark.parametrize(("change", "errors"), INVALID_PD_EVENTS)
def test_pagerduty_invalid_event_is_refused_with_its_errors(client, pagerduty, change, errors):
    _, key = pagerduty

    response = post(client, PD_URL, change(fixture("pagerduty_trigger.json", routing_key=key)))

    assert response.status_code == 400
    assert response.json() == {"status": "invalid event", "message": "Event object is invalid", "errors": errors}
    assert nothing_stored()


@pytest.mark.parametrize("name", ["pagerduty_acknowledge.json", "pagerduty_resolve.json"])
def test_pagerduty_acknowledge_or_resolve_without_dedup_key_is_invalid(client, pagerduty, name):
    _, key = pagerduty
    post_pd(client, key, "pagerduty_trigger.json")
    body = fixture(name, routing_key=key)
    del body["dedup_key"]

    response = post(client, PD_URL, body)

    assert response.status_code == 400
    assert response.json()["errors"] == ["'dedup_key' is missing or blank"]
    assert AlertGroup.objects.get().status == "triggered"
    assert Alert.objects.count() == 1


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (
            b"{not json",
            "Body is not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        ),
        (b"", "Body is empty; send a JSON object."),
        (b"   ", "Body is empty; send a JSON object."),
        (b'{"routing_key": "\xff\xfe"}', "Body is not valid UTF-8 (byte 17)."),
        (b'{"n": NaN}', "Body is not valid JSON: NaN is not a JSON number"),
        (b'{"n": 1e999}', "Body is not valid JSON: number 1e999 is out of range"),
        (b"[" * 5000 + b"]" * 5000, "Body is nested too deeply (at most 64 levels)."),
        (b'{"a":' * 70 + b"1" + b"}" * 70, "Body is nested too deeply (at most 64 levels)."),
        (b"[1, 2]", "Event object must be a JSON object"),
        (b'"trigger"', "Event object must be a JSON object"),
        (b"null", "Event object must be a JSON object"),
    ],
)
def test_pagerduty_body_that_is_not_a_json_event_is_refused(client, pagerduty, raw, error):
    response = post(client, PD_URL, raw)

    assert response.status_code == 400
    assert response.json() == {"status": "invalid event", "message": "Event object is invalid", "errors": [error]}
    assert nothing_stored()


def test_pagerduty_body_with_nul_and_lone_surrogates_is_stored_cleaned(client, pagerduty):
    _, key = pagerduty
    raw = json.dumps(fixture("pagerduty_trigger.json", routing_key=key)).replace(
        "Example alert", "Exa\\u0000mple \\ud800alert"
    )

    response = post(client, PD_URL, raw)

    assert response.status_code == 202
    assert AlertGroup.objects.get().title == "Example ?alert on host1.example.com"


def test_unknown_routing_key_is_a_404_with_a_pagerduty_body(client, pagerduty):
    response = post(client, PD_URL, fixture("pagerduty_trigger.json", routing_key="0" * 32))

    assert response.status_code == 404
    assert response.json() == {
        "status": "unrecognized routing key",
        "message": "Integration key not found",
        "errors": ["Integration key not found"],
    }
    assert nothing_stored()


def test_disabled_integration_is_a_404(client, pagerduty):
    integration, key = pagerduty
    actions.integration_update(integration=integration, actor=SYSTEM, enabled=False)

    response = post_pd(client, key, "pagerduty_trigger.json")
    change = post(client, PD_CHANGE_URL, fixture("pagerduty_change.json", routing_key=key))

    assert (response.status_code, change.status_code) == (404, 404)
    assert nothing_stored()
    assert AuditEvent.objects.filter(action="service.change_event").exists() is False


def test_regenerated_key_retires_the_old_one_at_once(client, pagerduty):
    integration, old = pagerduty
    _, new = actions.integration_key_regenerate(integration=integration, actor=SYSTEM)

    assert post_pd(client, old, "pagerduty_trigger.json").status_code == 404
    assert post_pd(client, new, "pagerduty_trigger.json").status_code == 202


# --- every endpoint: method, type, size, key, kind ----------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_non_json_content_type_is_a_415_with_nothing_stored(client, service, kind):
    key = IntegrationFactory(service=service, kind=kind).raw_key
    body = json.dumps(body_for(kind, key))

    as_form = client.post(url_for(kind, key), data={"payload": body})
    as_text = post(client, url_for(kind, key), body, content_type="text/plain")

    assert (as_form.status_code, as_text.status_code) == (415, 415)
    assert as_text.json()["errors"] == ["Content-Type must be application/json"]
    assert nothing_stored()


@pytest.mark.parametrize("kind", KINDS)
def test_one_megabyte_body_is_a_413_with_nothing_stored(client, service, kind):
    key = IntegrationFactory(service=service, kind=kind).raw_key
    body = {**body_for(kind, key), "padding": "x" * ONE_MB}

    response = post(client, url_for(kind, key), body)

    assert response.status_code == 413
    assert response.json()["errors"] == ["Request body is larger than 524288 bytes"]
    assert nothing_stored()


def test_body_larger_than_its_declared_length_is_a_413(pagerduty):
    _, key = pagerduty
    body = json.dumps({**fixture("pagerduty_trigger.json", routing_key=key), "padding": "x" * ONE_MB})
    request = AsyncRequestFactory().post(PD_URL, data=body, content_type="application/json")
    request.META["CONTENT_LENGTH"] = "100"  # ASGI servers stream the body whatever the header claims

    response = views.pagerduty_enqueue(request)

    assert response.status_code == 413
    assert nothing_stored()


def test_body_just_under_the_limit_is_accepted(client, pagerduty):
    _, key = pagerduty
    body = fixture("pagerduty_trigger.json", routing_key=key)
    body["payload"]["custom_details"] = {"blob": ""}
    size = len(json.dumps(body))
    body["payload"]["custom_details"]["blob"] = "x" * (512 * 1024 - size)

    response = post(client, PD_URL, body)

    assert len(json.dumps(body)) == 512 * 1024
    assert response.status_code == 202


@pytest.mark.parametrize("kind", KINDS)
def test_get_is_not_allowed(client, service, kind):
    key = IntegrationFactory(service=service, kind=kind).raw_key

    response = client.get(url_for(kind, key))

    assert response.status_code == 405


@pytest.mark.parametrize("kind", ["alertmanager", "grafana", "webhook"])
def test_unknown_or_disabled_key_in_the_url_is_a_404(client, service, kind):
    integration = IntegrationFactory(service=service, kind=kind)
    key = integration.raw_key
    unknown = post(client, url_for(kind, "f" * 32), body_for(kind, key))
    actions.integration_update(integration=integration, actor=SYSTEM, enabled=False)

    disabled = post(client, url_for(kind, key), body_for(kind, key))

    assert (unknown.status_code, disabled.status_code) == (404, 404)
    assert disabled.json() == {
        "status": "error",
        "message": "Integration key not found",
        "errors": ["Integration key not found"],
    }
    assert nothing_stored()


@pytest.mark.parametrize(
    ("kind", "url_kind"),
    [
        ("alertmanager", "grafana"),
        ("grafana", "alertmanager"),
        ("webhook", "alertmanager"),
        ("alertmanager", "webhook"),
        ("pagerduty_v2", "alertmanager"),
        ("alertmanager", "pagerduty_v2"),
    ],
)
def test_key_on_the_url_of_another_kind_is_a_404(client, service, kind, url_kind):
    key = IntegrationFactory(service=service, kind=kind).raw_key

    response = post(client, url_for(url_kind, key), body_for(url_kind, key))

    assert response.status_code == 404
    assert nothing_stored()


def test_trailing_slash_is_optional_on_keyed_urls(client, service):
    key = IntegrationFactory(service=service, kind="alertmanager").raw_key

    response = post(client, f"/integrations/alertmanager/{key}", fixture("alertmanager_firing.json"))

    assert response.status_code == 202
    assert AlertGroup.objects.count() == 2


# --- rate limit ----------------------------------------------------------------------------------------------


def test_fourth_request_in_a_minute_over_a_limit_of_three_is_a_429(client, service):
    key = IntegrationFactory(service=service, kind="pagerduty_v2", rate_limit_per_minute=3).raw_key
    statuses = [post_pd(client, key, "pagerduty_trigger.json", dedup_key=f"k{index}").status_code for index in range(3)]

    response = post_pd(client, key, "pagerduty_trigger.json", dedup_key="k3")

    assert statuses == [202, 202, 202]
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json() == {
        "status": "throttle event",
        "message": "Rate limit exceeded for this integration; retry later",
    }
    assert sorted(AlertGroup.objects.values_list("dedup_key", flat=True)) == ["k0", "k1", "k2"]
    assert Alert.objects.count() == 3


def test_rate_limit_on_a_keyed_url_counts_requests_per_integration(client, service):
    limited = IntegrationFactory(service=service, kind="alertmanager", name="limited", rate_limit_per_minute=1).raw_key
    other = IntegrationFactory(service=service, kind="alertmanager", name="other", rate_limit_per_minute=1).raw_key

    first = post(client, url_for("alertmanager", limited), fixture("alertmanager_firing.json"))
    second = post(client, url_for("alertmanager", limited), fixture("alertmanager_firing.json"))
    elsewhere = post(client, url_for("alertmanager", other), fixture("alertmanager_resolved.json"))

    assert (first.status_code, second.status_code, elsewhere.status_code) == (202, 429, 202)
    assert second["Retry-After"].isdigit()
    assert Alert.objects.count() == 2


def test_rate_limit_window_and_retry_after():
    now = 1_700_000_000 * 1.0 - (1_700_000_000 % 60) + 45.2  # 45.2 s into a minute

    results = [ratelimit.ratelimit_hit(scope="test", limit=2, now=now) for _ in range(3)]
    next_window = ratelimit.ratelimit_hit(scope="test", limit=2, now=now + 15)

    assert results == [0, 0, 15]
    assert next_window == 0


def test_rate_limit_fails_open_when_the_cache_is_down(monkeypatch):
    def broken(*args, **kwargs):
        """A cache that cannot be reached."""
        raise ConnectionError("redis is down")

    monkeypatch.setattr(LocMemCache, "incr", broken)

    assert ratelimit.ratelimit_hit(scope="down", limit=0) == 0


# --- Alertmanager ----------------------------------------------------------------------------------------------


def test_alertmanager_example_firing_then_resolved(client, service):
    integration = IntegrationFactory(service=service, kind="alertmanager")
    key = integration.raw_key
    url = url_for("alertmanager", key)

    firing = post(client, url, fixture("alertmanager_firing.json"))

    assert firing.status_code == 202
    assert firing.json() == {"status": "success", "accepted": 2}
    groups = list(AlertGroup.objects.order_by("dedup_key"))
    assert [(g.dedup_key, g.status, g.severity, g.title, g.source, g.alert_count) for g in groups] == [
        ("5c3ae8f1b2d4a690", "triggered", "critical", "High 5xx rate on checkout-1:8080", "checkout-1:8080", 1),
        (
            "e81f04c7a93b2d15",
            "triggered",
            "warning",
            "6.1% of requests failed over the last 5 minutes.",
            "checkout-2:8080",
            1,
        ),
    ]
    assert groups[0].labels == {
        "alertname": "HighErrorRate",
        "instance": "checkout-1:8080",
        "job": "checkout-api",
        "severity": "critical",
    }
    assert groups[0].link == (
        "http://prometheus.example.com:9090/graph?g0.expr=job%3Acheckout_5xx%3Aratio5m+%3E+0.05&g0.tab=1"
    )
    first_alert = Alert.objects.get(dedup_key="5c3ae8f1b2d4a690")
    assert first_alert.source_timestamp == datetime(2024, 5, 14, 9, 30, 15, 123456, tzinfo=UTC)
    assert first_alert.payload["alerts"] == [fixture("alertmanager_firing.json")["alerts"][0]]
    assert first_alert.payload["receiver"] == "firebreak"

    resolved = post(client, url, fixture("alertmanager_resolved.json"))

    assert resolved.json() == {"status": "success", "accepted": 2}
    assert list(AlertGroup.objects.order_by("dedup_key").values_list("status", "alert_count", "severity")) == [
        ("resolved", 2, "critical"),
        ("resolved", 2, "warning"),
    ]
    assert list(
        Alert.objects.filter(action="resolve").order_by("dedup_key").values_list("source_timestamp", flat=True)
    ) == [
        datetime(2024, 5, 14, 9, 52, 15, 123456, tzinfo=UTC),
        datetime(2024, 5, 14, 9, 50, tzinfo=UTC),
    ]
    integration.refresh_from_db()
    assert integration.dropped_events == 0


def test_alertmanager_firing_again_after_resolve_opens_new_groups(client, service):
    key = IntegrationFactory(service=service, kind="alertmanager").raw_key
    url = url_for("alertmanager", key)
    post(client, url, fixture("alertmanager_firing.json"))
    post(client, url, fixture("alertmanager_resolved.json"))

    post(client, url, fixture("alertmanager_firing.json"))

    assert list(AlertGroup.objects.order_by("id").values_list("status", flat=True)) == [
        "resolved",
        "resolved",
        "triggered",
        "triggered",
    ]


def test_alertmanager_resolved_alone_is_dropped_and_counted(client, service):
    integration = IntegrationFactory(service=service, kind="alertmanager")
    key = integration.raw_key

    response = post(client, url_for("alertmanager", key), fixture("alertmanager_resolved.json"))

    assert response.json() == {"status": "success", "accepted": 2}
    assert nothing_stored()
    integration.refresh_from_db()
    assert integration.dropped_events == 2


def test_alertmanager_without_fingerprint_deduplicates_by_its_labels(client, service):
    key = IntegrationFactory(service=service, kind="alertmanager").raw_key
    url = url_for("alertmanager", key)
    firing, resolved = fixture("alertmanager_firing.json"), fixture("alertmanager_resolved.json")
    for body in (firing, resolved):
        for alert in body["alerts"]:
            del alert["fingerprint"]
    labels = firing["alerts"][0]["labels"]
    expected = hashlib.sha256(json.dumps(labels, sort_keys=True, separators=(",", ":")).encode()).hexdigest()

    post(client, url, firing)
    post(client, url, resolved)

    group = AlertGroup.objects.get(dedup_key=expected)
    assert (group.status, group.alert_count) == ("resolved", 2)
    assert AlertGroup.objects.count() == 2


@pytest.mark.parametrize(
    ("value", "severity"),
    [
        ("critical", "critical"),
        ("error", "error"),
        ("high", "error"),
        ("HIGH", "error"),
        ("warning", "warning"),
        ("warn", "warning"),
        ("info", "info"),
        ("none", "info"),
        ("low", "info"),
        ("page", "error"),
        (None, "error"),
    ],
)
def test_alertmanager_severity_label_mapping(client, service, value, severity):
    key = IntegrationFactory(service=service, kind="alertmanager").raw_key
    body = fixture("alertmanager_firing.json")
    body["alerts"] = body["alerts"][:1]
    if value is None:
        del body["alerts"][0]["labels"]["severity"]
    else:
        body["alerts"][0]["labels"]["severity"] = value

    post(client, url_for("alertmanager", key), body)

    assert AlertGroup.objects.get().severity == severity


def test_alertmanager_summary_falls_back_to_alertname(client, service):
    key = IntegrationFactory(service=service, kind="alertmanager").raw_key
    body = fixture("alertmanager_firing.json")
    body["alerts"][0]["annotations"] = {}
    body["alerts"][1]["annotations"] = None

    post(client, url_for("alertmanager", key), body)

    assert list(AlertGroup.objects.values_list("title", flat=True)) == ["HighErrorRate", "HighErrorRate"]


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (lambda b: b.pop("alerts"), ["'alerts' must be an array."]),
        (lambda b: b.update(alerts={"0": {}}), ["'alerts' must be an array."]),
        (lambda b: b["alerts"].append("alert"), ["'alerts[2]' must be an object"]),
        (lambda b: b["alerts"][1].update(status="pending"), ["'alerts[1].status' must be 'firing' or 'resolved'"]),
        (lambda b: b["alerts"][0].update(labels=["a"]), ["'alerts[0].labels' must be an object"]),
        (lambda b: b["alerts"][1].update(annotations="x"), ["'alerts[1].annotations' must be an object"]),
        (lambda b: b["alerts"][0].update(fingerprint=12), ["'alerts[0].fingerprint' must be a string"]),
        (
            lambda b: (b["alerts"][0].update(labels=1), b["alerts"][1].update(status=None)),
            ["'alerts[0].labels' must be an object", "'alerts[1].status' must be 'firing' or 'resolved'"],
        ),
    ],
)
def test_alertmanager_one_invalid_alert_refuses_the_body_with_nothing_stored(client, service, change, errors):
    key = IntegrationFactory(service=service, kind="alertmanager").raw_key
    body = fixture("alertmanager_firing.json")
    change(body)

    response = post(client, url_for("alertmanager", key), body)

    assert response.status_code == 400
    assert response.json() == {"status": "error", "message": "Payload is invalid", "errors": errors}
    assert nothing_stored()


@pytest.mark.parametrize("raw", [b"[]", b"42", b'"firing"', b"{oops", b'{"alerts": [{"status": "firing"}]'])
def test_alertmanager_non_object_or_malformed_body_is_a_400(client, service, raw):
    key = IntegrationFactory(service=service, kind="alertmanager").raw_key

    response = post(client, url_for("alertmanager", key), raw)

    assert response.status_code == 400
    assert nothing_stored()


def test_alertmanager_alert_status_falls_back_to_the_body_status(client, service):
    key = IntegrationFactory(service=service, kind="alertmanager").raw_key
    body = fixture("alertmanager_firing.json")
    for alert in body["alerts"]:
        del alert["status"]

    response = post(client, url_for("alertmanager", key), body)

    assert response.status_code == 202
    assert AlertGroup.objects.filter(status="triggered").count() == 2


def test_alertmanager_empty_alerts_is_accepted_with_nothing_to_store(client, service):
    key = IntegrationFactory(service=service, kind="alertmanager").raw_key

    response = post(client, url_for("alertmanager", key), {**fixture("alertmanager_firing.json"), "alerts": []})

    assert response.json() == {"status": "success", "accepted": 0}
    assert nothing_stored()


# --- Grafana -------------------------------------------------------------------------------------------------------


def test_grafana_example_firing_then_resolved(client, service):
    key = IntegrationFactory(service=service, kind="grafana").raw_key
    url = url_for("grafana", key)

    firing = post(client, url, fixture("grafana_firing.json"))

    assert firing.status_code == 202
    assert firing.json() == {"status": "success", "accepted": 2}
    rows = AlertGroup.objects.order_by("dedup_key").values_list("dedup_key", "status", "severity", "title", "link")
    assert list(rows) == [
        (
            "bc97ff14869b13e3",
            "triggered",
            "warning",
            "The system has high CPU usage",
            "https://grafana.example.com/alerting/d1rdpdv7k/edit",
        ),
        (
            "c6eadffa33fcdf37",
            "triggered",
            "error",
            "This alert was triggered for zone us-1",
            "https://grafana.example.com/alerting/1afz29v7z/edit",
        ),
    ]
    assert AlertGroup.objects.get(dedup_key="c6eadffa33fcdf37").labels == {
        "alertname": "High memory usage",
        "team": "blue",
        "zone": "us-1",
    }
    memory = Alert.objects.get(dedup_key="c6eadffa33fcdf37")
    assert memory.source_timestamp == datetime(2021, 10, 12, 7, 51, 3, 157076, tzinfo=UTC)
    assert memory.payload["alerts"][0]["values"] == {"B": 44.23943737541908, "C": 1}
    assert memory.payload["title"] == "[FIRING:2]  (blue)"

    resolved = post(client, url, fixture("grafana_resolved.json"))

    assert resolved.json() == {"status": "success", "accepted": 2}
    assert list(AlertGroup.objects.order_by("dedup_key").values_list("status", "alert_count")) == [
        ("resolved", 2),
        ("resolved", 2),
    ]


def test_grafana_summary_falls_back_to_the_notification_title(client, service):
    key = IntegrationFactory(service=service, kind="grafana").raw_key
    body = fixture("grafana_firing.json")
    body["alerts"] = body["alerts"][:1]
    body["alerts"][0]["annotations"] = {}
    body["alerts"][0]["labels"] = {"team": "blue"}

    post(client, url_for("grafana", key), body)

    assert AlertGroup.objects.get().title == "[FIRING:2]  (blue)"


# --- generic webhook -----------------------------------------------------------------------------------------------

WEBHOOK_PATHS = {
    "title_path": "$.alert.title",
    "dedup_key_path": "alert.id",
    "severity_path": "alert.labels.0.value",
    "status_path": "state",
    "link_path": "alert.links[0]",
}


def webhook_body(state: str = "alerting", **alert: Any) -> dict[str, Any]:
    """A JSON body of some tool, read through WEBHOOK_PATHS."""
    return {
        "state": state,
        "alert": {
            "id": "db-42",
            "title": "Replication lag on db-42",
            "labels": [{"name": "severity", "value": "warning"}],
            "links": ["https://monitor.example.com/db-42"],
            **alert,
        },
    }


def test_webhook_uses_the_integration_paths(client, service):
    key = IntegrationFactory(service=service, kind="webhook", **WEBHOOK_PATHS).raw_key

    response = post(client, url_for("webhook", key), webhook_body())

    assert response.status_code == 202
    assert response.json() == {"status": "success", "accepted": 1}
    group = AlertGroup.objects.get()
    assert (group.dedup_key, group.title, group.severity, group.status, group.link, group.labels) == (
        "db-42",
        "Replication lag on db-42",
        "warning",
        "triggered",
        "https://monitor.example.com/db-42",
        {},
    )
    assert Alert.objects.get().payload == webhook_body()


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("resolved", "resolved"),
        ("OK", "resolved"),
        ("inactive", "resolved"),
        (False, "resolved"),
        ("false", "resolved"),
        ("acknowledged", "acknowledged"),
        ("ack", "acknowledged"),
        ("alerting", "triggered"),
        (True, "triggered"),
    ],
)
def test_webhook_status_values_move_the_group(client, service, state, status):
    key = IntegrationFactory(service=service, kind="webhook", **WEBHOOK_PATHS).raw_key
    post(client, url_for("webhook", key), webhook_body())

    post(client, url_for("webhook", key), webhook_body(state=state))

    group = AlertGroup.objects.get()
    assert (group.status, group.alert_count) == (status, 2)


def test_webhook_missing_title_and_dedup_key_fall_back(client, service):
    key = IntegrationFactory(service=service, kind="webhook", title_path="nothing.here", dedup_key_path="").raw_key
    body = {"message": "something broke", "count": 3}

    post(client, url_for("webhook", key), body)
    post(client, url_for("webhook", key), {"count": 3, "message": "something broke"})

    expected = hashlib.sha256(b'{"count":3,"message":"something broke"}').hexdigest()
    group = AlertGroup.objects.get()
    assert (group.title, group.dedup_key, group.severity, group.alert_count) == ("Webhook alert", expected, "error", 2)


def test_webhook_accepts_a_top_level_array(client, service):
    key = IntegrationFactory(service=service, kind="webhook", title_path="$[0].name", dedup_key_path="0.id").raw_key

    response = post(client, url_for("webhook", key), [{"name": "Queue backed up", "id": 7}])

    assert response.status_code == 202
    group = AlertGroup.objects.get()
    assert (group.title, group.dedup_key) == ("Queue backed up", "7")
    assert Alert.objects.get().payload == {"body": [{"name": "Queue backed up", "id": 7}]}


@pytest.mark.parametrize("raw", [b"42", b'"text"', b"null", b"true"])
def test_webhook_scalar_body_is_a_400(client, service, raw):
    key = IntegrationFactory(service=service, kind="webhook").raw_key

    response = post(client, url_for("webhook", key), raw)

    assert response.status_code == 400
    assert response.json()["errors"] == ["Body must be a JSON object or array."]
    assert nothing_stored()


def test_extract_follows_dot_paths_and_indexes():
    body = {"alert": {"labels": [{"name": "db"}, {"name": "api"}], "a.b": 1}, "n": None}

    assert webhook.extract(body, "alert.labels.0.name") == "db"
    assert webhook.extract(body, "$.alert.labels.1.name") == "api"
    assert webhook.extract(body, "alert.labels[-1].name") == "api"
    assert webhook.extract(body, "alert.labels.2.name") is None
    assert webhook.extract(body, "alert.labels.x") is None
    assert webhook.extract(body, "alert.missing") is None
    assert webhook.extract(body, "n.deeper") is None
    assert webhook.extract(body, "$") == body
    assert webhook.extract(body, "") == body


def test_preview_shows_what_the_endpoint_would_store():
    result = webhook.preview(WEBHOOK_PATHS, webhook_body(state="resolved"))
    from_text = webhook.preview(Integration(title_path="msg"), parse_json('{"msg": "Disk full", "level": "critical"}'))

    assert result == {
        "action": "resolve",
        "title": "Replication lag on db-42",
        "dedup_key": "db-42",
        "severity": "warning",
        "link": "https://monitor.example.com/db-42",
    }
    assert from_text["title"] == "Disk full"
    assert from_text["severity"] == "error"
    assert from_text["action"] == "trigger"


def test_preview_refuses_a_scalar_body():
    with pytest.raises(InboundError) as refused:
        webhook.preview({}, 42)

    assert refused.value.messages == ["Body must be a JSON object or array."]


# --- tenancy -----------------------------------------------------------------------------------------------------


def test_a_key_only_ever_creates_rows_in_its_own_org(client, org, other_org):
    ours = service_actions.service_create(organization=org, actor=SYSTEM, name="Search")
    theirs = service_actions.service_create(organization=other_org, actor=SYSTEM, name="Search")
    keys = {}
    for service in (ours, theirs):
        for kind in KINDS:
            keys[service.organization_id, kind] = actions.integration_create(
                organization=service.organization, service=service, name=kind, kind=kind, actor=SYSTEM
            )[1]

    for (_, kind), key in keys.items():
        assert post(client, url_for(kind, key), body_for(kind, key)).status_code == 202
    for service in (ours, theirs):
        post_pd(client, keys[service.organization_id, "pagerduty_v2"], "pagerduty_acknowledge.json")

    for model in (AlertGroup, Alert):
        for row in model.objects.select_related("integration", "integration__service"):
            assert row.organization_id == row.integration.organization_id == row.integration.service.organization_id
    assert AlertGroup.objects.filter(organization=org).count() == 6
    assert AlertGroup.objects.filter(organization=other_org).count() == 6
    assert set(AlertGroup.objects.filter(organization=org).values_list("service__organization", flat=True)) == {org.pk}
    assert list(
        AlertGroup.objects.filter(dedup_key="samplekeyhere").order_by("organization").values_list("status", flat=True)
    ) == ["acknowledged", "acknowledged"]


# --- fuzzing: no body is ever a server error -----------------------------------------------------------------------

FUZZ = settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

any_text = st.text(alphabet=st.characters(exclude_categories=()), max_size=40)
scalars = st.none() | st.booleans() | st.integers() | st.integers(min_value=-(10**60), max_value=10**60) | st.floats()
json_values = st.recursive(
    scalars | any_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4),
    max_leaves=12,
)


def maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """This shape, or any JSON value at all in its place."""
    return strategy | json_values


def pagerduty_shaped(key: str):
    """PagerDuty-shaped dicts where any field may be missing or of any JSON type."""
    payload = st.fixed_dictionaries(
        {},
        optional={
            "summary": maybe(any_text),
            "source": maybe(any_text),
            "severity": maybe(st.sampled_from(["critical", "error", "warning", "info"])),
            "timestamp": maybe(st.datetimes().map(datetime.isoformat) | any_text),
            "component": maybe(any_text),
            "group": maybe(any_text),
            "class": maybe(any_text),
            "custom_details": json_values,
        },
    )
    return st.fixed_dictionaries(
        {"routing_key": maybe(st.just(key))},
        optional={
            "event_action": maybe(st.sampled_from(["trigger", "acknowledge", "resolve"])),
            "dedup_key": maybe(st.sampled_from(["a", "b"]) | any_text),
            "payload": maybe(payload),
            "links": maybe(st.lists(st.fixed_dictionaries({"href": maybe(any_text)}), max_size=2)),
            "images": maybe(st.lists(st.fixed_dictionaries({"src": maybe(any_text)}), max_size=2)),
            "client": maybe(any_text),
            "client_url": maybe(any_text),
        },
    )


def pagerduty_valid(key: str):
    """Events PagerDuty would accept, with arbitrary text and details: these must all be stored."""
    text = any_text.map(lambda value: f"x{value}")
    payload = st.fixed_dictionaries(
        {"summary": text, "source": text, "severity": st.sampled_from(["critical", "error", "warning", "info"])},
        optional={
            "timestamp": st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat),
            "component": any_text,
            "custom_details": json_values,
        },
    )
    return st.fixed_dictionaries(
        {
            "routing_key": st.just(key),
            "event_action": st.sampled_from(["trigger", "acknowledge", "resolve"]),
            "dedup_key": st.sampled_from(["a", "b"]) | text,
            "payload": payload,
        },
        optional={"links": st.lists(st.fixed_dictionaries({"href": any_text, "text": any_text}), max_size=2)},
    )


def alertmanager_valid():
    """Bodies Alertmanager or Grafana could send, with arbitrary labels and text: these must all be stored."""
    labels = st.dictionaries(any_text, any_text, max_size=4)
    alert = st.fixed_dictionaries(
        {"status": st.sampled_from(["firing", "resolved"]), "labels": labels},
        optional={
            "annotations": st.dictionaries(st.sampled_from(["summary", "description"]) | any_text, any_text),
            "fingerprint": st.sampled_from(["f1", "f2"]) | any_text,
            "startsAt": st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat) | any_text,
            "generatorURL": any_text.map(lambda value: f"https://example.com/{value}"),
            "values": json_values,
        },
    )
    return st.fixed_dictionaries(
        {"status": st.sampled_from(["firing", "resolved"]), "alerts": st.lists(alert, max_size=4)},
        optional={"title": any_text, "commonLabels": labels, "externalURL": any_text},
    )


def alertmanager_shaped():
    """Alertmanager-shaped dicts where any field may be missing or of any JSON type."""
    alert = st.fixed_dictionaries(
        {},
        optional={
            "status": maybe(st.sampled_from(["firing", "resolved"])),
            "labels": maybe(st.dictionaries(any_text, maybe(any_text), max_size=4)),
            "annotations": maybe(st.dictionaries(st.sampled_from(["summary", "description"]), maybe(any_text))),
            "fingerprint": maybe(st.sampled_from(["f1", "f2"]) | any_text),
            "startsAt": maybe(st.datetimes().map(datetime.isoformat) | any_text),
            "endsAt": maybe(any_text),
            "generatorURL": maybe(any_text),
            "panelURL": maybe(any_text),
        },
    )
    return st.fixed_dictionaries(
        {"alerts": maybe(st.lists(maybe(alert), max_size=4))},
        optional={"status": maybe(st.sampled_from(["firing", "resolved"])), "title": json_values},
    )


def assert_no_server_error(client: Client, url: str, body: Any) -> None:
    """POST the body as JSON (or raw bytes) and check the answer is not a 5xx."""
    raw = body if isinstance(body, bytes) else json.dumps(body)  # NaN/Infinity come out bare: must be refused
    response = post(client, url, raw)
    event(f"HTTP {response.status_code}")  # shown by --hypothesis-show-statistics: valid bodies must reach 202
    assert response.status_code < 500, (response.status_code, raw[:500])


@FUZZ
@given(data=st.data())
def test_fuzz_pagerduty_enqueue(client, pagerduty, data):
    _, key = pagerduty
    body = data.draw(pagerduty_valid(key) | pagerduty_shaped(key) | json_values | st.binary(max_size=64))

    assert_no_server_error(client, PD_URL, body)


@FUZZ
@given(data=st.data())
def test_fuzz_pagerduty_change_enqueue(client, pagerduty, data):
    _, key = pagerduty
    body = data.draw(pagerduty_valid(key) | pagerduty_shaped(key) | json_values | st.binary(max_size=64))

    assert_no_server_error(client, PD_CHANGE_URL, body)


@pytest.fixture
def fuzz_keys(service) -> dict[str, str]:
    """One integration of each kind (the webhook with paths into the fuzzed bodies); their keys."""
    paths = {"title_path": "a", "dedup_key_path": "$.b.0", "severity_path": "c", "status_path": "d", "link_path": "e"}
    return {
        kind: IntegrationFactory(service=service, kind=kind, **(paths if kind == "webhook" else {})).raw_key
        for kind in KINDS
    }


@FUZZ
@given(data=st.data())
def test_fuzz_alertmanager(client, fuzz_keys, data):
    key = fuzz_keys["alertmanager"]
    body = data.draw(alertmanager_valid() | alertmanager_shaped() | json_values | st.binary(max_size=64))

    assert_no_server_error(client, url_for("alertmanager", key), body)


@FUZZ
@given(data=st.data())
def test_fuzz_grafana(client, fuzz_keys, data):
    key = fuzz_keys["grafana"]
    body = data.draw(alertmanager_valid() | alertmanager_shaped() | json_values | st.binary(max_size=64))

    assert_no_server_error(client, url_for("grafana", key), body)


@FUZZ
@given(data=st.data())
def test_fuzz_webhook(client, fuzz_keys, data):
    key = fuzz_keys["webhook"]
    keys = st.sampled_from(["a", "b", "c", "d", "e", "0"]) | any_text
    shaped = st.dictionaries(keys, json_values, max_size=6)
    body = data.draw(shaped | json_values | st.binary(max_size=64))

    assert_no_server_error(client, url_for("webhook", key), body)

"""The outbound webhooks API: status codes and bodies; the secret in the create and rotate answers only; the
outbound guard's refusal as a 400 that says why."""

import pytest

from core import outbound
from orgs.models import AuditEvent
from tests.factories import WebhookAttemptFactory, WebhookDeliveryFactory, WebhookEndpointFactory
from workflows.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

ENDPOINTS = "/api/v1/webhook-endpoints/"
DELIVERIES = "/api/v1/webhook-deliveries/"


@pytest.fixture(autouse=True)
def public_dns(monkeypatch):
    """Every name resolves to a public address (no DNS in tests); literal addresses are judged as they are."""
    monkeypatch.setattr(outbound, "resolve", lambda host: ["93.184.216.34"])


@pytest.fixture
def admin_api(org, api_client_for):
    return api_client_for(org, "admin")


def test_create_answers_201_with_the_secret_once_and_gets_never_show_it(admin_api, org):
    created = admin_api.post(
        ENDPOINTS,
        {"url": "https://hooks.example.com/firebreak", "event_types": ["status_update.posted", "incident.declared"]},
        format="json",
    )

    assert created.status_code == 201, created.json()
    body = created.json()
    endpoint = WebhookEndpoint.objects.get(organization=org)
    assert body["secret"] == endpoint.secret
    assert body["secret"].startswith("whsec_")
    assert body["id"] == str(endpoint.uuid)
    assert body["url"] == "https://hooks.example.com/firebreak"
    assert body["event_types"] == ["incident.declared", "status_update.posted"]  # catalog order
    assert (body["is_enabled"], body["include_drills"], body["disabled_reason"]) == (True, False, "")
    listed = admin_api.get(ENDPOINTS)
    one = admin_api.get(f"{ENDPOINTS}{endpoint.uuid}/")
    assert listed.status_code == one.status_code == 200
    assert listed.json()["results"][0]["id"] == str(endpoint.uuid)
    for answer in (listed, one):
        assert "secret" not in answer.content.decode().replace('"previous_secret_expires_at"', "")
        assert endpoint.secret not in answer.content.decode()
    audit = AuditEvent.objects.get(organization=org, action="webhook_endpoint.created")
    assert endpoint.secret not in str(audit.changes)


def test_a_loopback_url_is_refused_with_the_guard_reason(admin_api, org, settings):
    settings.OUTBOUND_ALLOW = []
    refused = admin_api.post(ENDPOINTS, {"url": "http://127.0.0.1:8080/hook"}, format="json")

    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {
        "url": ["This URL cannot be used: refused: 127.0.0.1 is not a public address."]
    }
    assert not WebhookEndpoint.objects.exists()


def test_the_operator_allow_list_lets_loopback_in(admin_api, settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.1/32"]

    assert admin_api.post(ENDPOINTS, {"url": "http://127.0.0.1:8080/hook"}, format="json").status_code == 201


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"url": "https://hooks.example.com/x", "event_types": ["incident.exploded"]}, "event_types", None),
        ({"url": "ftp://hooks.example.com/x"}, "url", "Enter the endpoint's full URL (https://…)."),
        ({"url": "https://user:pw@hooks.example.com/x"}, "url", "The URL must not carry a user name or password."),
        ({"url": "https://hooks.example.com/" + "x" * 2000}, "url", None),
        ({"url": "https://hooks.example.com/x", "description": "d" * 201}, "description", None),
        ({}, "url", "This field is required."),
    ],
)
def test_bad_input_is_a_400_naming_the_field(admin_api, payload, field, message):
    answer = admin_api.post(ENDPOINTS, payload, format="json")

    assert answer.status_code == 400
    fields = answer.json()["error"]["fields"]
    assert list(fields) == [field]
    if message:
        assert fields[field] == [message]
    assert not WebhookEndpoint.objects.exists()


def test_patch_disables_and_enables_and_a_refused_url_changes_nothing(admin_api, org, settings):
    settings.OUTBOUND_ALLOW = []
    endpoint = WebhookEndpointFactory(organization=org)
    waiting = WebhookDeliveryFactory(endpoint=endpoint, organization=org)

    off = admin_api.patch(f"{ENDPOINTS}{endpoint.uuid}/", {"is_enabled": False}, format="json")
    assert off.status_code == 200
    assert off.json()["is_enabled"] is False
    assert off.json()["disabled_reason"].startswith("Disabled by API token")
    waiting.refresh_from_db()
    assert (waiting.status, waiting.error) == ("failed", "The endpoint was disabled before this was sent.")
    on = admin_api.patch(f"{ENDPOINTS}{endpoint.uuid}/", {"is_enabled": True}, format="json")
    assert (on.json()["is_enabled"], on.json()["disabled_reason"], on.json()["disabled_at"]) == (True, "", None)
    refused = admin_api.patch(f"{ENDPOINTS}{endpoint.uuid}/", {"url": "http://10.0.0.5/hook"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["url"] == [
        "This URL cannot be used: refused: 10.0.0.5 is not a public address."
    ]
    endpoint.refresh_from_db()
    assert endpoint.url.startswith("https://hooks.example.com/")


def test_rotate_secret_answers_the_new_secret_and_the_overlap(admin_api, org):
    endpoint = WebhookEndpointFactory(organization=org)
    old = endpoint.secret

    rotated = admin_api.post(f"{ENDPOINTS}{endpoint.uuid}/rotate-secret/")

    assert rotated.status_code == 200
    endpoint.refresh_from_db()
    assert rotated.json()["secret"] == endpoint.secret != old
    assert endpoint.previous_secret == old
    assert rotated.json()["previous_secret_expires_at"] is not None
    again = admin_api.get(f"{ENDPOINTS}{endpoint.uuid}/").content.decode()
    assert endpoint.secret not in again
    assert old not in again


def test_test_queues_a_webhook_test_delivery(admin_api, org, enqueued, django_capture_on_commit_callbacks):
    endpoint = WebhookEndpointFactory(organization=org, event_types=["incident.declared"])

    with django_capture_on_commit_callbacks(execute=True):
        answer = admin_api.post(f"{ENDPOINTS}{endpoint.uuid}/test/")

    assert answer.status_code == 202
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert answer.json()["id"] == str(delivery.uuid)
    assert (answer.json()["event_type"], answer.json()["status"]) == ("webhook.test", "pending")
    assert enqueued.messages("workflows.tasks.webhooks.webhook_deliver") == [(delivery.pk, str(delivery.task_token))]
    endpoint.is_enabled = False
    endpoint.save()
    refused = admin_api.post(f"{ENDPOINTS}{endpoint.uuid}/test/")
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["non_field_errors"][0].endswith("is disabled.")


def test_delete_answers_204(admin_api, org):
    endpoint = WebhookEndpointFactory(organization=org)

    assert admin_api.delete(f"{ENDPOINTS}{endpoint.uuid}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()
    assert admin_api.get(f"{ENDPOINTS}{endpoint.uuid}/").status_code == 404


def test_responder_and_viewer_tokens_are_refused(org, api_client_for):
    endpoint = WebhookEndpointFactory(organization=org)
    for role in ("responder", "viewer"):
        api = api_client_for(org, role)
        assert api.get(ENDPOINTS).status_code == 403
        assert api.get(DELIVERIES).status_code == 403
        assert api.post(f"{ENDPOINTS}{endpoint.uuid}/rotate-secret/").status_code == 403
    assert WebhookEndpoint.objects.get().secret == endpoint.secret


def test_another_orgs_endpoint_is_a_404(admin_api, other_org):
    theirs = WebhookEndpointFactory(organization=other_org)
    delivery = WebhookDeliveryFactory(endpoint=theirs, organization=other_org)

    assert admin_api.get(f"{ENDPOINTS}{theirs.uuid}/").status_code == 404
    assert admin_api.post(f"{ENDPOINTS}{theirs.uuid}/rotate-secret/").status_code == 404
    assert admin_api.post(f"{DELIVERIES}{delivery.uuid}/replay/").status_code == 404
    assert admin_api.get(DELIVERIES, {"endpoint": str(theirs.uuid)}).json()["results"] == []


def test_deliveries_list_filters_and_retrieve_shows_the_attempts(admin_api, org):
    first = WebhookEndpointFactory(organization=org)
    second = WebhookEndpointFactory(organization=org)
    done = WebhookDeliveryFactory(endpoint=first, organization=org, status="succeeded", attempts=1)
    WebhookAttemptFactory(delivery=done, organization=org, number=1, response_status=200)
    failed = WebhookDeliveryFactory(endpoint=first, organization=org, status="failed", event_type="webhook.test")
    other = WebhookDeliveryFactory(endpoint=second, organization=org)

    def ids(**params):
        answer = admin_api.get(DELIVERIES, params)
        assert answer.status_code == 200, answer.json()
        return {row["id"] for row in answer.json()["results"]}

    assert ids() == {str(done.uuid), str(failed.uuid), str(other.uuid)}
    assert ids(endpoint=str(first.uuid)) == {str(done.uuid), str(failed.uuid)}
    assert ids(status="failed") == {str(failed.uuid)}
    assert ids(event_type="webhook.test") == {str(failed.uuid)}
    assert admin_api.get(DELIVERIES, {"status": "lost"}).status_code == 400
    detail = admin_api.get(f"{DELIVERIES}{done.uuid}/").json()
    assert detail["endpoint"] == str(first.uuid)
    assert detail["body"] == done.body
    assert [(a["number"], a["response_status"]) for a in detail["attempt_log"]] == [(1, 200)]


def test_replay_answers_201_with_a_new_delivery_of_the_same_message(admin_api, org, enqueued):
    endpoint = WebhookEndpointFactory(organization=org)
    original = WebhookDeliveryFactory(endpoint=endpoint, organization=org, status="failed")

    answer = admin_api.post(f"{DELIVERIES}{original.uuid}/replay/")

    assert answer.status_code == 201
    body = answer.json()
    assert body["id"] != str(original.uuid)
    assert (body["message_id"], body["replay_of"], body["status"]) == (
        original.message_id,
        str(original.uuid),
        "pending",
    )
    endpoint.is_enabled = False
    endpoint.save()
    refused = admin_api.post(f"{DELIVERIES}{original.uuid}/replay/")
    assert refused.status_code == 400
    assert "disabled" in refused.json()["error"]["fields"]["non_field_errors"][0]

"""The outbound webhook pages: the secret shown once (303 to the reveal, nothing on a refresh), the guard's
refusal on the form, the delivery log with attempts, rotate/delete after confirmation, test and replay, the
disabled reason, and admins only for writes."""

import pytest

from core import outbound
from orgs.models import MembershipRole
from tests.factories import WebhookAttemptFactory, WebhookDeliveryFactory, WebhookEndpointFactory
from workflows.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def public_dns(monkeypatch):
    monkeypatch.setattr(outbound, "resolve", lambda host: ["93.184.216.34"])


@pytest.fixture
def owner_client(owner, client_for):
    return client_for(owner)


def base(org) -> str:
    return f"/o/{org.slug}/webhooks/"


def test_adding_an_endpoint_shows_its_secret_once(org, owner_client):
    created = owner_client.post(
        base(org) + "new/",
        {"url": "https://hooks.example.com/in?token=abc123", "event_types": ["incident.declared"], "is_enabled": "on"},
    )

    assert created.status_code == 303
    endpoint = WebhookEndpoint.objects.get(organization=org)
    assert created["Location"] == f"{base(org)}{endpoint.uuid}/secret/"
    assert endpoint.event_types == ["incident.declared"]
    reveal = owner_client.get(created["Location"])
    assert reveal.status_code == 200
    assert endpoint.secret in reveal.content.decode()
    assert reveal.context["secret"] == endpoint.secret
    again = owner_client.get(created["Location"])
    assert endpoint.secret not in again.content.decode()
    assert "The secret was already shown." in again.content.decode()
    for page in (base(org), f"{base(org)}{endpoint.uuid}/", f"{base(org)}{endpoint.uuid}/edit/"):
        answer = owner_client.get(page)
        assert answer.status_code == 200
        assert endpoint.secret not in answer.content.decode()
    # the list and detail show no query string (it may hold a token)
    assert "abc123" not in owner_client.get(base(org)).content.decode()
    assert "https://hooks.example.com/in" in owner_client.get(base(org)).content.decode()


def test_a_loopback_url_is_refused_on_the_form(org, owner_client, settings):
    settings.OUTBOUND_ALLOW = []

    answer = owner_client.post(base(org) + "new/", {"url": "http://127.0.0.1/hook", "is_enabled": "on"})

    assert answer.status_code == 400
    assert answer.context["form"].errors["url"] == [
        "This URL cannot be used: refused: 127.0.0.1 is not a public address."
    ]
    assert not WebhookEndpoint.objects.exists()


def test_the_detail_page_shows_the_delivery_log_and_a_delivery_its_attempts(org, owner_client):
    endpoint = WebhookEndpointFactory(organization=org)
    done = WebhookDeliveryFactory(endpoint=endpoint, organization=org, status="succeeded", attempts=2)
    WebhookAttemptFactory(delivery=done, organization=org, number=1, response_status=503, error="HTTP 503")
    WebhookAttemptFactory(delivery=done, organization=org, number=2, response_status=200)
    WebhookDeliveryFactory(endpoint=endpoint, organization=org, status="failed", error="HTTP 500 (gave up)")

    detail = owner_client.get(f"{base(org)}{endpoint.uuid}/")
    failed_only = owner_client.get(f"{base(org)}{endpoint.uuid}/?status=failed")
    one = owner_client.get(f"/o/{org.slug}/webhooks/deliveries/{done.uuid}/")

    assert detail.status_code == 200
    assert detail.context["counts"] == {"pending": 0, "sending": 0, "succeeded": 1, "failed": 1}
    assert len(detail.context["page"].object_list) == 2
    assert [d.status for d in failed_only.context["page"].object_list] == ["failed"]
    assert one.status_code == 200
    assert [(a.number, a.response_status) for a in one.context["attempts"]] == [(1, 503), (2, 200)]
    assert done.message_id in one.content.decode()


def test_rotate_asks_first_then_shows_the_new_secret_once(org, owner_client):
    endpoint = WebhookEndpointFactory(organization=org)
    old = endpoint.secret
    url = f"{base(org)}{endpoint.uuid}/rotate-secret/"

    ask = owner_client.get(url)
    assert ask.status_code == 200
    assert "Rotate the signing secret?" in ask.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret == old
    done = owner_client.post(url)
    assert done.status_code == 303
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.previous_secret == old
    reveal = owner_client.get(done["Location"]).content.decode()
    assert endpoint.secret in reveal
    assert old not in reveal


def test_delete_asks_first(org, owner_client):
    endpoint = WebhookEndpointFactory(organization=org)
    url = f"{base(org)}{endpoint.uuid}/delete/"

    assert owner_client.get(url).status_code == 200
    assert WebhookEndpoint.objects.exists()
    assert owner_client.post(url).status_code == 302
    assert not WebhookEndpoint.objects.exists()


def test_send_test_and_replay_queue_deliveries(org, owner_client):
    endpoint = WebhookEndpointFactory(organization=org)

    tested = owner_client.post(f"{base(org)}{endpoint.uuid}/test/")
    assert tested.status_code == 302
    test_delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert test_delivery.event_type == "webhook.test"
    replayed = owner_client.post(f"/o/{org.slug}/webhooks/deliveries/{test_delivery.uuid}/replay/")
    replay = WebhookDelivery.objects.exclude(pk=test_delivery.pk).get()
    assert replayed["Location"] == f"/o/{org.slug}/webhooks/deliveries/{replay.uuid}/"
    assert (replay.message_id, replay.replay_of_id) == (test_delivery.message_id, test_delivery.pk)


def test_a_disabled_endpoint_shows_why(org, owner_client):
    endpoint = WebhookEndpointFactory(
        organization=org, is_enabled=False, disabled_reason="The receiver answered 410 Gone on 2026-12-07 04:00 UTC"
    )

    for page in (base(org), f"{base(org)}{endpoint.uuid}/"):
        assert "The receiver answered 410 Gone on 2026-12-07 04:00 UTC" in owner_client.get(page).content.decode()


def test_members_read_and_only_admins_write(org, make_member, client_for):
    endpoint = WebhookEndpointFactory(organization=org)
    delivery = WebhookDeliveryFactory(endpoint=endpoint, organization=org)
    responder = client_for(make_member(org, MembershipRole.RESPONDER))

    assert responder.get(base(org)).status_code == 200
    assert responder.get(f"{base(org)}{endpoint.uuid}/").status_code == 200
    assert responder.get(f"/o/{org.slug}/webhooks/deliveries/{delivery.uuid}/").status_code == 200
    for method, url in [
        ("get", base(org) + "new/"),
        ("get", f"{base(org)}{endpoint.uuid}/secret/"),
        ("get", f"{base(org)}{endpoint.uuid}/edit/"),
        ("post", f"{base(org)}{endpoint.uuid}/rotate-secret/"),
        ("post", f"{base(org)}{endpoint.uuid}/delete/"),
        ("post", f"{base(org)}{endpoint.uuid}/test/"),
        ("post", f"/o/{org.slug}/webhooks/deliveries/{delivery.uuid}/replay/"),
    ]:
        assert getattr(responder, method)(url).status_code == 403, url
    assert WebhookDelivery.objects.count() == 1
    assert WebhookEndpoint.objects.get().secret == endpoint.secret

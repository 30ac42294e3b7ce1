"""Delivering outbound webhooks to a real receiver on loopback: signatures verified with the standardwebhooks
library, rotation, the retry schedule, 5xx and 410, replay, the guard at send time, and the sweeper."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from incidents import actions as incident_actions
from orgs.models import AuditEvent, MembershipRole
from orgs.tenancy import Actor
from tests.factories import SeverityFactory, WebhookDeliveryFactory, WebhookEndpointFactory
from tests.workflows.webhook_receiver import receiver
from workflows.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from workflows.webhooks import actions, delivery

pytestmark = pytest.mark.django_db

DELIVER = "workflows.tasks.webhooks.webhook_deliver"
NOTIFY = "workflows.tasks.webhooks.webhook_endpoint_disabled_notify"


@pytest.fixture
def loopback(settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.1/32"]
    return settings


def deliver_all(enqueued, capture) -> list[str]:
    """Run every webhook_deliver message recorded so far (once each), capturing their commits' messages."""
    results = []
    done = getattr(enqueued, "_webhook_done", 0)
    messages = enqueued.messages(DELIVER)
    for pk, token in messages[done:]:
        with capture(execute=True):
            results.append(delivery.deliver(delivery_id=pk, token=token))
    enqueued._webhook_done = len(messages)
    return results


def enqueue(endpoint, capture, key="event-1", event_type="incident.declared", data=None) -> WebhookDelivery:
    with capture(execute=True):
        row = actions.delivery_enqueue(
            endpoint=endpoint, event_type=event_type, data=data or {"hello": "world"}, idempotency_key=key
        )
    return row


def test_a_declared_incident_reaches_a_real_receiver_that_verifies_it_with_standardwebhooks(
    loopback, org, owner, enqueued, django_capture_on_commit_callbacks
):
    sev1 = SeverityFactory(organization=org, name="SEV1", rank=1, is_major=True)
    with receiver(200) as hook:
        endpoint = WebhookEndpointFactory(organization=org, url=hook.url)
        with django_capture_on_commit_callbacks(execute=True):
            incident = incident_actions.incident_declare(
                organization=org, actor=Actor(user=owner.user), title="Checkout down", severity=sev1
            )
        assert deliver_all(enqueued, django_capture_on_commit_callbacks) == ["succeeded"]

    [request] = hook.requests
    payload = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert payload["type"] == "incident.declared"
    assert payload["data"]["incident"]["reference"] == f"INC-{incident.number}"
    assert payload["data"]["incident"]["title"] == "Checkout down"
    assert payload["data"]["incident"]["severity"] == "SEV1"
    assert payload["data"]["incident"]["is_drill"] is False
    row = WebhookDelivery.objects.get(endpoint=endpoint)
    assert request.headers["webhook-id"] == row.message_id
    assert request.body == row.body.encode()
    assert request.headers["content-type"] == "application/json"
    assert (row.status, row.attempts, row.response_status, row.error) == ("succeeded", 1, 200, "")
    assert row.delivered_at is not None
    [attempt] = WebhookAttempt.objects.filter(delivery=row)
    assert (attempt.number, attempt.response_status, attempt.error) == (1, 200, "")
    assert attempt.request_headers["webhook-id"] == row.message_id
    assert endpoint.secret not in json.dumps(attempt.request_headers)
    # another secret does not verify it
    with pytest.raises(WebhookVerificationError):
        Webhook(actions.signing.secret_new()).verify(request.body, request.headers)


def test_during_a_rotation_both_secrets_verify_and_only_the_new_one_after(
    loopback, org, owner, enqueued, django_capture_on_commit_callbacks
):
    with receiver(200) as hook:
        endpoint = WebhookEndpointFactory(organization=org, url=hook.url)
        old = endpoint.secret
        endpoint, new = actions.endpoint_rotate_secret(endpoint=endpoint, actor=Actor(user=owner.user))
        assert new != old
        assert endpoint.secret == new
        assert new.startswith("whsec_")
        overlap = endpoint.previous_secret_expires_at - timezone.now()
        assert overlap == pytest.approx(timedelta(hours=24), abs=timedelta(seconds=5))
        enqueue(endpoint, django_capture_on_commit_callbacks, key="during")
        deliver_all(enqueued, django_capture_on_commit_callbacks)
        # the overlap ends
        endpoint.previous_secret_expires_at = timezone.now() - timedelta(seconds=1)
        endpoint.save()
        enqueue(endpoint, django_capture_on_commit_callbacks, key="after")
        deliver_all(enqueued, django_capture_on_commit_callbacks)

    during, after = hook.requests
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert Webhook(new).verify(during.body, during.headers) == json.loads(during.body)
    assert Webhook(old).verify(during.body, during.headers) == json.loads(during.body)
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    assert Webhook(new).verify(after.body, after.headers) == json.loads(after.body)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(after.body, after.headers)


def test_the_retry_schedule_spans_more_than_24_hours_with_exact_delays():
    delays = [delivery.retry_delay(n) for n in range(1, delivery.max_attempts())]

    assert [d.total_seconds() for d in delays] == [5, 300, 1800, 7200, 18000, 36000, 50400]
    assert sum(delays, timedelta()) == timedelta(hours=31, minutes=35, seconds=5)
    assert sum(delays, timedelta()) >= timedelta(hours=24)
    assert delivery.max_attempts() == 8
    assert delivery.retry_delay(8) is None


def test_a_5xx_is_retried_on_the_schedule_with_a_new_token_and_the_answer_never_shown(
    loopback, org, enqueued, django_capture_on_commit_callbacks
):
    with receiver(503, 500, 200) as hook:
        endpoint = WebhookEndpointFactory(organization=org, url=hook.url)
        row = enqueue(endpoint, django_capture_on_commit_callbacks)
        first_token = row.task_token
        before = timezone.now()
        assert deliver_all(enqueued, django_capture_on_commit_callbacks) == ["pending"]
        row.refresh_from_db()
        assert (row.status, row.attempts, row.response_status, row.error) == ("pending", 1, 503, "HTTP 503")
        assert row.next_attempt_at - before == pytest.approx(timedelta(seconds=5), abs=timedelta(seconds=2))
        assert row.task_token != first_token
        # the retry message carries the new token and the due time
        assert enqueued.messages(DELIVER)[-1] == (row.pk, str(row.task_token))
        assert enqueued.options[-1]["eta"] == row.next_attempt_at
        # the old message finds nothing to do, and the new one is not due yet
        assert delivery.deliver(delivery_id=row.pk, token=str(first_token)) == "skipped"
        assert delivery.deliver(delivery_id=row.pk, token=str(row.task_token)) == "skipped"
        # when due, the second try gets a 500: the next is 5 minutes later
        WebhookDelivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        before = timezone.now()
        assert deliver_all(enqueued, django_capture_on_commit_callbacks) == ["pending"]
        row.refresh_from_db()
        assert (row.attempts, row.error) == (2, "HTTP 500")
        assert row.next_attempt_at - before == pytest.approx(timedelta(minutes=5), abs=timedelta(seconds=2))
        WebhookDelivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        assert deliver_all(enqueued, django_capture_on_commit_callbacks) == ["succeeded"]

    assert len({r.headers["webhook-id"] for r in hook.requests}) == 1
    assert len({r.body for r in hook.requests}) == 1
    attempts = list(WebhookAttempt.objects.filter(delivery=row).values_list("number", "response_status", "error"))
    assert attempts == [(1, 503, "HTTP 503"), (2, 500, "HTTP 500"), (3, 200, "")]
    assert not any("internal words" in a.error for a in WebhookAttempt.objects.all())


def test_the_last_attempt_gives_up(loopback, org, enqueued, django_capture_on_commit_callbacks):
    with receiver(500) as hook:
        endpoint = WebhookEndpointFactory(organization=org, url=hook.url)
        row = enqueue(endpoint, django_capture_on_commit_callbacks)
        WebhookDelivery.objects.filter(pk=row.pk).update(attempts=7)
        assert deliver_all(enqueued, django_capture_on_commit_callbacks) == ["failed"]
    row.refresh_from_db()
    assert (row.status, row.attempts, row.error) == ("failed", 8, "HTTP 500 (gave up after 8 attempts)")
    assert row.next_attempt_at is None


def test_410_disables_the_endpoint_fails_its_pending_deliveries_and_tells_the_admins(
    loopback, org, owner, make_member, enqueued, django_capture_on_commit_callbacks
):
    admin = make_member(org, MembershipRole.ADMIN, email="admin@acme.test")
    make_member(org, MembershipRole.RESPONDER, email="responder@acme.test")
    with receiver(410) as hook:
        endpoint = WebhookEndpointFactory(organization=org, url=hook.url)
        gone = enqueue(endpoint, django_capture_on_commit_callbacks, key="first")
        waiting = WebhookDeliveryFactory(endpoint=endpoint, organization=org, next_attempt_at=timezone.now())
        assert deliver_all(enqueued, django_capture_on_commit_callbacks)[0] == "failed"

    endpoint.refresh_from_db()
    assert endpoint.is_enabled is False
    assert endpoint.disabled_reason.startswith("The receiver answered 410 Gone on ")
    assert endpoint.disabled_at is not None
    gone.refresh_from_db()
    assert (gone.status, gone.response_status) == ("failed", 410)
    assert gone.error == "HTTP 410: the receiver is gone; the endpoint was disabled"
    waiting.refresh_from_db()
    assert waiting.status == "failed"
    assert waiting.error.startswith("Not sent: The receiver answered 410 Gone")
    audit = AuditEvent.objects.get(organization=org, action="webhook_endpoint.disabled")
    assert audit.changes["pending_deliveries_failed"] == 1
    assert audit.actor_label == "Firebreak webhooks"
    # the admins are emailed (by the task enqueued after commit)
    assert enqueued.messages(NOTIFY) == [(endpoint.pk,)]
    from workflows.tasks.webhooks import webhook_endpoint_disabled_notify

    assert webhook_endpoint_disabled_notify(endpoint.pk) == 2
    [message] = mail.outbox
    assert sorted(message.to) == sorted([owner.user.email, admin.user.email])
    assert message.subject.startswith("[Acme] Webhook endpoint disabled: http://127.0.0.1:")
    assert endpoint.disabled_reason in message.body
    assert f"/o/{org.slug}/webhooks/{endpoint.uuid}/" in message.body
    # nothing more is sent to it
    with pytest.raises(Exception, match="disabled"):
        actions.delivery_enqueue(endpoint=endpoint, event_type="webhook.test", data={}, idempotency_key="x")


def test_replay_creates_a_new_delivery_with_the_same_webhook_id(
    loopback, org, owner, enqueued, django_capture_on_commit_callbacks
):
    with receiver(200) as hook:
        endpoint = WebhookEndpointFactory(organization=org, url=hook.url)
        original = enqueue(endpoint, django_capture_on_commit_callbacks)
        deliver_all(enqueued, django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=True):
            replay = actions.delivery_replay(delivery=original, actor=Actor(user=owner.user))
        assert deliver_all(enqueued, django_capture_on_commit_callbacks) == ["succeeded"]

    assert replay.pk != original.pk
    assert (replay.message_id, replay.body, replay.replay_of_id) == (original.message_id, original.body, original.pk)
    first, second = hook.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == original.message_id
    assert first.body == second.body
    assert Webhook(endpoint.secret).verify(second.body, second.headers)["data"] == {"hello": "world"}
    assert AuditEvent.objects.filter(organization=org, action="webhook_delivery.replayed").count() == 1


def test_a_duplicate_idempotency_key_creates_nothing(org, enqueued, django_capture_on_commit_callbacks):
    endpoint = WebhookEndpointFactory(organization=org)

    first = enqueue(endpoint, django_capture_on_commit_callbacks, key="same")
    second = enqueue(endpoint, django_capture_on_commit_callbacks, key="same")

    assert first is not None
    assert second is None
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 1
    assert len(enqueued.messages(DELIVER)) == 1


def test_the_guard_refuses_loopback_at_send_without_the_allow_list(
    settings, org, enqueued, django_capture_on_commit_callbacks
):
    settings.OUTBOUND_ALLOW = []
    with receiver(200) as hook:
        endpoint = WebhookEndpointFactory(organization=org, url=hook.url)  # saved around the action's check
        row = enqueue(endpoint, django_capture_on_commit_callbacks)
        assert deliver_all(enqueued, django_capture_on_commit_callbacks) == ["failed"]

    assert hook.requests == []
    row.refresh_from_db()
    assert row.error == "refused: 127.0.0.1 is not a public address"
    assert row.attempts == 1


def test_the_sweeper_redrives_lost_messages_and_dead_workers(org, enqueued, django_capture_on_commit_callbacks):
    endpoint = WebhookEndpointFactory(organization=org)
    now = timezone.now()
    lost = WebhookDeliveryFactory(endpoint=endpoint, organization=org, next_attempt_at=now - timedelta(minutes=5))
    fresh = WebhookDeliveryFactory(endpoint=endpoint, organization=org, next_attempt_at=now - timedelta(seconds=10))
    later = WebhookDeliveryFactory(endpoint=endpoint, organization=org, next_attempt_at=now + timedelta(hours=1))
    stuck = WebhookDeliveryFactory(
        endpoint=endpoint, organization=org, status="sending", attempts=2, claimed_at=now - timedelta(minutes=10)
    )
    busy = WebhookDeliveryFactory(
        endpoint=endpoint, organization=org, status="sending", attempts=1, claimed_at=now - timedelta(seconds=30)
    )
    lost_token = lost.task_token

    with django_capture_on_commit_callbacks(execute=True):
        assert delivery.deliveries_sweep(now=now) == 2

    lost.refresh_from_db()
    assert lost.task_token != lost_token
    assert lost.status == "pending"
    stuck.refresh_from_db()
    assert (stuck.status, stuck.error) == ("pending", delivery.UNFINISHED)
    assert stuck.next_attempt_at == now + timedelta(seconds=300)  # after failed attempt 2: 5 minutes
    assert list(WebhookAttempt.objects.filter(delivery=stuck).values_list("number", "error")) == [
        (2, delivery.UNFINISHED)
    ]
    for untouched in (fresh, later, busy):
        before = untouched.status
        untouched.refresh_from_db()
        assert untouched.status == before
    assert sorted(pk for pk, _ in enqueued.messages(DELIVER)) == sorted([lost.pk, stuck.pk])


def test_a_delivery_of_a_disabled_endpoint_fails_when_claimed(org, enqueued, django_capture_on_commit_callbacks):
    endpoint = WebhookEndpointFactory(organization=org)
    row = enqueue(endpoint, django_capture_on_commit_callbacks)
    WebhookEndpointFactory._meta.model.objects.filter(pk=endpoint.pk).update(is_enabled=False)

    assert deliver_all(enqueued, django_capture_on_commit_callbacks) == ["skipped"]

    row.refresh_from_db()
    assert (row.status, row.error, row.attempts) == (DeliveryStatus.FAILED, "Not sent: the endpoint is disabled.", 0)

"""API: contact methods and rules (admin tokens, for any member), the delivery log (any token), retry."""

import pytest

from notifications.models import ContactKind, ContactMethod, Notification, NotificationRule, NotificationStatus
from orgs.models import MembershipRole
from tests.notifications.helpers import sent_code

pytestmark = pytest.mark.django_db


def notify(member, base, **kwargs):
    from notifications import actions

    return actions.user_notify(
        organization=member.organization,
        user=member.user,
        reason="page",
        idempotency_base=base,
        subject=kwargs.pop("subject", "Acme ledger down"),
        message="",
        **kwargs,
    )


def test_admin_token_adds_a_webhook_for_a_member_and_gets_its_secret_once(api_client, owner, enqueued):
    response = api_client.post(
        "/api/v1/contact-methods/",
        {"user": "owner@acme.test", "kind": "webhook", "address": "https://hooks.acme.test/x", "label": "Pager"},
        format="json",
    )

    method = ContactMethod.objects.get()
    body = response.json()
    assert response.status_code == 201
    assert body == {
        "id": str(method.uuid),
        "user": body["user"],
        "kind": "webhook",
        "address": "https://hooks.acme.test/x",
        "label": "Pager",
        "is_verified": False,
        "verified_at": None,
        "verification_sent_at": method.verification_sent_at.isoformat().replace("+00:00", "Z"),
        "secret": method.secret,
    }
    assert body["user"]["email"] == "owner@acme.test"
    assert "secret" not in api_client.get(f"/api/v1/contact-methods/{method.uuid}/").json()
    assert list(Notification.objects.values_list("reason", flat=True)) == ["verification"]


def test_verify_with_the_code_then_add_a_rule(api_client, owner):
    api_client.post(
        "/api/v1/contact-methods/",
        {"user": str(owner.user.uuid), "kind": "chat", "address": "https://chat.acme.test/h"},
        format="json",
    )
    method = ContactMethod.objects.get()
    code = sent_code(method)

    verified = api_client.post(f"/api/v1/contact-methods/{method.uuid}/verify/", {"code": code}, format="json")
    rule = api_client.post(
        "/api/v1/notification-rules/", {"contact_method": str(method.uuid), "delay_minutes": 5}, format="json"
    )

    assert verified.status_code == 200
    assert verified.json()["is_verified"] is True
    assert rule.status_code == 201
    assert (rule.json()["delay_minutes"], rule.json()["contact_method"]["id"]) == (5, str(method.uuid))
    assert sorted(NotificationRule.objects.values_list("delay_minutes", flat=True)) == [0, 5]


def test_bad_input_is_a_400_with_the_field_and_nothing_saved(api_client, owner, other_member, enqueued):
    outsider = api_client.post(
        "/api/v1/contact-methods/",
        {"user": "owner@globex.test", "kind": "email", "address": "x@globex.test"},
        format="json",
    )
    sms = api_client.post(
        "/api/v1/contact-methods/",
        {"user": "owner@acme.test", "kind": "sms", "address": "+447700900123"},
        format="json",
    )

    assert outsider.status_code == 400
    assert outsider.json()["error"]["fields"] == {"user": ["No member of this organization matches."]}
    assert sms.status_code == 400
    assert sms.json()["error"]["fields"] == {"kind": ["SMS is not configured on this server."]}
    assert ContactMethod.objects.count() == 0
    assert enqueued.calls == []


def test_a_wrong_code_is_a_400_on_code(api_client, owner, make_method):
    method = make_method(owner, ContactKind.CHAT, verified=False, verification_code_hash="x" * 64)
    from django.utils import timezone

    ContactMethod.objects.filter(pk=method.pk).update(verification_sent_at=timezone.now())

    response = api_client.post(f"/api/v1/contact-methods/{method.uuid}/verify/", {"code": "123456"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"code": ["That code is not right. 4 tries left."]}


def test_a_rule_on_an_unverified_or_foreign_method_is_a_400(api_client, owner, other_member, make_method):
    unverified = make_method(owner, ContactKind.CHAT, verified=False)
    foreign = make_method(other_member)

    answers = [
        api_client.post(
            "/api/v1/notification-rules/", {"contact_method": str(m.uuid), "delay_minutes": 0}, format="json"
        ).json()["error"]["fields"]
        for m in (unverified, foreign)
    ]

    assert answers == [
        {"contact_method": ["Verify this contact method before adding a rule for it."]},
        {"contact_method": ["No contact method of this organization has this id."]},
    ]
    assert NotificationRule.objects.count() == 0


@pytest.mark.parametrize("role", ["viewer", "responder"])
def test_contact_methods_and_rules_need_an_admin_token(api_client_for, org, owner, make_method, role):
    client = api_client_for(org, role)
    method = make_method(owner)

    answers = [
        client.get("/api/v1/contact-methods/").status_code,
        client.post(
            "/api/v1/contact-methods/", {"user": "owner@acme.test", "kind": "email", "address": "a@acme.test"}
        ).status_code,
        client.delete(f"/api/v1/contact-methods/{method.uuid}/").status_code,
        client.get("/api/v1/notification-rules/").status_code,
    ]

    assert answers == [403, 403, 403, 403]
    assert ContactMethod.objects.count() == 1


def test_delete_method_and_rule(api_client, owner, make_method, make_rule):
    method = make_method(owner)
    other = make_method(owner, ContactKind.CHAT)
    rule = make_rule(other, 3)

    deleted_rule = api_client.delete(f"/api/v1/notification-rules/{rule.uuid}/")
    deleted_method = api_client.delete(f"/api/v1/contact-methods/{method.uuid}/")

    assert (deleted_rule.status_code, deleted_method.status_code) == (204, 204)
    assert list(ContactMethod.objects.values_list("pk", flat=True)) == [other.pk]
    assert NotificationRule.objects.count() == 0


def test_lists_filter_by_user(api_client, owner, make_member, make_method):
    colleague = make_member(owner.organization, MembershipRole.RESPONDER, email="colleague@acme.test")
    make_method(owner)
    theirs = make_method(colleague)

    response = api_client.get("/api/v1/contact-methods/?user=colleague@acme.test")
    bad = api_client.get("/api/v1/contact-methods/?user=nobody@acme.test")

    assert [m["id"] for m in response.json()["results"]] == [str(theirs.uuid)]
    assert bad.status_code == 400


def test_the_delivery_log_filters_by_user_status_and_incident(api_client_for, org, owner, make_member):
    viewer = api_client_for(org, "viewer")
    colleague = make_member(org, MembershipRole.RESPONDER, email="colleague@acme.test")
    [mine] = notify(owner, "a", subject="Mine")
    [theirs] = notify(colleague, "b", subject="Theirs")
    Notification.objects.filter(pk=theirs.pk).update(status=NotificationStatus.FAILED, last_error="HTTP 400")

    everything = viewer.get("/api/v1/notifications/").json()["results"]
    by_user = viewer.get("/api/v1/notifications/?user=owner@acme.test").json()["results"]
    failed = viewer.get("/api/v1/notifications/?status=failed").json()["results"]
    by_incident = viewer.get("/api/v1/notifications/?incident=42").json()["results"]
    one = viewer.get(f"/api/v1/notifications/{mine.uuid}/").json()

    assert sorted(n["subject"] for n in everything) == ["Mine", "Theirs"]
    assert [n["id"] for n in by_user] == [str(mine.uuid)]
    assert [(n["id"], n["last_error"]) for n in failed] == [(str(theirs.uuid), "HTTP 400")]
    assert by_incident == []
    assert (one["status"], one["channel"], one["address"], one["attempts"]) == (
        "pending",
        "email",
        "owner@acme.test",
        0,
    )


def test_retry_needs_a_responder_and_a_failed_row(
    api_client_for, org, owner, django_capture_on_commit_callbacks, enqueued
):
    [failed] = notify(owner, "a")
    [pending] = notify(owner, "b", subject="other")
    Notification.objects.filter(pk=failed.pk).update(status=NotificationStatus.FAILED, attempts=6)
    enqueued.calls.clear()

    as_viewer = api_client_for(org, "viewer").post(f"/api/v1/notifications/{failed.uuid}/retry/")
    responder = api_client_for(org, "responder")
    not_failed = responder.post(f"/api/v1/notifications/{pending.uuid}/retry/")
    with django_capture_on_commit_callbacks(execute=True):
        retried = responder.post(f"/api/v1/notifications/{failed.uuid}/retry/")

    failed.refresh_from_db()
    assert as_viewer.status_code == 403
    assert not_failed.status_code == 400
    assert not_failed.json()["error"]["message"] == "Only failed deliveries can be retried."
    assert retried.status_code == 202
    assert (failed.status, failed.attempts) == ("pending", 0)
    assert enqueued.calls == [("notifications.tasks.notification_deliver", (failed.pk, str(failed.task_token)), {})]


def test_another_orgs_token_gets_404_for_every_object(api_client_for, other_org, owner, make_method, make_rule):
    client = api_client_for(other_org, "admin")
    method = make_method(owner)
    rule = make_rule(method)
    [row] = notify(owner, "a")

    answers = [
        client.get(f"/api/v1/contact-methods/{method.uuid}/").status_code,
        client.post(f"/api/v1/contact-methods/{method.uuid}/test/").status_code,
        client.delete(f"/api/v1/contact-methods/{method.uuid}/").status_code,
        client.get(f"/api/v1/notification-rules/{rule.uuid}/").status_code,
        client.get(f"/api/v1/notifications/{row.uuid}/").status_code,
        client.post(f"/api/v1/notifications/{row.uuid}/retry/").status_code,
    ]

    assert answers == [404, 404, 404, 404, 404, 404]
    assert client.get("/api/v1/notifications/").json()["results"] == []
    assert ContactMethod.objects.count() == 1

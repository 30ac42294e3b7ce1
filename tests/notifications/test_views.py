"""Pages: My notifications, notification settings (methods, verification, tests, rules), the email link."""

from urllib.parse import urlparse

import pytest
from django.contrib.messages import get_messages

from notifications import actions
from notifications.models import ContactKind, ContactMethod, Notification, NotificationRule, NotificationStatus
from orgs.models import MembershipRole
from orgs.tenancy import Actor
from tests.notifications.helpers import sent_code, sent_verification

pytestmark = pytest.mark.django_db

SETTINGS = "/o/acme/notifications/settings/"


def flashed(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request)]


def page_for(member, base="esc:1", **kwargs):
    return actions.user_notify(
        organization=member.organization,
        user=member.user,
        reason=kwargs.pop("reason", "page"),
        idempotency_base=base,
        subject=kwargs.pop("subject", "Acme ledger down"),
        message="",
        **kwargs,
    )


# --- my notifications ---------------------------------------------------------------------------------------


def test_my_notifications_lists_my_deliveries_newest_first_with_status(owner, make_member, member_client):
    colleague = make_member(owner.organization, MembershipRole.RESPONDER)
    page_for(owner, "a", subject="First page")
    [failed] = page_for(owner, "b", subject="Second page")
    Notification.objects.filter(pk=failed.pk).update(status=NotificationStatus.FAILED, last_error="HTTP 410: gone")
    page_for(colleague, "c", subject="Colleague page")

    response = member_client.get("/o/acme/notifications/")

    content = response.content.decode()
    assert response.status_code == 200
    assert [n.subject for n in response.context["page"]] == ["Second page", "First page"]
    assert "Colleague page" not in content
    assert "HTTP 410: gone" in content
    assert "1 delivery to you failed." in content


def test_my_notifications_filters_by_status(owner, member_client):
    page_for(owner, "a", subject="Pending page")
    [sent] = page_for(owner, "b", subject="Sent page")
    Notification.objects.filter(pk=sent.pk).update(status=NotificationStatus.SENT)

    response = member_client.get("/o/acme/notifications/?status=sent")

    assert [n.subject for n in response.context["page"]] == ["Sent page"]


def test_my_notifications_empty_state_points_to_settings(member_client):
    response = member_client.get("/o/acme/notifications/")

    assert "Nothing has been sent to you yet" in response.content.decode()
    assert 'href="/o/acme/notifications/settings/"' in response.content.decode()


def test_retrying_my_failed_delivery_sends_it_again(owner, member_client, django_capture_on_commit_callbacks, enqueued):
    [row] = page_for(owner)
    Notification.objects.filter(pk=row.pk).update(status=NotificationStatus.FAILED, attempts=6)
    enqueued.calls.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(f"/o/acme/notifications/{row.uuid}/retry/")

    row.refresh_from_db()
    assert response.status_code == 302
    assert (row.status, row.attempts) == ("pending", 0)
    assert enqueued.calls == [("notifications.tasks.notification_deliver", (row.pk, str(row.task_token)), {})]


def test_someone_elses_delivery_cannot_be_retried(owner, make_member, client_for, enqueued):
    colleague = make_member(owner.organization, MembershipRole.RESPONDER)
    [row] = page_for(owner)
    Notification.objects.filter(pk=row.pk).update(status=NotificationStatus.FAILED)
    enqueued.calls.clear()

    response = client_for(colleague).post(f"/o/acme/notifications/{row.uuid}/retry/")

    assert response.status_code == 404
    assert Notification.objects.get().status == "failed"
    assert enqueued.calls == []


# --- settings -------------------------------------------------------------------------------------------------


def test_settings_warn_that_pages_go_to_the_account_email_until_something_is_verified(member_client):
    response = member_client.get(SETTINGS)

    content = response.content.decode()
    assert response.status_code == 200
    assert "Pages go to your account email only." in content
    assert "owner@acme.test" in content


def test_adding_a_chat_method_sends_a_code_that_verifies_it(member_client, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = member_client.post(
            f"{SETTINGS}methods/new/", {"kind": "chat", "address": "https://chat.acme.test/h/1", "label": "Ops"}
        )
    method = ContactMethod.objects.get()
    code = sent_code(method)

    verified = member_client.post(f"{SETTINGS}methods/{method.uuid}/verify/", {"code": code})

    method.refresh_from_db()
    assert created.status_code == 302
    assert flashed(created) == ["We sent a 6-digit code to https://chat.acme.test/h/1. Type it below to verify."]
    assert verified.status_code == 302
    assert method.is_verified is True
    assert list(NotificationRule.objects.values_list("delay_minutes", flat=True)) == [0]


def test_a_wrong_code_is_a_400_on_the_settings_page(member_client, owner):
    method, _ = actions.contact_method_create(
        organization=owner.organization,
        user=owner.user,
        kind="webhook",
        address="https://h.acme.test/x",
        actor=Actor(user=owner.user),
    )
    code = sent_code(method)
    wrong = "000000" if code != "000000" else "111111"

    response = member_client.post(f"{SETTINGS}methods/{method.uuid}/verify/", {"code": wrong})

    method.refresh_from_db()
    assert response.status_code == 400
    assert "That code is not right. 4 tries left." in response.content.decode()
    assert (method.is_verified, method.verification_attempts) == (False, 1)


def test_a_webhook_shows_its_signing_secret_once(member_client):
    posted = member_client.post(f"{SETTINGS}methods/new/", {"kind": "webhook", "address": "https://h.acme.test/x"})
    response = member_client.get(posted["Location"])
    refreshed = member_client.get(posted["Location"])

    method = ContactMethod.objects.get()
    assert (posted.status_code, posted["Location"]) == (303, f"{SETTINGS}methods/{method.uuid}/secret/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"].split(", ")
    assert method.secret in response.content.decode()
    assert refreshed.status_code == 200
    assert method.secret not in refreshed.content.decode()
    assert "The signing secret was already shown." in refreshed.content.decode()
    assert method.secret not in member_client.get(SETTINGS).content.decode()
    assert ContactMethod.objects.count() == 1


def test_an_invalid_method_is_a_400_and_nothing_is_saved(member_client, enqueued):
    response = member_client.post(f"{SETTINGS}methods/new/", {"kind": "sms", "address": "+447700900123"})

    assert response.status_code == 400
    assert "SMS is not configured on this server." in response.content.decode()
    assert ContactMethod.objects.count() == 0
    assert enqueued.calls == []


def test_the_email_link_lands_on_a_confirm_page_and_verifies_on_post(member_client, owner):
    method, _ = actions.contact_method_create(
        organization=owner.organization, user=owner.user, kind="email", address="pager@acme.test", actor=Actor.system()
    )
    link = urlparse(sent_verification(method)["link"])
    token = link.query.removeprefix("token=")

    landing = member_client.get(f"{link.path}?{link.query}")
    confirmed = member_client.post(link.path, {"token": token})

    method.refresh_from_db()
    assert landing.status_code == 200
    assert "Confirm pager@acme.test" in landing.content.decode()
    assert ContactMethod.objects.get().verified_at is not None
    assert confirmed.status_code == 302
    assert method.is_verified is True


def test_the_email_link_of_someone_else_does_not_verify(owner, make_member, client_for):
    colleague = make_member(owner.organization, MembershipRole.RESPONDER, email="colleague@acme.test")
    method, _ = actions.contact_method_create(
        organization=owner.organization, user=owner.user, kind="email", address="pager@acme.test", actor=Actor.system()
    )
    link = urlparse(sent_verification(method)["link"])

    response = client_for(colleague).post(link.path, {"token": link.query.removeprefix("token=")})

    assert response.status_code == 400
    assert "This link is for owner@acme.test." in response.content.decode()
    assert ContactMethod.objects.get().verified_at is None


def test_send_test_and_add_rule_and_delete_with_confirmation(
    member_client, owner, make_method, django_capture_on_commit_callbacks
):
    email = make_method(owner)
    sms_like = make_method(owner, ContactKind.CHAT)

    with django_capture_on_commit_callbacks(execute=True):
        tested = member_client.post(f"{SETTINGS}methods/{email.uuid}/test/")
    added = member_client.post(f"{SETTINGS}rules/new/", {"contact_method": str(sms_like.uuid), "delay_minutes": "5"})
    rule = NotificationRule.objects.get()
    confirm = member_client.get(f"{SETTINGS}rules/{rule.uuid}/delete/")
    removed = member_client.post(f"{SETTINGS}rules/{rule.uuid}/delete/")
    confirm_method = member_client.get(f"{SETTINGS}methods/{email.uuid}/delete/")
    removed_method = member_client.post(f"{SETTINGS}methods/{email.uuid}/delete/")

    assert tested.status_code == 302
    assert list(Notification.objects.values_list("reason", "channel")) == [("test", "email")]
    assert added.status_code == 302
    assert (rule.contact_method, rule.delay_minutes) == (sms_like, 5)
    assert confirm.status_code == 200
    assert "Remove rule" in confirm.content.decode()
    assert removed.status_code == 302
    assert NotificationRule.objects.count() == 0
    assert "Remove contact method" in confirm_method.content.decode()
    assert removed_method.status_code == 302
    assert list(ContactMethod.objects.values_list("pk", flat=True)) == [sms_like.pk]


def test_a_rule_on_someone_elses_method_is_a_400(member_client, owner, make_member, make_method):
    colleague = make_member(owner.organization, MembershipRole.RESPONDER)
    theirs = make_method(colleague)
    make_method(owner)

    response = member_client.post(f"{SETTINGS}rules/new/", {"contact_method": str(theirs.uuid), "delay_minutes": "0"})

    assert response.status_code == 400
    assert NotificationRule.objects.count() == 0


def test_someone_elses_method_is_404_on_every_settings_page(owner, make_member, client_for, make_method):
    colleague = make_member(owner.organization, MembershipRole.RESPONDER)
    method = make_method(owner)
    client = client_for(colleague)

    answers = [
        client.get(f"{SETTINGS}methods/{method.uuid}/delete/").status_code,
        client.post(f"{SETTINGS}methods/{method.uuid}/delete/").status_code,
        client.post(f"{SETTINGS}methods/{method.uuid}/test/").status_code,
        client.post(f"{SETTINGS}methods/{method.uuid}/send-verification/").status_code,
        client.post(f"{SETTINGS}methods/{method.uuid}/verify/", {"code": "123456"}).status_code,
    ]

    assert answers == [404, 404, 404, 404, 404]
    assert ContactMethod.objects.filter(pk=method.pk).exists() is True


def test_a_viewer_manages_their_own_contact_methods(org, make_member, client_for):
    viewer = make_member(org, MembershipRole.VIEWER, email="viewer@acme.test")

    response = client_for(viewer).post(f"{SETTINGS}methods/new/", {"kind": "email", "address": "viewer@acme.test"})

    assert response.status_code == 302
    assert list(ContactMethod.objects.values_list("user__email", flat=True)) == ["viewer@acme.test"]


def test_pages_of_another_org_are_404(other_member, client_for, owner, make_method):
    method = make_method(owner)
    client = client_for(other_member)

    answers = [
        client.get("/o/acme/notifications/").status_code,
        client.get(SETTINGS).status_code,
        client.post(f"{SETTINGS}methods/new/", {"kind": "email", "address": "x@globex.test"}).status_code,
        client.get(f"/o/globex/notifications/settings/methods/{method.uuid}/delete/").status_code,
    ]

    assert answers == [404, 404, 404, 404]
    assert ContactMethod.objects.count() == 1


def test_the_delivery_log_partial_lists_deliveries(owner):
    from django.template.loader import render_to_string

    [row] = page_for(owner)
    Notification.objects.filter(pk=row.pk).update(status=NotificationStatus.FAILED, attempts=6, last_error="HTTP 404")

    html = render_to_string(
        "notifications/partials/_delivery_log.html", {"notifications": list(Notification.objects.all())}
    )
    empty = render_to_string("notifications/partials/_delivery_log.html", {"notifications": []})

    assert f'id="delivery-{row.uuid}"' in html
    assert '<span class="badge badge-danger">Failed</span>' in html
    assert "HTTP 404" in html
    assert "No one has been notified yet." in empty

"""A verification's code or link reaches only the address being verified (issue 15 §2): the delivery log (its
row, My notifications, GET /api/v1/notifications/) keeps a redacted subject, message and link; the real ones are
kept encrypted in the row until the delivery is final, survive a re-drive by the sweeper, and are then wiped."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from notifications import actions, channels
from notifications.models import ContactKind, ContactMethod, Notification, NotificationStatus
from orgs.models import MembershipRole
from orgs.tenancy import Actor
from tests.notifications.helpers import sent_code, sent_verification

pytestmark = pytest.mark.django_db

CODE = re.compile(r"\b\d{6}\b")


@pytest.fixture
def outbound(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every message handed to a channel (the fields the channel reads), instead of sending it."""
    sent: list[dict[str, Any]] = []

    def deliver(notification: Notification, *, secret: str = "") -> None:
        sent.append(
            {
                "address": notification.address,
                "subject": notification.subject,
                "message": notification.message,
                "link": notification.link,
                "webhook": channels.webhook_body(notification),
                "text": channels.plain_text(notification),
            }
        )

    monkeypatch.setattr(channels, "deliver", deliver)
    return sent


def add(member: Any, kind: str, address: str) -> ContactMethod:
    method, _ = actions.contact_method_create(
        organization=member.organization, user=member.user, kind=kind, address=address, actor=Actor(user=member.user)
    )
    return method


def deliver(row: Notification) -> str:
    row.refresh_from_db()
    return actions.notification_deliver(notification_id=row.pk, token=str(row.task_token))


def raw_column(row: Notification, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM notifications_notification WHERE id = %s", [row.pk])
        return cursor.fetchone()[0]


@pytest.mark.parametrize("kind", [ContactKind.CHAT, ContactKind.WEBHOOK])
def test_the_code_is_only_in_the_message_sent_and_verifies(owner, outbound, kind):
    method = add(owner, kind, "https://hooks.acme.test/verify-me")
    row = Notification.objects.get(contact_method=method)
    code = sent_code(method)

    outcome = deliver(row)

    row.refresh_from_db()
    [message] = outbound
    assert outcome == "sent"
    assert (row.subject, row.link) == ("Firebreak verification code", "")
    assert row.message == "A 6-digit code (only in the message itself) to confirm that pages for Acme may be sent here."
    assert (message["address"], message["subject"]) == (
        "https://hooks.acme.test/verify-me",
        f"Firebreak verification code: {code}",
    )
    assert message["message"].startswith(f"Type {code} in Firebreak")
    assert message["webhook"]["subject"] == f"Firebreak verification code: {code}"
    assert code in message["text"]
    assert row.secret_content == ""  # wiped once sent
    assert raw_column(row, "secret_content") == ""
    actions.contact_method_verify_code(method=method, code=code, actor=Actor(user=owner.user))
    assert ContactMethod.objects.get(pk=method.pk).is_verified is True


def test_the_code_waits_encrypted_never_in_the_clear(owner):
    method = add(owner, ContactKind.CHAT, "https://chat.acme.test/hooks/x")
    row = Notification.objects.get(contact_method=method)
    code = sent_code(method)

    raw = {column: raw_column(row, column) for column in ("subject", "message", "link", "secret_content")}

    assert [column for column, value in raw.items() if code in value] == []
    assert CODE.search(raw["subject"] + raw["message"]) is None
    code_hash = ContactMethod.objects.get(pk=method.pk).verification_code_hash
    assert (len(code_hash), code in code_hash) == (64, False)  # a salted HMAC-SHA256, in hex


def test_an_email_link_is_only_in_the_email(owner):
    method = add(owner, ContactKind.EMAIL, "pager@acme.test")
    row = Notification.objects.get(contact_method=method)
    link = sent_verification(method)["link"]

    outcome = deliver(row)

    row.refresh_from_db()
    [email] = mail.outbox
    assert outcome == "sent"
    assert "/verify/?token=" in link
    assert link in email.body
    assert (row.link, row.secret_content) == ("", "")
    assert "token" not in row.subject + row.message
    assert row.subject == "Confirm your email for Firebreak pages from Acme"


def test_a_row_re_driven_by_the_sweeper_still_carries_the_code(owner, outbound, settings, enqueued, monkeypatch):
    # Given a verification whose task was lost
    monkeypatch.setattr(actions.delivery, "queue_backlog", lambda queue: 0)
    method = add(owner, ContactKind.CHAT, "https://chat.acme.test/hooks/lost")
    code = sent_code(method)
    past = timezone.now() - timedelta(seconds=60)
    Notification.objects.filter(contact_method=method).update(due_at=past, updated_at=past)

    # When the sweeper re-drives it and the re-sent task runs
    assert actions.notifications_sweep() == 1
    outcome = deliver(Notification.objects.get(contact_method=method))

    # Then the message still carries the code
    assert outcome == "sent"
    assert [m["subject"] for m in outbound] == [f"Firebreak verification code: {code}"]


def test_a_failed_verification_is_wiped_and_not_retried(owner, monkeypatch):
    def refuse(notification: Notification, *, secret: str = "") -> None:
        raise channels.DeliveryError("HTTP 404", retryable=False)

    monkeypatch.setattr(channels, "deliver", refuse)
    method = add(owner, ContactKind.CHAT, "https://chat.acme.test/hooks/gone")
    row = Notification.objects.get(contact_method=method)

    outcome = deliver(row)
    with pytest.raises(ValidationError) as refused:
        actions.notification_retry(notification=row, actor=Actor(user=owner.user))

    row.refresh_from_db()
    assert outcome == "failed"
    assert (row.status, row.secret_content, raw_column(row, "secret_content")) == ("failed", "", "")
    assert refused.value.messages == ["A verification is not retried: send a new one from the contact method."]


def test_a_new_code_cancels_the_waiting_one_and_wipes_its_code(owner):
    method = add(owner, ContactKind.CHAT, "https://chat.acme.test/hooks/again")
    first = Notification.objects.get(contact_method=method)

    actions.contact_method_verification_send(
        method=method, actor=Actor(user=owner.user), now=timezone.now() + timedelta(minutes=1)
    )

    first.refresh_from_db()
    assert (first.status, first.secret_content) == (NotificationStatus.CANCELED, "")
    assert Notification.objects.filter(contact_method=method, status="pending").count() == 1


def test_verifying_cancels_a_verification_still_waiting(owner):
    method = add(owner, ContactKind.CHAT, "https://chat.acme.test/hooks/quick")

    actions.contact_method_verify_code(method=method, code=sent_code(method), actor=Actor(user=owner.user))

    row = Notification.objects.get(contact_method=method)
    assert (row.status, row.secret_content) == (NotificationStatus.CANCELED, "")


def test_neither_the_log_page_nor_any_token_shows_the_code(owner, make_member, client_for, api_client_for):
    # Given a viewer who adds a chat method (someone else's chat, say) and a viewer token of the org
    viewer = make_member(owner.organization, MembershipRole.VIEWER, email="viewer@acme.test")
    method = add(viewer, ContactKind.CHAT, "https://chat.victim.test/hooks/1")
    code = sent_code(method)
    token = api_client_for(owner.organization, "viewer")

    # When they read My notifications and the delivery log of the API
    page = client_for(viewer).get(f"/o/{owner.organization.slug}/notifications/")
    listed = token.get("/api/v1/notifications/")
    one = token.get(f"/api/v1/notifications/{Notification.objects.get(contact_method=method).uuid}/")

    # Then the delivery is there, redacted: the code is nowhere
    assert (page.status_code, listed.status_code, one.status_code) == (200, 200, 200)
    assert "Firebreak verification code" in page.content.decode()
    assert [n["subject"] for n in listed.json()["results"]] == ["Firebreak verification code"]
    assert [code in r.content.decode() for r in (page, listed, one)] == [False, False, False]
    assert "secret_content" not in one.json()

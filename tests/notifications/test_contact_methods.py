"""Contact methods: address checks, verification by link (email) and by code (the others), default rules,
test messages, and rules."""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from notifications import actions
from notifications.models import ContactKind, ContactMethod, Notification, NotificationRule
from orgs.models import MembershipRole
from orgs.tenancy import Actor
from tests.notifications.helpers import sent_code, sent_verification

pytestmark = pytest.mark.django_db


def create(member, kind, address, **kwargs):
    return actions.contact_method_create(
        organization=member.organization,
        user=member.user,
        kind=kind,
        address=address,
        actor=Actor(user=member.user),
        **kwargs,
    )


def link_token(method: ContactMethod) -> str:
    return parse_qs(urlparse(sent_verification(method)["link"]).query)["token"][0]


@pytest.mark.parametrize(
    ("kind", "address", "stored"),
    [
        ("email", " Owner@Acme.TEST ", "owner@acme.test"),
        ("webhook", "https://hooks.acme.test/x", "https://hooks.acme.test/x"),
        ("chat", "http://chat.acme.test/hooks/1", "http://chat.acme.test/hooks/1"),
    ],
)
def test_create_stores_the_normalised_address_and_sends_a_verification(
    owner, django_capture_on_commit_callbacks, enqueued, kind, address, stored
):
    with django_capture_on_commit_callbacks(execute=True):
        method, secret = create(owner, kind, address)

    [verification] = Notification.objects.all()
    assert (method.address, method.is_verified) == (stored, False)
    assert (verification.reason, verification.channel, verification.address, verification.status) == (
        "verification",
        kind,
        stored,
        "pending",
    )
    assert len(secret) == (64 if kind == "webhook" else 0)
    assert method.secret == secret
    assert enqueued.calls == [
        ("notifications.tasks.notification_deliver", (verification.pk, str(verification.task_token)), {})
    ]


@pytest.mark.parametrize(
    ("kind", "address", "error"),
    [
        ("email", "not-an-email", {"address": ["Enter a valid email address."]}),
        ("webhook", "ftp://hooks.acme.test/x", {"address": ["Enter a full http:// or https:// URL."]}),
        ("chat", "", {"address": ["Enter where to reach you."]}),
        ("pigeon", "x", {"kind": ["Choose one of email, webhook, chat, sms, voice."]}),
        ("sms", "+447700900123", {"kind": ["SMS is not configured on this server."]}),
        ("voice", "+447700900123", {"kind": ["Voice call is not configured on this server."]}),
    ],
)
def test_create_refuses_unusable_addresses_and_unconfigured_channels(owner, enqueued, kind, address, error):
    with pytest.raises(ValidationError) as caught:
        create(owner, kind, address)

    assert caught.value.message_dict == error
    assert ContactMethod.objects.count() == 0
    assert Notification.objects.count() == 0


def test_phone_numbers_must_be_international_once_twilio_is_configured(owner, twilio):
    method, _ = create(owner, "sms", "+44 7700-900 123")

    with pytest.raises(ValidationError) as caught:
        create(owner, "voice", "07700900123")

    assert method.address == "+447700900123"
    assert caught.value.message_dict == {
        "address": ["Enter the number in international format: +[1-9] followed by 6 to 14 digits, e.g. +447700900123."]
    }


def test_create_refuses_a_duplicate_and_a_non_member(owner, other_member):
    create(owner, "email", "pager@acme.test")

    with pytest.raises(ValidationError) as duplicate:
        create(owner, "email", "PAGER@acme.test")
    with pytest.raises(ValidationError) as outsider:
        actions.contact_method_create(
            organization=owner.organization,
            user=other_member.user,
            kind="email",
            address="x@globex.test",
            actor=Actor.system(),
        )

    assert duplicate.value.message_dict == {"address": ["Email pager@acme.test is already one of the methods."]}
    assert outsider.value.message_dict == {"user": ["Choose a member of this organization."]}
    assert ContactMethod.objects.count() == 1


def test_the_right_code_verifies_and_the_first_verified_method_gets_an_immediate_rule(owner):
    method, _ = create(owner, "chat", "https://chat.acme.test/hooks/1")
    code = sent_code(method)

    verified = actions.contact_method_verify_code(method=method, code=code, actor=Actor(user=owner.user))

    assert verified.is_verified is True
    assert verified.verification_code_hash == ""
    assert list(NotificationRule.objects.values_list("contact_method_id", "delay_minutes")) == [(method.pk, 0)]


def test_a_second_verified_method_gets_no_rule_of_its_own(owner, make_method, make_rule):
    make_rule(make_method(owner), 0)
    method, _ = create(owner, "chat", "https://chat.acme.test/hooks/1")

    actions.contact_method_verify_code(method=method, code=sent_code(method), actor=Actor.system())

    assert NotificationRule.objects.filter(contact_method=method).exists() is False


def test_wrong_codes_count_and_lock_out_after_five(owner):
    method, _ = create(owner, "webhook", "https://hooks.acme.test/x")
    code = sent_code(method)
    wrong = "000000" if code != "000000" else "111111"

    errors = []
    for _ in range(5):
        with pytest.raises(ValidationError) as caught:
            actions.contact_method_verify_code(method=method, code=wrong, actor=Actor.system())
        errors.append(caught.value.message_dict["code"][0])
    with pytest.raises(ValidationError) as locked:
        actions.contact_method_verify_code(method=method, code=code, actor=Actor.system())

    assert errors == [
        "That code is not right. 4 tries left.",
        "That code is not right. 3 tries left.",
        "That code is not right. 2 tries left.",
        "That code is not right. 1 try left.",
        "That code is not right. Too many wrong codes: send a new one.",
    ]
    assert locked.value.message_dict == {"code": ["Too many wrong codes. Send a new one."]}
    method.refresh_from_db()
    assert (method.verification_attempts, method.is_verified) == (5, False)


def test_a_code_expires_and_a_new_send_replaces_it(owner):
    method, _ = create(owner, "webhook", "https://hooks.acme.test/x")
    old = sent_code(method)
    later = timezone.now() + timedelta(minutes=16)

    with pytest.raises(ValidationError) as expired:
        actions.contact_method_verify_code(method=method, code=old, actor=Actor.system(), now=later)
    actions.contact_method_verification_send(method=method, actor=Actor.system(), now=later)
    new = sent_code(method)
    actions.contact_method_verify_code(method=method, code=new, actor=Actor.system(), now=later)

    assert expired.value.message_dict == {"code": ["This code has expired. Send a new one."]}
    method.refresh_from_db()
    assert method.is_verified is True


def test_resending_within_thirty_seconds_is_refused(owner):
    method, _ = create(owner, "email", "pager@acme.test")

    with pytest.raises(ValidationError) as caught:
        actions.contact_method_verification_send(method=method, actor=Actor.system())

    assert caught.value.messages[0].startswith("A verification was just sent. Wait ")
    assert Notification.objects.filter(reason="verification").count() == 1


def test_the_email_link_verifies_for_its_owner_only(owner, make_member):
    colleague = make_member(owner.organization, MembershipRole.RESPONDER, email="colleague@acme.test")
    method, _ = create(owner, "email", "pager@acme.test")
    token = link_token(method)

    with pytest.raises(ValidationError) as someone_else:
        actions.contact_method_verify_link(
            organization=owner.organization, token=token, user=colleague.user, actor=Actor(user=colleague.user)
        )
    verified = actions.contact_method_verify_link(
        organization=owner.organization, token=token, user=owner.user, actor=Actor(user=owner.user)
    )

    assert someone_else.value.messages == ["This link is for owner@acme.test. Sign in as that person to confirm it."]
    assert verified.is_verified is True
    assert NotificationRule.objects.filter(contact_method=method, delay_minutes=0).exists() is True


def test_only_the_latest_email_link_works_and_links_expire(owner):
    method, _ = create(owner, "email", "pager@acme.test")
    old = link_token(method)
    actions.contact_method_verification_send(
        method=method, actor=Actor.system(), now=timezone.now() + timedelta(minutes=1)
    )
    new = link_token(method)

    with pytest.raises(ValidationError) as superseded:
        actions.contact_method_verify_link(
            organization=owner.organization, token=old, user=owner.user, actor=Actor.system()
        )
    with pytest.raises(ValidationError) as tampered:
        actions.contact_method_verify_link(
            organization=owner.organization, token=new + "x", user=owner.user, actor=Actor.system()
        )

    assert superseded.value.messages == ["A newer verification link was sent. Use the latest one."]
    assert tampered.value.messages == ["This verification link is not valid."]
    method.refresh_from_db()
    assert method.is_verified is False


def test_an_email_link_is_refused_in_another_org(owner, other_member):
    method, _ = create(owner, "email", "pager@acme.test")

    with pytest.raises(ValidationError) as caught:
        actions.contact_method_verify_link(
            organization=other_member.organization, token=link_token(method), user=owner.user, actor=Actor.system()
        )

    assert caught.value.messages == ["This contact method no longer exists."]


def test_a_test_message_needs_a_verified_method(owner, make_method, django_capture_on_commit_callbacks, enqueued):
    unverified = make_method(owner, ContactKind.CHAT, verified=False)
    verified = make_method(owner)

    with pytest.raises(ValidationError) as refused:
        actions.contact_method_test_send(method=unverified, actor=Actor.system())
    with django_capture_on_commit_callbacks(execute=True):
        notification = actions.contact_method_test_send(method=verified, actor=Actor.system())

    assert refused.value.messages == ["Verify this contact method before sending a test."]
    assert (notification.reason, notification.channel, notification.address, notification.subject) == (
        "test",
        "email",
        "owner@acme.test",
        "Firebreak test message for Acme",
    )
    assert enqueued.names == ["notifications.tasks.notification_deliver"]


def test_rules_need_a_verified_method_of_the_same_person(owner, make_member, make_method, make_rule):
    colleague = make_member(owner.organization, MembershipRole.RESPONDER)
    mine = make_method(owner)
    unverified = make_method(owner, ContactKind.CHAT, verified=False)
    theirs = make_method(colleague)
    make_rule(mine, 0)

    def rule(method, delay, user=owner.user):
        with pytest.raises(ValidationError) as caught:
            actions.notification_rule_create(
                organization=owner.organization,
                user=user,
                contact_method=method,
                delay_minutes=delay,
                actor=Actor.system(),
            )
        return caught.value.message_dict

    assert rule(unverified, 0) == {"contact_method": ["Verify this contact method before adding a rule for it."]}
    assert rule(theirs, 0) == {"contact_method": ["Choose one of this person's contact methods."]}
    assert rule(mine, 0) == {"delay_minutes": ["That rule exists already."]}
    assert rule(mine, 1441) == {"delay_minutes": ["Enter a delay from 0 to 1440 minutes."]}
    assert NotificationRule.objects.count() == 1


def test_deleting_a_method_removes_its_rules_and_keeps_its_deliveries(owner, make_method, make_rule):
    method = make_method(owner)
    make_rule(method, 0)
    [delivery] = actions.user_notify(
        organization=owner.organization,
        user=owner.user,
        reason="page",
        idempotency_base="x",
        subject="s",
        message="m",
    )

    actions.contact_method_delete(method=method, actor=Actor.system())

    delivery.refresh_from_db()
    assert NotificationRule.objects.count() == 0
    assert (delivery.contact_method, delivery.address) == (None, "owner@acme.test")

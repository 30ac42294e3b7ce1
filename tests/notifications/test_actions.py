"""user_notify (rules, fallbacks, idempotency, enqueue on commit) and notifications_cancel."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications import actions
from notifications.models import ContactKind, Notification, NotificationStatus

pytestmark = pytest.mark.django_db


def notify(member, base="esc:1:step:0", **kwargs):
    return actions.user_notify(
        organization=member.organization,
        user=member.user,
        reason=kwargs.pop("reason", "page"),
        idempotency_base=base,
        subject="Ledger down",
        message="Disk full on ledger-db-1",
        link="https://firebreak.test/o/acme/alerts/x/",
        **kwargs,
    )


def test_rules_on_verified_methods_make_one_row_each_due_after_their_delay(
    owner, make_method, make_rule, settings, django_capture_on_commit_callbacks, enqueued
):
    # Given email immediately and SMS after 5 minutes, and an unverified chat method with a rule of its own
    settings.ESCALATION_MINUTE_SECONDS = 60
    email = make_method(owner)
    sms = make_method(owner, ContactKind.SMS)
    chat = make_method(owner, ContactKind.CHAT, verified=False)
    email_rule, sms_rule = make_rule(email, 0), make_rule(sms, 5)
    make_rule(chat, 0)
    now = timezone.now()

    # When the person is paged
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify(owner, now=now)

    # Then one row per verified rule, due at now and now + 5 min, each enqueued once with its token
    assert [(r.channel, r.address, r.due_at, r.status, r.idempotency_key) for r in rows] == [
        ("email", "owner@acme.test", now, "pending", f"esc:1:step:0:rule:{email_rule.uuid}"),
        ("sms", "+447700900123", now + timedelta(minutes=5), "pending", f"esc:1:step:0:rule:{sms_rule.uuid}"),
    ]
    assert enqueued.calls == [("notifications.tasks.notification_deliver", (r.pk, str(r.task_token)), {}) for r in rows]
    assert enqueued.options == [{"eta": now}, {"eta": now + timedelta(minutes=5)}]


def test_no_rules_pages_every_verified_method_immediately(owner, make_method, django_capture_on_commit_callbacks):
    email = make_method(owner)
    chat = make_method(owner, ContactKind.CHAT)
    make_method(owner, ContactKind.WEBHOOK, verified=False)
    now = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        rows = notify(owner, now=now)

    assert sorted((r.channel, r.idempotency_key, r.due_at) for r in rows) == [
        ("chat", f"esc:1:step:0:method:{chat.uuid}", now),
        ("email", f"esc:1:step:0:method:{email.uuid}", now),
    ]


def test_nothing_verified_falls_back_to_the_account_email(owner, make_method, django_capture_on_commit_callbacks):
    make_method(owner, ContactKind.CHAT, verified=False)

    with django_capture_on_commit_callbacks(execute=True):
        [row] = notify(owner, alert_group=None)

    assert (row.channel, row.address, row.contact_method, row.idempotency_key) == (
        "email",
        "owner@acme.test",
        None,
        "esc:1:step:0:account-email",
    )


def test_the_same_idempotency_base_twice_creates_and_enqueues_once(
    owner, make_method, django_capture_on_commit_callbacks, enqueued
):
    make_method(owner)

    with django_capture_on_commit_callbacks(execute=True):
        first = notify(owner)
    with django_capture_on_commit_callbacks(execute=True):
        second = notify(owner)

    assert [r.pk for r in second] == [r.pk for r in first]
    assert Notification.objects.count() == 1
    assert enqueued.names == ["notifications.tasks.notification_deliver"]


def test_nothing_is_enqueued_when_the_transaction_rolls_back(owner, make_method, enqueued):
    from django.db import transaction

    make_method(owner)

    def failing_step():
        with transaction.atomic():
            notify(owner)
            raise RuntimeError("the escalation step failed")

    with pytest.raises(RuntimeError):
        failing_step()

    assert Notification.objects.count() == 0
    assert enqueued.calls == []


def test_an_unknown_reason_is_refused(owner):
    with pytest.raises(ValueError, match="Unknown notification reason"):
        notify(owner, reason="gossip")

    assert Notification.objects.count() == 0


def test_cancel_stops_pending_and_retrying_pages_of_the_group_only(owner, make_method, org_alert_group):
    make_method(owner)
    make_method(owner, ContactKind.CHAT)
    pending, retrying = notify(owner, base="a", alert_group=org_alert_group)
    sent, unsent = notify(owner, base="b", alert_group=org_alert_group)
    handoff = notify(owner, base="c", alert_group=org_alert_group, reason="handoff")[0]
    elsewhere = notify(owner, base="d")[0]
    Notification.objects.filter(pk=retrying.pk).update(status=NotificationStatus.RETRYING)
    Notification.objects.filter(pk=sent.pk).update(status=NotificationStatus.SENT)

    count = actions.notifications_cancel(alert_group=org_alert_group)

    statuses = dict(Notification.objects.values_list("pk", "status"))
    assert count == 3
    assert [statuses[r.pk] for r in (pending, retrying, sent, unsent, handoff, elsewhere)] == [
        "canceled",
        "canceled",
        "sent",
        "canceled",
        "pending",
        "pending",
    ]


def test_cancel_with_nothing_named_cancels_nothing(owner, make_method):
    make_method(owner)
    notify(owner)

    assert actions.notifications_cancel() == 0
    assert list(Notification.objects.values_list("status", flat=True)) == ["pending"]


@pytest.fixture
def org_alert_group(org, owner):
    from alerting import actions as alerting_actions
    from alerting.events import InboundEvent
    from orgs.tenancy import Actor
    from services import actions as service_actions

    service = service_actions.service_create(organization=org, actor=Actor.system(), name="Ledger")
    integration, _ = alerting_actions.integration_create(
        organization=org, actor=Actor.system(), service=service, name="Prom", kind="alertmanager"
    )
    return alerting_actions.alert_ingest(
        integration=integration, event=InboundEvent(action="trigger", dedup_key="disk", summary="Disk full")
    ).group

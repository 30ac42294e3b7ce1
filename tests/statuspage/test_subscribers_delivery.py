"""Subscriber mail is durable like notifications: claim → send → record, retries with backoff, a sweeper that
re-drives a lost or stuck notice once, and nothing sent to an address that unsubscribed meanwhile."""

from datetime import timedelta

import pytest
from django.utils import timezone

from statuspage.models import SubscriberNotice
from statuspage.subscribing import actions, delivery
from tests.factories import StatusPageFactory, SubscriberFactory, SubscriberNoticeFactory

pytestmark = pytest.mark.django_db

DELIVER = "statuspage.subscribing.tasks.subscriber_notices_deliver"


@pytest.fixture
def subscriber(org):
    page = StatusPageFactory(organization=org, slug="main", title="Acme status", is_default=True)
    return SubscriberFactory(page=page, email="ana@example.test", confirmed_at=timezone.now())


def state(notice):
    notice.refresh_from_db()
    return notice.status, notice.attempts


def test_a_notice_is_sent_once_even_if_its_message_comes_twice(subscriber, mailoutbox):
    notice = SubscriberNoticeFactory(subscriber=subscriber, subject="Hello")

    first = delivery.subscriber_notice_deliver(notice_id=notice.pk)
    second = delivery.subscriber_notice_deliver(notice_id=notice.pk)

    assert (first, second) == ("sent", "skipped")
    assert state(notice) == ("sent", 1)
    assert [m.subject for m in mailoutbox] == ["Hello"]


def test_the_sweeper_re_drives_a_stuck_notice_once(subscriber, settings, enqueued, django_capture_on_commit_callbacks):
    notice = SubscriberNoticeFactory(subscriber=subscriber, kind="confirm")
    stale = timezone.now() - timedelta(seconds=settings.NOTIFICATION_SENDING_LEASE_SECONDS + 5)
    SubscriberNotice.objects.filter(pk=notice.pk).update(status="sending", attempts=1, claimed_at=stale)
    notice.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        handled = delivery.subscriber_notices_sweep()
    with django_capture_on_commit_callbacks(execute=True):
        again = delivery.subscriber_notices_sweep()

    assert (handled, again) == (1, 0)
    assert enqueued.messages(DELIVER) == [([notice.pk],)]
    assert state(notice) == ("pending", 1)
    # The worker that held it answers late: its result is void; the re-driven message sends it.
    assert delivery._record(notice, None, timezone.now()) == "superseded"
    assert delivery.subscriber_notice_deliver(notice_id=notice.pk) == "sent"
    assert state(notice) == ("sent", 2)


def test_the_sweeper_re_drives_a_pending_notice_whose_message_was_lost(subscriber, enqueued):
    notice = SubscriberNoticeFactory(subscriber=subscriber)
    fresh = SubscriberNoticeFactory(subscriber=subscriber)
    SubscriberNotice.objects.filter(pk=notice.pk).update(updated_at=timezone.now() - timedelta(minutes=10))

    with_later = delivery.subscriber_notices_sweep()

    assert with_later == 1
    assert fresh.pk not in {pk for args in enqueued.messages(DELIVER) for pk in args[0]}


def test_a_stuck_notice_past_the_last_attempt_fails(subscriber, settings):
    notice = SubscriberNoticeFactory(subscriber=subscriber)
    stale = timezone.now() - timedelta(seconds=settings.NOTIFICATION_SENDING_LEASE_SECONDS + 5)
    SubscriberNotice.objects.filter(pk=notice.pk).update(
        status="sending", attempts=settings.NOTIFICATION_MAX_ATTEMPTS, claimed_at=stale
    )

    delivery.subscriber_notices_sweep()

    assert state(notice) == ("failed", settings.NOTIFICATION_MAX_ATTEMPTS)


def test_an_unreachable_mail_server_is_retried_with_a_backoff(
    subscriber, settings, enqueued, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    notice = SubscriberNoticeFactory(subscriber=subscriber)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = delivery.subscriber_notice_deliver(notice_id=notice.pk)

    assert outcome == "retrying"
    assert state(notice) == ("pending", 1)
    assert enqueued.messages(DELIVER) == [([notice.pk],)]
    assert enqueued.options[-1]["countdown"] > 0


def test_nothing_is_sent_after_unsubscribing(subscriber, mailoutbox):
    pending = SubscriberNoticeFactory(subscriber=subscriber, kind="incident_update")

    actions.subscriber_unsubscribe(subscriber=subscriber)

    assert delivery.subscriber_notice_deliver(notice_id=pending.pk) == "skipped"
    assert state(pending) == ("failed", 0)
    assert mailoutbox == []


def test_an_unconfirmed_address_gets_only_its_confirmation(org, mailoutbox):
    unconfirmed = SubscriberFactory(page=StatusPageFactory(organization=org))
    update = SubscriberNoticeFactory(subscriber=unconfirmed, kind="incident_update", subject="Update")
    confirm = SubscriberNoticeFactory(subscriber=unconfirmed, kind="confirm", subject="Confirm")

    outcomes = [delivery.subscriber_notice_deliver(notice_id=n.pk) for n in (update, confirm)]

    assert outcomes == ["failed", "sent"]
    assert [m.subject for m in mailoutbox] == ["Confirm"]

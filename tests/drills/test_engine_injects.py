"""Sending injects: the real inbound request (PagerDuty body with the routing key and the inject's dedup key,
Alertmanager URL with the key), only the current token acts, hints are marked sent, the run links the group it
produced, a worker that died after alerting accepted the alert sends no copy, failures retry with backoff or
fail, and the sweeper re-drives lost and stuck injects."""

from datetime import timedelta
from uuid import uuid4

import pytest
from django.test import override_settings
from django.utils import timezone

from alerting.models import Alert, AlertGroup
from drills import actions, injects
from drills.models import DrillInject, DrillIntegrationKey, DrillLink, InjectStatus
from orgs.tenancy import Actor
from tests.drills.engine_support import AM_PAYLOAD, PD_PAYLOAD, approved_scenario, drill_org, inbound

pytestmark = pytest.mark.django_db

__all__ = ["drill_org", "inbound"]

SITE = "http://drills.test:8123"


def started(env, injects_spec=None, title="Checkout outage"):
    scenario = approved_scenario(env, injects=injects_spec, title=title)
    run = actions.run_create(organization=env.org, actor=Actor(user=env.olu), scenario=scenario)
    return actions.run_start(run=run, actor=Actor(user=env.olu))


def send(inject):
    inject.refresh_from_db()
    return injects.inject_send(inject_id=inject.pk, token=str(inject.task_token))


@override_settings(SITE_URL=SITE)
def test_an_alert_inject_posts_the_real_pagerduty_request_and_its_group_is_linked_to_the_run(
    drill_org, inbound, enqueued
):
    run = started(drill_org)
    alert = DrillInject.objects.get(run=run, position=0)
    key = DrillIntegrationKey.objects.get(integration=alert.integration).key

    assert send(alert) is True

    alert.refresh_from_db()
    group = AlertGroup.objects.get()
    assert inbound.requests == [
        (
            f"{SITE}/integrations/pagerduty/v2/enqueue",
            {**PD_PAYLOAD, "event_action": "trigger", "routing_key": key, "dedup_key": alert.dedup_key},
        )
    ]
    assert (alert.status, alert.response_status, alert.attempts, alert.error) == ("sent", 202, 1, "")
    assert (group.integration_id, group.dedup_key, group.title) == (
        alert.integration_id,
        alert.dedup_key,
        "Checkout 5xx above 5%",
    )
    assert list(DrillLink.objects.filter(run=run).values_list("alert_group_id", "incident_id")) == [(group.pk, None)]


@override_settings(SITE_URL=SITE)
def test_an_alertmanager_inject_posts_to_its_keyed_url_with_the_dedup_key_as_fingerprint(drill_org, inbound, enqueued):
    run = started(
        drill_org,
        [
            {
                "offset_seconds": 0,
                "kind": "alert",
                "format": "alertmanager",
                "service": "checkout",
                "payload": AM_PAYLOAD,
            }
        ],
    )
    alert = DrillInject.objects.get(run=run)
    key = DrillIntegrationKey.objects.get(integration=alert.integration).key

    send(alert)

    url, body = inbound.requests[0]
    assert url == f"{SITE}/integrations/alertmanager/{key}/"
    assert body["alerts"][0]["fingerprint"] == alert.dedup_key
    assert AlertGroup.objects.get().dedup_key == alert.dedup_key


def test_a_stale_token_sends_nothing_and_a_hint_is_marked_sent_without_a_request(drill_org, inbound, enqueued):
    run = started(drill_org)
    alert, hint = DrillInject.objects.filter(run=run).order_by("position")

    assert injects.inject_send(inject_id=alert.pk, token=str(uuid4())) is False
    DrillInject.objects.filter(pk=hint.pk).update(due_at=timezone.now())
    assert send(hint) is False

    hint.refresh_from_db()
    assert inbound.requests == []
    assert (DrillInject.objects.get(pk=alert.pk).status, hint.status, hint.sent_at is not None) == (
        "pending",
        "sent",
        True,
    )


def test_an_inject_not_yet_due_is_put_back_for_its_time(
    drill_org, inbound, enqueued, django_capture_on_commit_callbacks
):
    run = started(drill_org)
    hint = DrillInject.objects.get(run=run, position=1)
    enqueued.calls.clear()

    with django_capture_on_commit_callbacks(execute=True):
        send(hint)

    assert DrillInject.objects.get(pk=hint.pk).status == "pending"
    assert enqueued.calls == [("drills.tasks.drill_inject_send", (hint.pk, str(hint.task_token)), {})]


def test_a_worker_that_died_after_alerting_accepted_the_alert_is_not_repeated(drill_org, inbound, enqueued):
    run = started(drill_org)
    alert = DrillInject.objects.get(run=run, position=0)
    send(alert)
    # As if the worker had been killed between the POST and recording its answer: still `sending`.
    DrillInject.objects.filter(pk=alert.pk).update(status="sending", sent_at=None, task_token=uuid4())

    assert send(alert) is False

    alert.refresh_from_db()
    assert len(inbound.requests) == 1
    assert (alert.status, alert.error) == ("sent", "delivered before its worker stopped")
    assert (AlertGroup.objects.count(), Alert.objects.count()) == (1, 1)


def test_a_worker_that_died_before_the_post_reached_alerting_is_resent_once(drill_org, inbound, enqueued):
    run = started(drill_org)
    alert = DrillInject.objects.get(run=run, position=0)
    DrillInject.objects.filter(pk=alert.pk).update(status="sending", attempts=1, claimed_at=timezone.now())

    assert send(alert) is True

    alert.refresh_from_db()
    assert (len(inbound.requests), alert.status, alert.attempts) == (1, "sent", 2)
    assert (AlertGroup.objects.count(), Alert.objects.count()) == (1, 1)


def test_even_a_repeated_post_lands_in_the_same_group(drill_org, inbound, enqueued):
    run = started(drill_org)
    alert = DrillInject.objects.get(run=run, position=0)
    send(alert)
    url, body = inbound.requests[0]

    inbound(url, json=body, timeout=1)

    assert AlertGroup.objects.count() == 1
    assert AlertGroup.objects.get().alert_count == 2


def test_a_refused_inject_retries_with_backoff_then_fails_and_a_4xx_fails_at_once(
    drill_org, inbound, enqueued, django_capture_on_commit_callbacks
):
    run = started(drill_org)
    alert = DrillInject.objects.get(run=run, position=0)
    inbound.fail_with = 503

    with django_capture_on_commit_callbacks(execute=True):
        assert send(alert) is False
    alert.refresh_from_db()
    assert (alert.status, alert.attempts, alert.response_status, alert.error) == (
        "pending",
        1,
        503,
        "HTTP 503: unavailable",
    )
    assert 1.5 < (alert.due_at - timezone.now()).total_seconds() <= 2

    for _ in range(4):
        DrillInject.objects.filter(pk=alert.pk).update(due_at=timezone.now())
        send(alert)
    alert.refresh_from_db()
    assert (alert.status, alert.attempts) == ("failed", 5)

    other = started(
        drill_org,
        [{"offset_seconds": 0, "kind": "alert", "format": "pagerduty", "service": "checkout", "payload": PD_PAYLOAD}],
        title="Second",
    )
    inbound.fail_with = 400
    gone = DrillInject.objects.get(run=other)
    send(gone)
    gone.refresh_from_db()
    assert (gone.status, gone.attempts) == ("failed", 1)


def test_an_inject_of_a_run_no_longer_running_is_canceled(drill_org, inbound, enqueued):
    run = started(drill_org)
    alert = DrillInject.objects.get(run=run, position=0)
    type(run).objects.filter(pk=run.pk).update(status="halted")

    send(alert)

    assert (DrillInject.objects.get(pk=alert.pk).status, inbound.requests) == ("canceled", [])


def test_the_sweeper_redrives_lost_and_stuck_injects_with_a_new_token_and_leaves_fresh_ones(
    drill_org, enqueued, django_capture_on_commit_callbacks
):
    run = started(drill_org)
    alert, hint = DrillInject.objects.filter(run=run).order_by("position")
    now = timezone.now()
    DrillInject.objects.filter(pk=alert.pk).update(status="sending", claimed_at=now - timedelta(seconds=31))
    DrillInject.objects.filter(pk=hint.pk).update(due_at=now - timedelta(seconds=3))
    tokens = {i.pk: i.task_token for i in (alert, hint)}
    enqueued.calls.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert injects.injects_sweep(now=now) == 2

    after = {i.pk: i for i in DrillInject.objects.filter(run=run)}
    assert all(after[pk].task_token != token for pk, token in tokens.items())
    assert sorted(args for _, args, _ in enqueued.calls) == sorted((pk, str(after[pk].task_token)) for pk in tokens)
    # Re-driven a moment ago: not again while its message may still be queued.
    assert injects.injects_sweep(now=now + timedelta(seconds=5)) == 0
    assert injects.injects_sweep(now=now + timedelta(seconds=31)) == 2
    DrillInject.objects.filter(run=run).update(status=InjectStatus.SENT)
    assert injects.injects_sweep(now=now + timedelta(seconds=120)) == 0


@override_settings(SITE_URL=SITE)
def test_an_error_naming_the_keyed_url_is_stored_without_the_key(drill_org, monkeypatch, enqueued):
    import httpx

    def unreachable(url, *, json, timeout):
        raise httpx.ConnectError(f"cannot reach {url}")

    monkeypatch.setattr("drills.injects.httpx.post", unreachable)
    run = started(
        drill_org,
        [
            {
                "offset_seconds": 0,
                "kind": "alert",
                "format": "alertmanager",
                "service": "checkout",
                "payload": AM_PAYLOAD,
            }
        ],
    )
    alert = DrillInject.objects.get(run=run)
    key = DrillIntegrationKey.objects.get(integration=alert.integration).key

    send(alert)

    alert.refresh_from_db()
    assert alert.error == f"ConnectError: cannot reach {SITE}/integrations/alertmanager/{key[:8]}…/"
    assert key not in alert.error

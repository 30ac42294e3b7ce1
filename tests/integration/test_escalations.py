"""Escalations end to end: real Celery workers and beat on Redis and PostgreSQL page people through a
local HTTP webhook receiver. Escalation minutes are shrunk to seconds (ESCALATION_MINUTE_SECONDS=1).

(1) step 1 pages, step 2 pages after its delay, acknowledge stops the rest;
(2) the worker is killed mid-escalation and Redis flushed: a new worker and the sweeper deliver every
    due page exactly once;
(3) two workers and an eager sweeper together never deliver a page twice.
"""

import json
import os
import signal
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from alerting import actions as alerting_actions
from alerting.events import InboundEvent
from alerting.models import AlertGroup, PagingStatus
from notifications.models import ContactKind, ContactMethod, Notification, NotificationRule
from oncall.models import Escalation, EscalationPolicy, EscalationStatus, EscalationStep, EscalationStepTarget
from orgs.models import Membership, MembershipRole, Organization, User
from orgs.tenancy import Actor
from services import actions as service_actions
from tests.integration.helpers import CELERY, clean_env, start, start_worker, stop, wait_for
from tests.integration.test_worker_email import database_url, isolated_redis_url  # noqa: F401 (fixture)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


class Receiver:
    """A webhook endpoint on loopback that records every delivery: path and idempotency key."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                json.loads(self.rfile.read(length) or b"{}")
                with receiver.lock:
                    receiver.deliveries.append((self.path, self.headers.get("Idempotency-Key", "")))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def paths(self) -> Counter:
        with self.lock:
            return Counter(path for path, _ in self.deliveries)

    def keys(self) -> Counter:
        with self.lock:
            return Counter(key for _, key in self.deliveries)

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def stack(isolated_redis_url, tmp_path):  # noqa: F811 (fixture)
    """Starts workers and beat with short escalation timings; stops whatever is still running."""
    if connection.vendor != "postgresql":
        pytest.skip("worker processes need a shared server database")
    env = clean_env(
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        DATABASE_URL=database_url(),
        REDIS_URL=isolated_redis_url,
        FIREBREAK_ESCALATION_MINUTE_SECONDS="1",
        FIREBREAK_SWEEP_SECONDS="1",
        FIREBREAK_SWEEP_GRACE_SECONDS="1",
        FIREBREAK_SITE_URL="https://firebreak.test",
        # The workers run the production settings: the loopback receiver is allowed as an operator would.
        FIREBREAK_OUTBOUND_ALLOW="127.0.0.0/8",
    )
    running: list = []

    class Stack:
        redis_url = isolated_redis_url

        def worker(self, name: str, **overrides: str):
            log = tmp_path / f"{name}.log"
            process = start_worker({**env, **overrides}, log, "-n", f"{name}@%h")
            wait_for(lambda: "ready." in log.read_text(errors="replace"), 60, f"{name} ready", log)
            running.append(process)
            return process

        def beat(self, **overrides: str):
            log = tmp_path / "beat.log"
            args = [CELERY, "-A", "config", "beat", "--schedule", str(tmp_path / "beat-schedule"), "-l", "info"]
            process = start(args, {**env, **overrides}, log)
            running.append(process)
            return process

    yield Stack()
    for process in reversed(running):
        if process.poll() is None:
            stop(process)


def person(org: Organization, name: str, receiver: Receiver) -> Membership:
    user = User.objects.create_user(email=f"{name}@acme.test", password="x", full_name=name.title())
    membership = Membership.objects.create(organization=org, role=MembershipRole.RESPONDER, user=user)
    method = ContactMethod.objects.create(
        organization=org,
        user=membership.user,
        kind=ContactKind.WEBHOOK,
        address=f"{receiver.url}/{name}",
        verified_at=timezone.now(),
    )
    NotificationRule.objects.create(organization=org, user=membership.user, contact_method=method, delay_minutes=0)
    return membership


def policy_paging(org: Organization, steps: list[tuple[Membership, int]], repeat_count: int = 0):
    """A service whose policy pages each (person, wait) in order, and an integration routing to it."""
    policy = EscalationPolicy.objects.create(organization=org, name="Acme paging", slug="acme-paging")
    policy.repeat_count = repeat_count
    policy.save()
    for position, (membership, wait) in enumerate(steps):
        step = EscalationStep.objects.create(organization=org, policy=policy, position=position, wait_minutes=wait)
        EscalationStepTarget.objects.create(organization=org, step=step, kind="user", user=membership.user)
    service = service_actions.service_create(organization=org, actor=Actor.system(), name="Acme Checkout")
    service.escalation_policy = policy
    service.save(update_fields=["escalation_policy"])
    integration, _ = alerting_actions.integration_create(
        organization=org, actor=Actor.system(), service=service, name="Acme Prometheus", kind="webhook"
    )
    return integration


def trigger(integration, key: str) -> AlertGroup:
    event = InboundEvent(action="trigger", dedup_key=key, summary=f"Acme {key} is down", severity="critical")
    return alerting_actions.alert_ingest(integration=integration, event=event).group


def test_step_one_then_step_two_after_the_delay_then_acknowledge_stops_paging(org, receiver, stack):
    # Given a policy: Ana now, then Bo 3 s later, twice over; a worker and beat running
    ana, bo = person(org, "ana", receiver), person(org, "bo", receiver)
    integration = policy_paging(org, [(ana, 3), (bo, 3)], repeat_count=1)
    stack.worker("w1")
    stack.beat()

    # When an alert triggers
    started = time.monotonic()
    group = trigger(integration, "checkout-5xx")

    # Then Ana is paged at once, Bo about 3 s later
    wait_for(lambda: receiver.paths()["/ana"] == 1, 20, "Ana's page")
    ana_at = time.monotonic() - started
    wait_for(lambda: receiver.paths()["/bo"] == 1, 20, "Bo's page")
    bo_at = time.monotonic() - started
    assert ana_at < 2.5
    # Bo's step is due 3 s after Ana's step ran, which is after the trigger; Ana's delivery itself may lag, so the
    # gap between the two arrivals is not the delay, the time since the trigger is
    assert 3.0 <= bo_at < 9

    # When Bo acknowledges before the second pass reaches Ana again
    alerting_actions.alert_group_acknowledge(group=group, actor=Actor(user=bo.user))
    time.sleep(6)

    # Then nobody else was paged, and the run says why it stopped
    assert receiver.paths() == Counter({"/ana": 1, "/bo": 1})
    escalation = Escalation.objects.get(subject_kind="alert_group", subject_id=group.pk)
    assert (escalation.status, escalation.steps_run) == (EscalationStatus.ACKNOWLEDGED, 2)
    assert AlertGroup.objects.get(pk=group.pk).paging_status == PagingStatus.STOPPED
    assert sorted(Notification.objects.filter(alert_group=group).values_list("status", flat=True)) == ["sent", "sent"]


def test_killed_worker_and_flushed_redis_lose_no_page_and_double_none(org, receiver, stack):
    # Given five alert groups whose first step has paged Ana, with Bo's step due 4 s later
    ana, bo = person(org, "ana", receiver), person(org, "bo", receiver)
    integration = policy_paging(org, [(ana, 4), (bo, 2)])
    worker = stack.worker("w1")
    stack.beat()
    groups = [trigger(integration, f"disk-{n}") for n in range(5)]
    wait_for(lambda: receiver.paths()["/ana"] == 5, 30, "Ana's five pages")
    # (and recorded: a kill between a page's arrival and its row's "sent" is the stuck-delivery case, which the
    # notification sweeper's own tests cover; this one is about the steps the broker held)
    wait_for(
        lambda: Notification.objects.filter(alert_group__in=groups, status="sent").count() == 5, 30, "Ana's pages sent"
    )

    # When the worker dies without warning and Redis loses every message it held
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    redis.Redis.from_url(stack.redis_url).flushdb()
    stack.worker("w2")

    # Then the sweeper re-drives the lost steps: Bo gets each of the five pages, once
    wait_for(lambda: receiver.paths()["/bo"] == 5, 60, "Bo's five pages")
    wait_for(
        lambda: Escalation.objects.filter(status=EscalationStatus.UNANSWERED).count() == 5, 30, "runs to end unanswered"
    )
    time.sleep(3)
    assert receiver.paths() == Counter({"/ana": 5, "/bo": 5})
    assert set(receiver.keys().values()) == {1}
    assert Notification.objects.filter(alert_group__in=groups, status="sent").count() == 10
    assert set(AlertGroup.objects.filter(pk__in=[g.pk for g in groups]).values_list("paging_status", flat=True)) == {
        PagingStatus.UNANSWERED
    }


def test_two_workers_and_an_eager_sweeper_never_deliver_twice(org, receiver, stack):
    # Given two workers and a sweeper that re-drives anything due (no grace), every second
    ana, bo = person(org, "ana", receiver), person(org, "bo", receiver)
    integration = policy_paging(org, [(ana, 1), (bo, 1)])
    stack.worker("w1")
    stack.worker("w2")
    stack.beat(FIREBREAK_SWEEP_GRACE_SECONDS="0")

    # When twenty groups escalate at once
    for n in range(20):
        trigger(integration, f"api-{n}")

    # Then each of the forty pages is delivered exactly once
    wait_for(lambda: receiver.paths() == Counter({"/ana": 20, "/bo": 20}), 60, "forty pages")
    time.sleep(4)
    assert receiver.paths() == Counter({"/ana": 20, "/bo": 20})
    assert set(receiver.keys().values()) == {1}
    assert Notification.objects.filter(status="sent").count() == 40

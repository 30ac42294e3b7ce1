"""Drills end to end on the production shape: PostgreSQL, a real Celery worker and beat on Redis, and uvicorn
serving config.asgi at SITE_URL, so every inject travels over HTTP into the real inbound endpoint. Pages go to a
local webhook receiver; escalation minutes are shrunk to seconds.

(1) a scenario runs end to end: the injects arrive at their offsets, Ana's page says [DRILL], the test
    acknowledges, declares and mitigates through the API and the scorecard shows the measured seconds; production
    analytics are the same before and after; a second run halted midway leaves no pending inject, no active
    escalation, no open group or incident;
(2) the worker is SIGKILLed mid-run and restarted: every inject is delivered exactly once.
"""

import json
import os
import signal
import threading
import time
from dataclasses import replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from alerting.models import Alert, AlertGroup
from drills import actions, scorecard
from drills.models import DrillInject, DrillLink, DrillRun, InjectStatus, RunStatus
from incidents import actions as incident_actions
from incidents.models import OPEN_STATUSES, Incident
from notifications.models import ContactKind, ContactMethod, NotificationRule
from oncall.models import Escalation, EscalationPolicy, EscalationStatus, EscalationStep, EscalationStepTarget
from orgs.models import Membership, MembershipRole, User
from orgs.tenancy import Actor
from retros import analytics
from services import actions as service_actions
from tests.factories import TimedIncidentFactory, api_token_for
from tests.integration.helpers import (
    CELERY,
    celery_broker,
    clean_env,
    free_port,
    start,
    start_worker,
    stop,
    wait_for,
    wait_http,
    xdist_redis_url,
)
from tests.integration.test_worker_email import database_url

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.requires_postgres("worker processes need a shared server database"),
    pytest.mark.requires_redis("the worker and beat use Redis"),
]

PD = {"payload": {"summary": "Checkout 5xx above 5%", "source": "lb-1", "severity": "critical"}}
AM = {"alerts": [{"labels": {"alertname": "CheckoutLatency", "severity": "warning"}}]}


class Receiver:
    """A webhook endpoint on loopback recording every page's path and JSON body."""

    def __init__(self) -> None:
        self.pages: list[tuple[str, dict]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with receiver.lock:
                    receiver.pages.append((self.path, body))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def subjects(self) -> list[str]:
        with self.lock:
            return [body.get("subject", "") for _, body in self.pages]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture
def broker_url(redis_url):
    """This xdist worker's own Redis database, emptied, for the test's enqueues and the processes it starts."""
    url = xdist_redis_url(redis_url)
    redis.Redis.from_url(url).flushdb()
    with celery_broker(url):
        yield url


@pytest.fixture
def stack(broker_url, tmp_path):
    """uvicorn serving the app at SITE_URL, and on demand a worker and beat, with short timings; stops them all."""
    if connection.vendor != "postgresql":
        pytest.skip("worker processes need a shared server database")
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    env = clean_env(
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        FIREBREAK_ENCRYPTION_KEYS=",".join(settings.FIREBREAK_ENCRYPTION_KEYS),
        DATABASE_URL=database_url(),
        REDIS_URL=broker_url,
        FIREBREAK_SITE_URL=site,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_COOKIES="false",
        FIREBREAK_VAR_DIR=str(tmp_path / "var"),
        FIREBREAK_ESCALATION_MINUTE_SECONDS="1",
        FIREBREAK_SWEEP_SECONDS="1",
        FIREBREAK_SWEEP_GRACE_SECONDS="1",
        FIREBREAK_DRILL_LEASE_SECONDS="3",
        FIREBREAK_OUTBOUND_ALLOW="127.0.0.0/8",
    )
    running: list = []
    web_log = tmp_path / "web.log"
    uvicorn = str(os.path.join(os.path.dirname(CELERY), "uvicorn"))
    web = start([uvicorn, "config.asgi:application", "--host", "127.0.0.1", "--port", str(port)], env, web_log)
    running.append(web)
    wait_http(f"{site}/healthz", 90, web_log)

    class Stack:
        url = site

        def worker(self, name: str = "w1"):
            log = tmp_path / f"{name}.log"
            process = start_worker(env, log, "-n", f"{name}@%h")
            wait_for(lambda: "ready." in log.read_text(errors="replace"), 90, f"{name} ready", log)
            running.append(process)
            return process

        def beat(self):
            log = tmp_path / "beat.log"
            args = [CELERY, "-A", "config", "beat", "--schedule", str(tmp_path / "beat-schedule"), "-l", "info"]
            running.append(start(args, env, log))

        def logs(self) -> str:
            return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in tmp_path.glob("*.log"))

    yield Stack()
    for process in reversed(running):
        if process.poll() is None:
            stop(process)


@pytest.fixture
def acme(org, receiver):
    """Acme: Ana (responder, paged by webhook at the receiver), Olu (owner, approves), Eve (admin, writes
    scenarios), the Checkout service paging Ana, and a production incident and page of its own."""
    incident_actions.organization_defaults_ensure(organization=org)
    people = {}
    for name, role in (("ana", MembershipRole.RESPONDER), ("olu", MembershipRole.OWNER), ("eve", MembershipRole.ADMIN)):
        user = User.objects.create_user(email=f"{name}@acme.test", password="x", full_name=name.title())
        Membership.objects.create(organization=org, role=role, user=user)
        method = ContactMethod.objects.create(
            organization=org,
            user=user,
            kind=ContactKind.WEBHOOK,
            address=f"{receiver.url}/{name}",
            verified_at=timezone.now(),
        )
        NotificationRule.objects.create(organization=org, user=user, contact_method=method, delay_minutes=0)
        people[name] = user
    policy = EscalationPolicy.objects.create(organization=org, name="Checkout paging", slug="checkout-paging")
    step = EscalationStep.objects.create(organization=org, policy=policy, position=0, wait_minutes=30)
    EscalationStepTarget.objects.create(organization=org, step=step, kind="user", user=people["ana"])
    service = service_actions.service_create(organization=org, actor=Actor.system(), name="Checkout")
    service.escalation_policy = policy
    service.save(update_fields=["escalation_policy"])
    TimedIncidentFactory(
        organization=org, started_at=timezone.now() - timedelta(hours=3), detect=2, ack=5, mitigate=30, resolve=60
    )
    _, raw = api_token_for(org, role="responder", name="Drill responder")
    people["token"] = raw
    return people


def scenario_of(org, people, injects, responses, title):
    scenario = actions.scenario_create(
        organization=org, actor=Actor(user=people["eve"]), title=title, injects=injects, expected_responses=responses
    )
    return actions.scenario_approve(scenario=scenario, actor=Actor(user=people["olu"]))


def production_figures(org):
    today = timezone.now().date()
    window = analytics.AnalyticsFilters(since=today - timedelta(days=2), until=today + timedelta(days=1))
    summary = analytics.analytics_summary(organization=org, filters=window)
    paging = analytics.analytics_paging(organization=org, filters=window)
    with_drills = analytics.analytics_summary(organization=org, filters=replace(window, include_drills=True))
    return (summary, paging.pages, [(p.email, p.pages) for p in paging.people]), with_drills.incidents


def api(stack, token, method, path, **body):
    response = httpx.request(
        method,
        f"{stack.url}/api/v1/{path}",
        json=body or None,
        headers={"Authorization": f"Bearer {token}"},
        timeout=20,
    )
    assert response.status_code < 300, response.text
    return response.json()


def test_a_scenario_runs_end_to_end_and_a_halted_run_leaves_nothing_behind(org, acme, receiver, stack):
    stack.worker()
    stack.beat()
    before, drills_before = production_figures(org)
    scenario = scenario_of(
        org,
        acme,
        [
            {"offset_seconds": 0, "kind": "alert", "format": "pagerduty", "service": "checkout", "payload": PD},
            {"offset_seconds": 2, "kind": "hint", "text": "The load balancer shows 502s"},
            {"offset_seconds": 5, "kind": "alert", "format": "alertmanager", "service": "checkout", "payload": AM},
        ],
        [
            {"kind": "acknowledge", "target_seconds": 60},
            {"kind": "declare", "target_seconds": 120},
            {"kind": "commander", "target_seconds": 300},
            {"kind": "mitigate", "target_seconds": 600},
        ],
        "Checkout outage",
    )
    run = actions.run_create(organization=org, actor=Actor(user=acme["olu"]), scenario=scenario)

    # When the facilitator starts it
    run = actions.run_start(run=run, actor=Actor(user=acme["olu"]))

    # Then each alert arrives through HTTP at its offset, and the hint is out at its own
    wait_for(lambda: Alert.objects.filter(integration__is_drill=True).count() == 2, 40, "both alerts", None)
    wait_for(lambda: not DrillInject.objects.filter(run=run).exclude(status=InjectStatus.SENT).exists(), 20, "all sent")
    injects = {i.position: i for i in DrillInject.objects.filter(run=run)}
    arrivals = {
        i.position: (Alert.objects.get(integration=i.integration, dedup_key=i.dedup_key).received_at - run.started_at)
        for i in injects.values()
        if i.kind == "alert"
    }
    assert 0 <= arrivals[0].total_seconds() < 3, arrivals
    assert 5 <= arrivals[2].total_seconds() < 8, arrivals
    assert 2 <= (injects[1].sent_at - run.started_at).total_seconds() < 5
    assert {i.response_status for i in injects.values() if i.kind == "alert"} == {202}
    groups = list(AlertGroup.objects.filter(integration__is_drill=True).order_by("first_seen"))
    assert sorted(
        DrillLink.objects.filter(run=run, alert_group__isnull=False).values_list("alert_group_id", flat=True)
    ) == sorted(g.pk for g in groups)

    # And Ana is paged, marked DRILL
    wait_for(lambda: any("[DRILL]" in s for s in receiver.subjects()), 30, "a [DRILL] page", None)
    assert receiver.subjects()[0] == "[DRILL] [CRITICAL] Checkout 5xx above 5%"

    # When the responder acknowledges, declares, takes command and mitigates through the API
    token = acme["token"]
    first = groups[0]
    api(stack, token, "POST", f"alert-groups/{first.uuid}/acknowledge/")
    declared = api(stack, token, "POST", f"alert-groups/{first.uuid}/escalate/")
    number = declared["incident"]["number"]
    api(stack, token, "POST", f"incidents/{number}/roles/", role="incident-commander", user=acme["ana"].email)
    api(stack, token, "POST", f"incidents/{number}/transition/", status="monitoring")

    # Then the incident is a drill, linked to the run, and the scorecard shows the measured seconds
    incident = Incident.objects.get(organization=org, number=number)
    assert incident.is_drill is True
    assert DrillLink.objects.filter(run=run, incident=incident).exists()
    first.refresh_from_db()
    rows = scorecard.run_scorecard(DrillRun.objects.get(pk=run.pk))
    commander_at = incident.role_assignments.get(role__is_commander=True).assigned_at
    expected = {
        "acknowledge": int((first.acknowledged_at - run.started_at).total_seconds()),
        "declare": int((incident.declared_at - run.started_at).total_seconds()),
        "commander": int((commander_at - run.started_at).total_seconds()),
        "mitigate": int((incident.mitigated_at - run.started_at).total_seconds()),
    }
    assert [(r["kind"], r["actual_seconds"], r["result"]) for r in rows] == [
        (kind, expected[kind], "met") for kind in ("acknowledge", "declare", "commander", "mitigate")
    ]
    assert all(value < 60 for value in expected.values())
    shown = api(stack, token, "GET", f"drill-runs/{run.uuid}/")
    assert (shown["status"], shown["incidents"], sorted(shown["alert_groups"])) == (
        "running",
        [number],
        sorted(str(g.uuid) for g in groups),
    )
    assert [(r["kind"], r["target_seconds"], r["actual_seconds"], r["result"]) for r in shown["scorecard"]] == [
        ("acknowledge", 60, expected["acknowledge"], "met"),
        ("declare", 120, expected["declare"], "met"),
        ("commander", 300, expected["commander"], "met"),
        ("mitigate", 600, expected["mitigate"], "met"),
    ]

    # When the incident resolves and the second group is resolved, the run finishes on its own, scorecard frozen
    api(stack, token, "POST", f"alert-groups/{groups[1].uuid}/resolve/")
    api(stack, token, "POST", f"incidents/{number}/transition/", status="resolved")
    wait_for(lambda: DrillRun.objects.get(pk=run.pk).status == RunStatus.FINISHED, 20, "the run to finish", None)
    assert [(r["kind"], r["actual_seconds"]) for r in DrillRun.objects.get(pk=run.pk).scorecard] == list(
        expected.items()
    )

    # And production analytics are what they were; with drills included the drill incident is there
    after, drills_after = production_figures(org)
    assert after == before
    assert drills_after == drills_before + 1

    # Given a second run, halted midway: one alert declared as an incident, one still paging, one 20 s away
    second = scenario_of(
        org,
        acme,
        [
            {"offset_seconds": 0, "kind": "alert", "format": "pagerduty", "service": "checkout", "payload": PD},
            {"offset_seconds": 0, "kind": "alert", "format": "pagerduty", "service": "checkout", "payload": PD},
            {"offset_seconds": 20, "kind": "alert", "format": "pagerduty", "service": "checkout", "payload": PD},
        ],
        [{"kind": "acknowledge", "target_seconds": 60}],
        "Checkout outage, halted",
    )
    halted = actions.run_start(
        run=actions.run_create(organization=org, actor=Actor(user=acme["olu"]), scenario=second),
        actor=Actor(user=acme["olu"]),
    )
    links = DrillLink.objects.filter(run=halted, alert_group__isnull=False)
    wait_for(lambda: links.count() == 2, 30, "the first two alerts")
    declared_group, paging_group = AlertGroup.objects.filter(pk__in=links.values("alert_group_id")).order_by("pk")
    incident_number = api(stack, token, "POST", f"alert-groups/{declared_group.uuid}/escalate/")["incident"]["number"]
    assert Escalation.objects.filter(subject_id=paging_group.pk, status=EscalationStatus.ACTIVE).exists()

    actions.run_halt(run=halted, actor=Actor(user=acme["olu"]), reason="A real outage started")
    time.sleep(23)  # past the second inject's offset, with the sweeper running

    assert not DrillInject.objects.filter(run=halted, status__in=[InjectStatus.PENDING, InjectStatus.SENDING]).exists()
    assert list(DrillInject.objects.filter(run=halted).order_by("position").values_list("status", flat=True)) == [
        "sent",
        "sent",
        "canceled",
    ]
    assert AlertGroup.objects.filter(integration__is_drill=True).count() == 4  # the canceled inject never arrived
    assert not Escalation.objects.filter(status=EscalationStatus.ACTIVE).exists()
    assert not AlertGroup.objects.filter(integration__is_drill=True, status__in=["triggered", "acknowledged"]).exists()
    assert not Incident.objects.filter(organization=org, is_drill=True, status__in=OPEN_STATUSES).exists()
    closed = Incident.objects.get(organization=org, number=incident_number)
    assert closed.status == "closed"
    assert closed.timeline.filter(kind="note", body__startswith="Drill DR-2 halted by olu@acme.test").exists()
    assert production_figures(org)[0] == before


def test_a_worker_killed_mid_run_and_restarted_delivers_every_inject_exactly_once(org, acme, stack):
    worker = stack.worker("w1")
    stack.beat()
    offsets = [0, 1, 2, 3, 4, 5, 6, 7]
    scenario = scenario_of(
        org,
        acme,
        [
            {"offset_seconds": s, "kind": "alert", "format": "pagerduty", "service": "checkout", "payload": PD}
            for s in offsets
        ],
        [{"kind": "acknowledge", "target_seconds": 60}],
        "Storm",
    )
    run = actions.run_start(
        run=actions.run_create(organization=org, actor=Actor(user=acme["olu"]), scenario=scenario),
        actor=Actor(user=acme["olu"]),
    )
    wait_for(lambda: DrillInject.objects.filter(run=run, status=InjectStatus.SENT).count() >= 3, 30, "three sent")

    # When the worker is killed outright mid-run (its reserved ETA messages die with it) and comes back later
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    sent_at_kill = DrillInject.objects.filter(run=run, status=InjectStatus.SENT).count()
    time.sleep(6)
    stack.worker("w2")

    # Then every inject is delivered, each exactly once: one group and one alert per dedup key
    wait_for(
        lambda: DrillInject.objects.filter(run=run, status=InjectStatus.SENT).count() == len(offsets),
        60,
        "every inject sent",
        None,
    )
    injects = list(DrillInject.objects.filter(run=run).order_by("position"))
    per_key = {
        i.dedup_key: (
            AlertGroup.objects.filter(integration=i.integration, dedup_key=i.dedup_key).count(),
            Alert.objects.filter(integration=i.integration, dedup_key=i.dedup_key).count(),
        )
        for i in injects
    }
    assert sent_at_kill < len(offsets), "the kill came after the run: nothing was tested"
    assert per_key == {i.dedup_key: (1, 1) for i in injects}
    assert Alert.objects.filter(integration__is_drill=True).count() == len(offsets)
    assert DrillLink.objects.filter(run=run, alert_group__isnull=False).count() == len(offsets)

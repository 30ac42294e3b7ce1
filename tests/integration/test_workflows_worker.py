"""Workflows with real processes: a Celery worker and beat on Redis and PostgreSQL run the steps.

(a) Declaring a SEV1 through the API in a new organization runs its seeded "Declaration process": the commander is
    the on-call of the schedule the service's policy pages first (Ana, not the declarer), the commander's checklist
    is their tasks, the first internal update is posted, and the page step reaches the communications lead's
    webhook contact method (a loopback receiver). The seeded page step targets the holder of the Communications
    Lead role, whom nobody holds when an incident is declared; as an admin would, the test points the step at the
    org's comms lead (Cleo) with workflows.actions.workflow_update (what the editor and the API call). Publishing
    the same declaration again and re-sending every step's task (and sweeping) changes nothing more.
(b) A workflow with two delayed steps (2 s, then 4 s): the worker is SIGKILLed after the first ran, holding the
    second's ETA message, and Redis loses every message; the sweeper (beat, every 15 s, steps more than 10 s
    overdue) re-drives the second step for a new worker. Every step ran exactly once.

Run with DATABASE_URL on PostgreSQL and REDIS_URL naming a Redis database no one else uses (this file's runs
flush it), e.g. `DATABASE_URL=postgres://postgres@127.0.0.1:5432/fb_e REDIS_URL=redis://127.0.0.1:6379/9`.
"""

import json
import os
import signal
import threading
import time
from collections import Counter
from datetime import time as clock_time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core import events
from incidents import actions as incident_actions
from incidents.events import IncidentDeclared
from incidents.models import Incident, IncidentTask, RoleAssignment, Severity, StatusUpdate, TimelineEvent
from notifications.models import ContactKind, ContactMethod, Notification, NotificationRule
from oncall.actions import schedules as schedule_actions
from oncall.models import EscalationPolicy, EscalationStep, EscalationStepTarget
from orgs import actions as org_actions
from orgs.models import Membership, MembershipRole, Organization, User
from orgs.tenancy import Actor
from services import actions as service_actions
from tests.integration.helpers import (
    CELERY,
    celery_broker,
    clean_env,
    start,
    start_worker,
    stop,
    wait_for,
    xdist_redis_url,
)
from tests.integration.test_worker_email import database_url
from workflows import actions as workflow_actions
from workflows.models import Workflow, WorkflowRun, WorkflowRunStep
from workflows.tasks.runs import workflow_step_run

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SYSTEM = Actor.system()
COMMANDER_CHECKLIST = [
    "Confirm severity and affected services",
    "Assign Communications Lead and Scribe",
    "Agree the next update time",
    "Decide when to resolve",
]


class Receiver:
    """A webhook contact method's endpoint on loopback: records each delivery's path and JSON body."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[str, dict]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with receiver.lock:
                    receiver.deliveries.append((self.path, body))
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

    def bodies(self) -> list[dict]:
        with self.lock:
            return [body for _, body in self.deliveries]

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def broker_url(redis_url: str) -> str:
    """This xdist worker's own Redis database, emptied; this process sends its tasks there too."""
    url = xdist_redis_url(redis_url)
    redis.Redis.from_url(url).flushdb()
    with celery_broker(url):
        yield url


@pytest.fixture
def stack(broker_url, tmp_path):
    """Starts workers and beat on the production settings; stops whatever is still running."""
    if connection.vendor != "postgresql":
        pytest.skip("worker processes need a shared server database")
    env = clean_env(
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        DATABASE_URL=database_url(),
        REDIS_URL=broker_url,
        FIREBREAK_SITE_URL="https://firebreak.test",
        # The workers run the production settings: the loopback receiver is allowed as an operator would.
        FIREBREAK_OUTBOUND_ALLOW="127.0.0.0/8",
    )
    running: list = []

    class Stack:
        logs = tmp_path

        def worker(self, name: str):
            log = tmp_path / f"{name}.log"
            process = start_worker(env, log, "-n", f"{name}@%h")
            wait_for(lambda: "ready." in log.read_text(errors="replace"), 60, f"{name} ready", log)
            running.append(process)
            return process

        def beat(self):
            log = tmp_path / "beat.log"
            args = [CELERY, "-A", "config", "beat", "--schedule", str(tmp_path / "beat-schedule"), "-l", "info"]
            process = start(args, env, log)
            running.append(process)
            return process

    yield Stack()
    for process in reversed(running):
        if process.poll() is None:
            stop(process)


def member(org: Organization, email: str, name: str, role: str = MembershipRole.RESPONDER) -> User:
    user = User.objects.create_user(email=email, password="x", full_name=name)
    Membership.objects.create(organization=org, role=role, user=user)
    return user


def webhook_contact(org: Organization, user: User, url: str) -> None:
    method = ContactMethod.objects.create(
        organization=org, user=user, kind=ContactKind.WEBHOOK, address=url, verified_at=timezone.now()
    )
    NotificationRule.objects.create(organization=org, user=user, contact_method=method, delay_minutes=0)


def checkout_paged_through_schedule(org: Organization, on_call: User):
    """Service "Checkout" whose policy's first step pages the on-call of schedule "Primary", where only `on_call`
    takes turns (daily, since last week)."""
    schedule = schedule_actions.schedule_create(organization=org, actor=SYSTEM, name="Primary", time_zone="UTC")
    schedule_actions.layer_create(
        schedule=schedule,
        actor=SYSTEM,
        users=[on_call],
        name="Primary",
        rotation="daily",
        handoff_time=clock_time(0),
        start_date=timezone.now().date() - timedelta(days=7),
    )
    policy = EscalationPolicy.objects.create(organization=org, name="Checkout paging", slug="checkout-paging")
    step = EscalationStep.objects.create(organization=org, policy=policy, position=0, wait_minutes=5)
    EscalationStepTarget.objects.create(organization=org, step=step, kind="schedule", schedule=schedule)
    service = service_actions.service_create(organization=org, actor=SYSTEM, name="Checkout")
    service.escalation_policy = policy
    service.save(update_fields=["escalation_policy"])
    return service


def counts(org: Organization, incident: Incident) -> dict[str, object]:
    """What the declaration process wrote, counted."""
    return {
        "runs": WorkflowRun.objects.filter(organization=org).count(),
        "steps": sorted(WorkflowRunStep.objects.filter(organization=org).values_list("position", "status", "attempts")),
        "commanders": list(
            RoleAssignment.objects.filter(incident=incident, role__is_commander=True).values_list(
                "user__email", "released_at"
            )
        ),
        "tasks": Counter(IncidentTask.objects.filter(incident=incident).values_list("title", "assignee__email")),
        "updates": list(StatusUpdate.objects.filter(incident=incident).values_list("visibility", "message")),
        "notifications": sorted(
            Notification.objects.filter(organization=org).values_list("user__email", "channel", "status")
        ),
        "workflow_timeline": TimelineEvent.objects.filter(incident=incident, kind="workflow").count(),
    }


def test_a_sev1_declared_through_the_api_runs_the_seeded_declaration_process(
    receiver, stack, api_client_for, published
):
    # Given a new org (so it was seeded), whose Checkout service pages schedule Primary first, where Ana is on call
    olga = User.objects.create_user(email="olga@acme.test", password="x", full_name="Olga Owner")
    org = org_actions.organization_create(name="Acme", slug="acme", owner=olga, actor=Actor(user=olga))
    ana = member(org, "ana@acme.test", "Ana Ruiz")
    cleo = member(org, "cleo@acme.test", "Cleo Comms")
    webhook_contact(org, cleo, f"{receiver.url}/cleo")
    webhook_contact(org, ana, f"{receiver.url}/ana")
    checkout_paged_through_schedule(org, on_call=ana)
    seeded = Workflow.objects.get(organization=org, seed_key="declaration-process")
    # The admin points the seeded page step at the org's comms lead (nobody holds the role at declaration)
    definition = list(seeded.actions)
    assert definition[3]["params"]["target"] == {"kind": "role", "role": "communications-lead"}
    definition[3] = {
        **definition[3],
        "params": {**definition[3]["params"], "target": {"kind": "user", "user": str(cleo.uuid)}},
    }
    workflow_actions.workflow_update(workflow=seeded, actor=Actor(user=olga), actions=definition)
    stack.worker("w1")
    stack.beat()

    # When a SEV1 of Checkout is declared through the API (a token: the declarer takes no role)
    answer = api_client_for(org, "admin").post(
        "/api/v1/incidents/", {"title": "Checkout down", "severity": "SEV1", "services": ["checkout"]}, format="json"
    )
    assert answer.status_code == 201, answer.content
    incident = Incident.objects.get(organization=org, number=answer.json()["number"])

    # Then the worker runs the declaration process to the end
    wait_for(
        lambda: WorkflowRun.objects.filter(organization=org, status__in=["completed", "failed"]).exists(),
        60,
        "the run to finish",
        stack.logs / "w1.log",
    )
    wait_for(lambda: receiver.paths()["/cleo"] >= 1, 30, "Cleo's page", stack.logs / "w1.log")
    wait_for(lambda: Notification.objects.filter(organization=org, status="sent").count() >= 1, 30, "the page recorded")
    time.sleep(2)
    run = WorkflowRun.objects.get(organization=org)
    assert (run.workflow_id, run.status, run.event_key) == (seeded.pk, "completed", f"incident:{incident.pk}:declared")
    steps = {s.position: s for s in WorkflowRunStep.objects.filter(run=run)}
    assert [(p, steps[p].action, steps[p].status) for p in sorted(steps)] == [
        (1, "assign_role", "succeeded"),
        (2, "add_tasks", "skipped"),  # assigning the role already gave the checklist: nothing new to add
        (3, "post_status_update", "succeeded"),
        (4, "page", "succeeded"),
        (5, "publish_status_page", "skipped"),
    ]
    assert steps[2].outcome == f"All 4 tasks already exist on {incident.reference}"
    assert steps[5].outcome == "Disabled until configured"
    assert steps[1].outcome.startswith("Ana Ruiz is now Incident Commander")
    reference = f"{incident.reference}"
    before = counts(org, incident)
    assert before == {
        "runs": 1,
        "steps": [
            (1, "succeeded", 1),
            (2, "skipped", 1),
            (3, "succeeded", 1),
            (4, "succeeded", 1),
            (5, "skipped", 0),
        ],
        "commanders": [("ana@acme.test", None)],
        "tasks": Counter({(title, "ana@acme.test"): 1 for title in COMMANDER_CHECKLIST}),
        "updates": [
            (
                "internal",
                f"{reference} declared (SEV1): Checkout down. Commander: Ana Ruiz. Next update in 30 minutes.",
            )
        ],
        "notifications": [("cleo@acme.test", "webhook", "sent")],
        "workflow_timeline": 4,  # one per step that ran (the disabled one never ran)
    }
    assert receiver.paths() == Counter({"/cleo": 1})
    assert f"You are needed as Communications Lead on {reference}" in json.dumps(receiver.bodies()[0])

    # When the same declaration is published again, every step's task is sent again and the sweeper runs
    [declared] = [e for e in published if isinstance(e, IncidentDeclared) and e.number == incident.number]
    with transaction.atomic():
        events.publish(declared)
    for step in WorkflowRunStep.objects.filter(run=run):
        workflow_step_run.apply_async(args=(step.pk, str(step.task_token)))
    workflow_actions.steps_sweep()
    time.sleep(5)

    # Then nothing more happened
    assert counts(org, incident) == before
    assert receiver.paths() == Counter({"/cleo": 1})


def test_a_worker_killed_between_two_delayed_steps_runs_each_step_exactly_once(org, stack, broker_url):
    # Given a workflow posting a note 2 s after a declaration and another 4 s after that, and a worker and beat
    incident_actions.organization_defaults_ensure(organization=org)
    owner = member(org, "olga@acme.test", "Olga Owner", MembershipRole.OWNER)
    workflow = workflow_actions.workflow_create(
        organization=org,
        actor=Actor(user=owner),
        name="Two notes",
        trigger="incident.declared",
        actions=[
            {"action": "post_note", "params": {"body": "First note"}, "delay_seconds": 2, "enabled": True},
            {"action": "post_note", "params": {"body": "Second note"}, "delay_seconds": 4, "enabled": True},
        ],
    )
    worker = stack.worker("w1")
    stack.beat()

    # When an incident is declared and the first step has run
    incident = incident_actions.incident_declare(
        organization=org,
        actor=Actor(user=owner),
        title="Disk full",
        severity=Severity.objects.for_org(org).get(name="SEV3"),
    )
    run = wait_for(lambda: WorkflowRun.objects.filter(workflow=workflow).first(), 10, "the run")
    first, second = WorkflowRunStep.objects.filter(run=run).order_by("position")
    wait_for(
        lambda: WorkflowRunStep.objects.get(pk=first.pk).status == "succeeded",
        30,
        "the first step",
        stack.logs / "w1.log",
    )
    # ... the worker dies without warning (holding the second step's ETA message) and Redis loses every message
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    killed_at = timezone.now()
    redis.Redis.from_url(broker_url).flushdb()
    assert WorkflowRunStep.objects.get(pk=second.pk).status == "pending"
    stack.worker("w2")

    # Then the sweeper re-drives the second step once it is overdue, and a new worker runs it
    wait_for(
        lambda: WorkflowRun.objects.get(pk=run.pk).status == "completed", 90, "the run to finish", stack.logs / "w2.log"
    )
    time.sleep(3)
    notes = Counter(TimelineEvent.objects.filter(incident=incident, kind="note").values_list("body", flat=True))
    assert notes == Counter({"First note": 1, "Second note": 1})
    steps = list(WorkflowRunStep.objects.filter(run=run).order_by("position"))
    assert [(s.status, s.attempts) for s in steps] == [("succeeded", 1), ("succeeded", 1)]
    assert steps[0].redriven_at is None
    assert steps[1].redriven_at is not None  # the sweeper sent it again
    assert steps[1].redriven_at > killed_at
    assert steps[1].finished_at - steps[0].finished_at >= timedelta(seconds=4)
    assert TimelineEvent.objects.filter(incident=incident, kind="workflow").count() == 2

    # And sending both tasks again and sweeping changes nothing
    for step in steps:
        workflow_step_run.apply_async(args=(step.pk, str(step.task_token)))
    workflow_actions.steps_sweep()
    time.sleep(4)
    assert Counter(TimelineEvent.objects.filter(incident=incident, kind="note").values_list("body", flat=True)) == notes
    assert [(s.status, s.attempts) for s in WorkflowRunStep.objects.filter(run=run).order_by("position")] == [
        ("succeeded", 1),
        ("succeeded", 1),
    ]

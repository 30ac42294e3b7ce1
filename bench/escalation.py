"""Escalation benchmark (issue 6): 1,000 alert groups escalating at once, then 10,000 overdue runs swept.

Production shape: Celery workers (`-Q critical,default`) and beat on Redis and PostgreSQL, pages
delivered to a webhook receiver on loopback. Escalation minutes are shrunk to seconds.

Phase 1: 1,000 alert groups open (no worker running) on a service whose policy pages Ana, then Bo
after 2 "minutes" (2 s); then, with the workers up, every first step is made due at one instant and
scheduled as each group's own commit schedules it.
Reports lateness (when the step ran, and when the page reached the receiver, minus the step's due
time) p50/p99/max per step, lost and doubled pages, and each worker's peak RSS.
Phase 2: workers stopped, 10,000 active escalations made 1 h overdue; one sweep in-process with the
broker stubbed (Python peak memory of the sweeper, tracemalloc), then a worker and beat drive them all
to the end; reports the time taken and the worker's peak RSS.

    .venv/bin/python bench/escalation.py [--groups 1000] [--workers 2] [--pool prefork] [--concurrency 2]
        [--overdue 10000]

Writes nothing but its own database (firebreak_bench_escalation, recreated) and Redis db 4 (flushed); on a
machine shared with others, pick your own with BENCH_DB_NAME=<name> and BENCH_REDIS_URL=redis://…/<db>.
"""

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil

BASE_DIR = Path(__file__).resolve().parents[1]
# Run as a script, Python puts bench/ first on the path, where bench/markdown.py shadows the markdown package
# (DRF imports it): the project's root takes its place.
sys.path[:] = [str(BASE_DIR), *(p for p in sys.path if Path(p or ".").resolve() != BASE_DIR / "bench")]
DB_NAME = os.environ.get("BENCH_DB_NAME", "firebreak_bench_escalation")
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4")
SETTINGS_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DJANGO_SECRET_KEY": "bench-secret-key",
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "FIREBREAK_ESCALATION_MINUTE_SECONDS": "1",
    "FIREBREAK_SWEEP_SECONDS": "1",
    "FIREBREAK_SWEEP_GRACE_SECONDS": "2",
    "FIREBREAK_SITE_URL": "https://firebreak.bench",
    "FIREBREAK_OUTBOUND_ALLOW": "127.0.0.0/8",  # the receiver is on loopback (core/outbound.py)
    "LOG_LEVEL": "WARNING",
    "FIREBREAK_ENCRYPTION_KEYS": "YmVuY2gtZXNjYWxhdGlvbi1rZXktMzItYnl0ZXMhISE=",  # a fixed bench-only key
}


class Receiver:
    """Loopback webhook endpoint: arrival time per idempotency key, and every arrival counted."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[str, str, float]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and the
            # client's delayed ACK hold every response on a kept-alive connection ~40 ms.
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                json.loads(body or b"{}")
                with receiver.lock:
                    receiver.arrivals.append((self.path, self.headers.get("Idempotency-Key", ""), time.time()))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            # The workers open up to 16 connections per process at once; the default listen backlog of 5
            # drops SYNs (a real receiver behind nginx has 511).
            request_queue_size = 512

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def count(self) -> int:
        with self.lock:
            return len(self.arrivals)


class MemorySampler(threading.Thread):
    """Samples the RSS of the given processes (and their children) every 100 ms."""

    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.processes = [psutil.Process(pid) for pid in pids]
        self.peak: dict[int, int] = {}
        self.running = True

    def run(self) -> None:
        while self.running:
            for proc in self.processes:
                with contextlib.suppress(psutil.Error):
                    rss = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
                    self.peak[proc.pid] = max(self.peak.get(proc.pid, 0), rss)
            time.sleep(0.1)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def prepare() -> None:
    import psycopg
    import redis

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {**os.environ, **SETTINGS_ENV}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=BASE_DIR, env=env, check=True)


def start(args: list[str], log: Path, **extra: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(SETTINGS_ENV, **extra)
    return subprocess.Popen(args, cwd=BASE_DIR, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def start_worker(name: str, args: argparse.Namespace, logdir: Path) -> subprocess.Popen:
    celery = str(Path(sys.executable).with_name("celery"))
    log = logdir / f"{name}.log"
    process = start(
        [
            celery,
            "-A",
            "config",
            "worker",
            "-Q",
            "critical,default",
            f"--pool={args.pool}",
            f"-c{args.concurrency}",
            "-n",
            f"{name}@%h",
            "--loglevel=info",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        log,
    )
    # Ready when it answers a ping through the broker: its log, JSON at WARNING, never says "ready.".
    from config.celery import app

    node = f"{name}@{socket.gethostname()}"
    deadline = time.time() + 60
    while time.time() < deadline and not app.control.ping(destination=[node], timeout=0.5):
        time.sleep(0.2)
    return process


def start_beat(logdir: Path) -> subprocess.Popen:
    celery = str(Path(sys.executable).with_name("celery"))
    return start(
        [celery, "-A", "config", "beat", "--schedule", str(logdir / "beat-schedule"), "-l", "warning"],
        logdir / "beat.log",
    )


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def setup_org(receiver_url: str):
    """An org, Ana and Bo reachable by webhook, a policy (Ana, wait 2, Bo, wait 1) on a service."""
    from django.utils import timezone

    from alerting import actions as alerting_actions
    from notifications.models import ContactMethod, NotificationRule
    from oncall.models import EscalationPolicy, EscalationStep, EscalationStepTarget
    from orgs import actions as org_actions
    from orgs.models import Membership, User
    from orgs.tenancy import Actor
    from services import actions as service_actions

    org = org_actions.organization_bootstrap(
        slug="bench", name="Bench", owner_email="owner@bench.test", owner_password="x"
    )
    people = {}
    for name in ("ana", "bo"):
        user = User.objects.create_user(email=f"{name}@bench.test", password="x", full_name=name.title())
        Membership.objects.create(organization=org, user=user, role="responder")
        method = ContactMethod.objects.create(
            organization=org, user=user, kind="webhook", address=f"{receiver_url}/{name}", verified_at=timezone.now()
        )
        NotificationRule.objects.create(organization=org, user=user, contact_method=method, delay_minutes=0)
        people[name] = user
    policy = EscalationPolicy.objects.create(organization=org, name="Bench", slug="bench")
    for position, (name, wait) in enumerate((("ana", 2), ("bo", 1))):
        step = EscalationStep.objects.create(organization=org, policy=policy, position=position, wait_minutes=wait)
        EscalationStepTarget.objects.create(organization=org, step=step, kind="user", user=people[name])
    service = service_actions.service_create(organization=org, actor=Actor.system(), name="Payments")
    service.escalation_policy = policy
    service.save(update_fields=["escalation_policy"])
    integration, _ = alerting_actions.integration_create(
        organization=org, actor=Actor.system(), service=service, name="Bench hook", kind="webhook"
    )
    return org, integration


def trigger_all(integration, groups: int) -> None:
    """Open `groups` alert groups (each starts an escalation)."""
    from django.db import transaction

    from alerting import actions as alerting_actions
    from alerting.events import InboundEvent

    with transaction.atomic():
        for n in range(groups):
            event = InboundEvent(action="trigger", dedup_key=f"bench-{n}", summary=f"Bench {n}", severity="critical")
            alerting_actions.alert_ingest(integration=integration, event=event)


def all_due_now() -> datetime:
    """Make every active escalation's first step due now, then schedule each as its own alert group's
    commit would (a storm: 1,000 groups opening at one instant). Returns the instant."""
    from uuid import uuid4

    from django.db import transaction
    from django.utils import timezone

    from oncall.actions import escalations
    from oncall.models import Escalation

    moment = timezone.now()
    with transaction.atomic():
        rows = list(Escalation.objects.filter(status="active"))
        for row in rows:
            row.next_due_at, row.task_token = moment, uuid4()
        Escalation.objects.bulk_update(rows, ["next_due_at", "task_token"], batch_size=500)
    for row in rows:
        escalations.escalations_enqueue([row])
    return moment


def send_baseline(receiver: Receiver, count: int) -> float:
    """Same-run baseline: seconds for this process alone to POST `count` webhook bodies to the receiver,
    16 at a time, with the app's HTTP client (the floor under any delivery figure on this machine now)."""
    from concurrent.futures import ThreadPoolExecutor

    from core import outbound

    body = json.dumps({"event": "notification.page", "subject": "x" * 80, "message": "y" * 200}).encode()

    def post(n: int) -> None:
        outbound.post(
            f"{receiver.url}/baseline", timeout=10, content=body, headers={"Idempotency-Key": f"baseline-{n}"}
        )

    post(-1)
    started = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(post, range(count)))
    elapsed = time.perf_counter() - started
    with receiver.lock:
        receiver.arrivals.clear()
    return elapsed


def phase_one(args: argparse.Namespace, logdir: Path) -> None:
    import redis
    from django.utils import timezone

    from notifications.models import Notification
    from oncall.models import Escalation

    receiver = Receiver()
    baseline = send_baseline(receiver, args.groups)
    _org, integration = setup_org(receiver.url)
    # The groups open with no worker running; their first steps are then all made due at one instant.
    trigger_all(integration, args.groups)
    Escalation.objects.update(next_due_at=timezone.now() + timedelta(hours=1))  # not due while workers start
    redis.Redis.from_url(REDIS_URL).flushdb()
    workers = [start_worker(f"w{n}", args, logdir) for n in range(args.workers)]
    beat = start_beat(logdir)
    sampler = MemorySampler([w.pid for w in workers])
    sampler.start()
    expected = 2 * args.groups
    try:
        time.sleep(2)  # beat's first sweep, the workers settled
        burst = all_due_now()
        deadline = time.time() + 300
        while receiver.count() < expected and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(5)  # anything delivered twice would arrive by now
    finally:
        sampler.running = False
        stop(beat)
        for w in workers:
            stop(w)
    rows = {
        n.idempotency_key: n for n in Notification.objects.only("idempotency_key", "due_at", "created_at", "attempts")
    }

    def scheduled(path: str, row: Notification) -> float:
        """When the page was due: a failed attempt moves due_at to the retry, so then step 1 counts from the
        burst (exact) and step 2 from the burst + its 2 s wait (the earliest it could be due: an upper bound)."""
        if row.attempts <= 1:
            return row.due_at.timestamp()
        return burst.timestamp() + (0 if path == "/ana" else 2)

    keys = Counter(key for _, key, _ in receiver.arrivals)
    first_arrival: dict[str, float] = {}
    for _path, key, at in receiver.arrivals:
        first_arrival.setdefault(key, at)
    delivery = {"/ana": [], "/bo": []}
    step = {"/ana": [], "/bo": []}
    for path, key, at in receiver.arrivals:
        if first_arrival[key] == at and key in rows:
            due = scheduled(path, rows[key])
            delivery[path].append(at - due)
            step[path].append(rows[key].created_at.timestamp() - due)
    lost = expected - len(keys)
    doubled = sum(c - 1 for c in keys.values())
    print(
        f"phase 1: {args.groups} escalations due at one instant; {args.workers} workers,"
        f" --pool={args.pool} -c{args.concurrency}; policy: Ana now, Bo 2 s later"
    )
    print(
        f"  deliveries {len(receiver.arrivals)} (expected {expected}), distinct {len(keys)},"
        f" lost {lost}, doubled {doubled}"
    )
    retried = sum(1 for row in rows.values() if row.attempts > 1)
    print(f"  pages that needed more than one attempt: {retried}")
    print(f"  baseline: this process alone POSTs {args.groups} pages to the receiver in {baseline:.2f} s")
    for label, values in (("step ran", step), ("page delivered", delivery)):
        for path, found in values.items():
            if found:
                print(
                    f"  lateness, {label}, step {1 if path == '/ana' else 2}: p50 {statistics.median(found):.2f} s,"
                    f" p99 {percentile(found, 0.99):.2f} s, max {max(found):.2f} s ({len(found)} pages)"
                )
        together = values["/ana"] + values["/bo"]
        if together:
            p99 = percentile(together, 0.99)
            print(
                f"  lateness, {label}, all: p50 {statistics.median(together):.2f} s, p99 {p99:.2f} s"
                f" ({p99 / baseline:.1f}x baseline)"
            )
    statuses = Counter(Escalation.objects.values_list("status", flat=True))
    print(f"  escalations by status: {dict(statuses)}")
    print(f"  burst to last delivery: {max(at for *_, at in receiver.arrivals) - burst.timestamp():.1f} s")
    for pid, peak in sampler.peak.items():
        print(f"  worker {pid}: peak RSS {peak / 2**20:.0f} MB (children included)")


def phase_two(args: argparse.Namespace, logdir: Path) -> None:
    from unittest import mock

    from django.utils import timezone

    from alerting.models import AlertGroup, Integration
    from oncall.actions import escalations
    from oncall.models import Escalation, EscalationPolicy, EscalationStep, EscalationStepTarget
    from orgs.models import Organization, Team

    org = Organization.objects.get(slug="bench")
    integration = Integration.objects.for_org(org).get()
    empty_team = Team.objects.create(organization=org, name="Nobody", slug="nobody")
    policy = EscalationPolicy.objects.create(organization=org, name="Sweep", slug="sweep")
    step = EscalationStep.objects.create(organization=org, policy=policy, position=0, wait_minutes=1)
    EscalationStepTarget.objects.create(organization=org, step=step, kind="team", team=empty_team)
    now = timezone.now()
    overdue = now - timedelta(hours=1)
    for start in range(0, args.overdue, 2000):
        groups = AlertGroup.objects.bulk_create(
            AlertGroup(
                organization=org,
                integration=integration,
                service_id=integration.service_id,
                dedup_key=f"sweep-{n}",
                title=f"Sweep {n}",
                severity="warning",
                first_seen=now,
                last_seen=now,
            )
            for n in range(start, min(args.overdue, start + 2000))
        )
        Escalation.objects.bulk_create(
            Escalation(
                organization=org,
                policy=policy,
                subject_kind="alert_group",
                subject_id=g.pk,
                started_at=overdue,
                next_due_at=overdue,
            )
            for g in groups
        )
    with mock.patch("celery.app.task.Task.apply_async"):
        tracemalloc.start()
        started = time.perf_counter()
        swept = escalations.escalations_sweep()
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    # The stubbed sweep sent nothing: forget it, so the worker's sweeper re-sends at once.
    Escalation.objects.filter(policy=policy).update(redriven_at=None)
    print(f"phase 2: {args.overdue} overdue escalations")
    print(
        f"  one sweep in-process (broker stubbed): re-drove {swept} in {elapsed:.1f} s,"
        f" batch {escalations.settings.ONCALL_SWEEP_BATCH}, Python peak {peak / 2**20:.1f} MB"
    )
    worker = start_worker("sweeper", args, logdir)
    parent = psutil.Process(worker.pid)
    idle = parent.memory_info().rss + sum(c.memory_info().rss for c in parent.children(recursive=True))
    beat = start_beat(logdir)
    sampler = MemorySampler([worker.pid])
    sampler.start()
    started = time.time()
    try:
        deadline = started + 600
        while Escalation.objects.filter(policy=policy, status="active").exists() and time.time() < deadline:
            time.sleep(0.5)
        finished = time.time() - started
    finally:
        sampler.running = False
        stop(beat)
        stop(worker)
    left = Escalation.objects.filter(policy=policy, status="active").count()
    ended = Escalation.objects.filter(policy=policy, status="unanswered").count()
    print(f"  worker + beat drove them to the end in {finished:.1f} s: unanswered {ended}, still active {left}")
    peak = sampler.peak.get(worker.pid, 0)
    print(f"  worker RSS (children included) idle {idle / 2**20:.0f} MB, peak {peak / 2**20:.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--groups", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--pool", default="prefork", choices=["prefork", "threads", "solo"])
    ap.add_argument("--concurrency", type=int, default=2)
    ap.add_argument("--overdue", type=int, default=10_000)
    ap.add_argument("--phase", choices=["1", "2", "all"], default="all")
    args = ap.parse_args()
    prepare()
    os.environ.update(SETTINGS_ENV)
    import django

    django.setup()
    logdir = Path(f"/tmp/bench-escalation-{os.getpid()}")
    logdir.mkdir(parents=True, exist_ok=True)
    print(f"{datetime.now(UTC).isoformat(timespec='seconds')} load {os.getloadavg()} logs {logdir}")
    phase_one(args, logdir)
    if args.phase != "1":
        phase_two(args, logdir)


if __name__ == "__main__":
    main()

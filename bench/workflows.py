"""Workflows benchmark (issue 17): what 100 workflows in an org add to an incident status change.

In-process on PostgreSQL + Redis, as a request's action runs: each sample is one `incident_transition` in its own
transaction, commit included (the workflows' trigger handler runs inside it; the first steps are enqueued on
Redis after it). Three orgs in the same run, the same incidents and the same cycle of moves
(investigating → identified → monitoring → resolved → investigating):

* baseline: no workflows;
* 100 workflows that never match (all on "incident status changed", conditions on severity, services, labels,
  owner team and time of day that do not hold): the cost of looking and evaluating;
* 100 workflows of which 10 match (each run gets 3 steps, the first due in an hour so no worker is needed):
  looking, evaluating and starting runs.

    .venv/bin/python bench/workflows.py [--changes 400]

Prints p50/p95/p99 latency per org, the added p95 against the baseline, throughput and the process's peak RSS
(sampled during the measured loop). The orgs are measured in interleaved rounds so the machine's noise falls on
all three alike. Writes only its own database
(firebreak_bench_workflows, recreated each run) and its own Redis database (BENCH_REDIS_URL, flushed).
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psutil

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(BASE_DIR))

DB_NAME = "firebreak_bench_workflows"
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DB_NAME}")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
NEXT = {
    "investigating": "identified",
    "identified": "monitoring",
    "monitoring": "resolved",
    "resolved": "investigating",
}


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY="bench-secret-key",
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        LOG_LEVEL="WARNING",
        FIREBREAK_VAR_DIR="/tmp/firebreak-bench-workflows",
        FIREBREAK_ENCRYPTION_KEYS="YmVuY2gtd29ya2Zsb3dzLWtleS0zMi1ieXRlcyEhISE=",  # a fixed bench-only key
    )
    return env


def recreate_database() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=BASE_DIR, env=environment(), check=True)
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def never_matching(n: int) -> list[dict]:
    """Conditions that do not hold for the bench's SEV3 incidents on service-0 (a mix of every kind)."""
    kinds = [
        [{"field": "severity", "operator": "is", "value": "SEV1"}],
        [{"field": "services", "operator": "includes_any", "value": ["service-9"]}],
        [{"field": "labels", "operator": "includes_any", "value": ["tier=gold"]}],
        [{"field": "owner_team", "operator": "includes_any", "value": ["payments"]}],
        [
            {"field": "severity_major", "operator": "is", "value": True},
            {"field": "status", "operator": "in", "value": ["resolved", "closed"]},
        ],
    ]
    return kinds[n % len(kinds)]


def make_org(slug: str, workflows: int, matching: int):
    from incidents import actions as incident_actions
    from incidents.models import Severity
    from orgs import actions as org_actions
    from orgs.models import Team
    from orgs.tenancy import Actor
    from services.models import Service, ServiceLabel
    from workflows import actions as workflow_actions

    org = org_actions.organization_bootstrap(
        slug=slug, name=slug.title(), owner_email=f"{slug}@example.com", owner_password="bench-password"
    )
    incident_actions.organization_defaults_ensure(organization=org)
    payments = Team.objects.create(organization=org, name="Payments", slug="payments")
    services = Service.objects.bulk_create(
        Service(organization=org, name=f"Service {n}", slug=f"service-{n}") for n in range(10)
    )
    # The values the never-matching conditions name exist (validation refuses values that do not), on service-9.
    Service.objects.filter(pk=services[9].pk).update(owner_team=payments)
    ServiceLabel.objects.create(organization=org, service=services[9], key="tier", value="gold")
    owner = org.memberships.get().user
    actor = Actor(user=owner)
    # The seeded declaration process is on another trigger; it stays, as it would in a real org.
    for n in range(workflows):
        matches = n < matching
        workflow_actions.workflow_create(
            organization=org,
            actor=actor,
            name=f"Workflow {n}",
            trigger="incident.status_changed",
            conditions=[{"field": "severity", "operator": "is", "value": "SEV3"}] if matches else never_matching(n),
            actions=[
                {"action": "post_note", "params": {"body": f"Note {k}"}, "delay_seconds": 3600, "enabled": True}
                for k in range(3)
            ],
        )
    severity = Severity.objects.for_org(org).get(name="SEV3")
    incidents = [
        incident_actions.incident_declare(
            organization=org, actor=actor, title=f"Bench incident {n}", severity=severity, services=[services[0]]
        )
        for n in range(20)
    ]
    return incidents, actor


def measure(incidents, actor, changes: int) -> tuple[list[float], float, int]:
    from django.db import transaction

    from incidents import actions as incident_actions

    samples: list[float] = []
    process = psutil.Process()
    peak_rss = process.memory_info().rss
    started = time.perf_counter()
    for n in range(changes):
        incident = incidents[n % len(incidents)]
        t0 = time.perf_counter()
        with transaction.atomic():
            incidents[n % len(incidents)] = incident_actions.incident_transition(
                incident=incident, status=NEXT[incident.status], actor=actor
            )
        samples.append((time.perf_counter() - t0) * 1000)
        if n % 50 == 0:
            peak_rss = max(peak_rss, process.memory_info().rss)
    elapsed = time.perf_counter() - started
    return samples, changes / elapsed, max(peak_rss, process.memory_info().rss)


HANDLER_SAMPLES: list[float] = []


def timed_handler() -> dict[str, list[float]]:
    """Wrap workflows' trigger handler of incident.status_changed so each call's own time (in the publisher's
    transaction: loading the org's workflows, the context, evaluating, starting runs) is recorded."""
    from core import events
    from workflows import triggers

    original = triggers.runs_start_for_event

    def timed(event) -> None:
        t0 = time.perf_counter()
        original(event)
        HANDLER_SAMPLES.append((time.perf_counter() - t0) * 1000)

    handlers = events._subscriptions["incident.status_changed"]
    for index, subscription in enumerate(handlers):
        if subscription.handler is original:
            handlers[index] = events.Subscription(subscription.event_name, timed, subscription.when)
    return {}


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=400, help="status changes measured per org")
    args = parser.parse_args()
    recreate_database()
    os.environ.update(environment())
    import django

    django.setup()
    from workflows.models import WorkflowRun

    orgs = [("baseline", 0, 0), ("none-match", 100, 0), ("ten-match", 100, 10)]
    built = {slug: make_org(slug, workflows, matching) for slug, workflows, matching in orgs}
    # Warm-up: the first changes of every org pay for imports and caches.
    for incidents, actor in built.values():
        measure(incidents, actor, 40)
    # Interleave the orgs in rounds so the machine's noise falls on all three alike.
    results: dict[str, list[float]] = {slug: [] for slug in built}
    throughput: dict[str, list[float]] = {slug: [] for slug in built}
    peaks: dict[str, int] = dict.fromkeys(built, 0)
    rounds = max(1, args.changes // 20)  # 20 changes per org per round: one move of each of its incidents
    for _ in range(rounds):
        for slug, (incidents, actor) in built.items():
            samples, rate, rss = measure(incidents, actor, args.changes // rounds)
            results[slug] += samples
            throughput[slug].append(rate)
            peaks[slug] = max(peaks[slug], rss)
    handler_ms = timed_handler()
    for _ in range(max(1, rounds // 4)):
        for slug in ("none-match", "ten-match"):
            handler_ms[slug] = handler_ms.get(slug, [])
            before = len(HANDLER_SAMPLES)
            measure(*built[slug], 20)
            handler_ms[slug] += HANDLER_SAMPLES[before:]
    base_p95 = pct(results["baseline"], 0.95)
    print(
        f"{'org':<12} {'workflows':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'+p95 ms':>8} {'changes/s':>10}"
        f" {'peak RSS MB':>12} {'runs':>6}"
    )
    for slug, workflows, _matching in orgs:
        samples = results[slug]
        runs = WorkflowRun.objects.filter(organization__slug=slug).count()
        print(
            f"{slug:<12} {workflows:>9} {statistics.median(samples):>8.2f} {pct(samples, 0.95):>8.2f}"
            f" {pct(samples, 0.99):>8.2f} {pct(samples, 0.95) - base_p95:>8.2f}"
            f" {statistics.mean(throughput[slug]):>10.1f} {peaks[slug] / 2**20:>12.1f} {runs:>6}"
        )
    print("\nworkflows' own handler, in the status change's transaction (extra rounds, timed inside):")
    for slug, samples in handler_ms.items():
        print(
            f"{slug:<12} p50 {statistics.median(samples):.2f} ms  p95 {pct(samples, 0.95):.2f} ms"
            f"  p99 {pct(samples, 0.99):.2f} ms  ({len(samples)} calls)"
        )


if __name__ == "__main__":
    main()

"""Public status page benchmark (issue 16): the page at /status/<org>/ and its summary.json for a page with
50 components (in 5 groups) and 1,000 past public incidents over a year (2 updates each, 1-2 components), plus
2 open incidents, a maintenance in progress and 2 upcoming, against a bare endpoint (/healthz) of the same server.

Production shape: uvicorn serving config.asgi on PostgreSQL + Redis, one worker process (its peak RSS is the
figure). Anonymous requests, as visitors and status widgets make them. Latency from `--requests` sequential
requests per URL after a warm-up; throughput from `--concurrency` clients for `--requests` requests each.
Query counts are measured in-process with CaptureQueriesContext.

    .venv/bin/python bench/statuspage.py [--components 50] [--incidents 1000] [--requests 200] [--concurrency 4]

Prints figures; writes nothing but its own database (firebreak_bench_statuspage, recreated each run).
"""

import argparse
import concurrent.futures
import contextlib
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
import psutil

BASE_DIR = Path(__file__).resolve().parents[1]
# Not bench/ itself on the path: this file's name (and bench/markdown.py's) would shadow the app and the library.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(BASE_DIR))

DB_NAME = "firebreak_bench_statuspage"
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DB_NAME}")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
PORT = 8767
VAR_DIR = os.environ.get("BENCH_VAR_DIR", "/tmp/firebreak-bench-statuspage")


class MemorySampler(threading.Thread):
    """Peak RSS of the server process (and any children) sampled every 50 ms."""

    def __init__(self, process: psutil.Process) -> None:
        super().__init__(daemon=True)
        self.process = process
        self.peak = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            with contextlib.suppress(psutil.Error):
                rss = self.process.memory_info().rss + sum(
                    c.memory_info().rss for c in self.process.children(recursive=True)
                )
                self.peak = max(self.peak, rss)
            time.sleep(0.05)


def server_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY="bench-secret-key",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DJANGO_SECURE_COOKIES="false",
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        LOG_LEVEL="WARNING",
        FIREBREAK_VAR_DIR=VAR_DIR,
        FIREBREAK_ENCRYPTION_KEYS="YmVuY2gtc3RhdHVzcGFnZS1rZXktMzItYnl0ZXMhISE=",  # a fixed bench-only key
    )
    return env


def recreate_database() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=BASE_DIR, env=server_env(), check=True)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=BASE_DIR, env=server_env(), check=True
    )


def populate(components: int, past: int) -> str:
    """One org with its default page; returns the org's slug."""
    from django.db import connection
    from django.utils import timezone

    from incidents import actions as incident_actions
    from incidents.models import Incident, IncidentStatus, Severity
    from orgs import actions as org_actions
    from services.models import Service
    from statuspage import models as sp

    rng = random.Random(16)
    now = timezone.now()
    started = time.perf_counter()
    org = org_actions.organization_bootstrap(
        slug="bench", name="Bench", owner_email="bench@example.com", owner_password="bench-password"
    )
    incident_actions.organization_defaults_ensure(organization=org)
    severities = list(Severity.objects.for_org(org).order_by("rank"))
    services = Service.objects.bulk_create(
        Service(organization=org, name=f"Service {n}", slug=f"service-{n}") for n in range(components)
    )
    page = sp.StatusPage.objects.create(organization=org, slug="status", title="Bench status", is_default=True)
    groups = sp.ComponentGroup.objects.bulk_create(
        sp.ComponentGroup(organization=org, page=page, name=f"Group {g}", position=g) for g in range(5)
    )
    comps = sp.Component.objects.bulk_create(
        sp.Component(
            organization=org, page=page, group=groups[n % 5], service=services[n], name=f"Component {n}", position=n
        )
        for n in range(components)
    )
    total = past + 2
    incidents = Incident.objects.bulk_create(
        Incident(
            organization=org,
            number=n + 1,
            title=f"Incident {n + 1}",
            severity=rng.choice(severities),
            status=IncidentStatus.CLOSED if n < past else IncidentStatus.IDENTIFIED,
            started_at=now - timedelta(minutes=rng.randint(60, 365 * 24 * 60)) if n < past else now,
            declared_at=now,
        )
        for n in range(total)
    )
    publics = []
    for n, incident in enumerate(incidents):
        start = incident.started_at
        resolved = start + timedelta(minutes=rng.randint(10, 300)) if n < past else None
        publics.append(
            sp.PublicIncident(
                organization=org,
                page=page,
                incident=incident,
                title=incident.title,
                impact=rng.choice(["minor", "minor", "major", "critical"]),
                status="resolved" if resolved else "identified",
                started_at=start,
                resolved_at=resolved,
            )
        )
    publics = sp.PublicIncident.objects.bulk_create(publics, batch_size=1000)
    links, updates = [], []
    for public in publics:
        for comp in rng.sample(comps, rng.choice((1, 2))):
            links.append(sp.PublicIncidentComponent(organization=org, public_incident=public, component=comp))
        updates.append(
            sp.PublicUpdate(
                organization=org,
                public_incident=public,
                status="investigating",
                body="Looking.",
                display_at=public.started_at,
            )
        )
        updates.append(
            sp.PublicUpdate(
                organization=org,
                public_incident=public,
                status=public.status,
                body="Resolved." if public.resolved_at else "Found it.",
                display_at=public.resolved_at or now,
            )
        )
    sp.PublicIncidentComponent.objects.bulk_create(links, batch_size=2000)
    sp.PublicUpdate.objects.bulk_create(updates, batch_size=2000)
    for n, status in enumerate(("in_progress", "scheduled", "scheduled")):
        start = now - timedelta(hours=1) if status == "in_progress" else now + timedelta(days=n + 1)
        maintenance = sp.Maintenance.objects.create(
            organization=org,
            page=page,
            title=f"Maintenance {n}",
            status=status,
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=2),
            started_at=start if status == "in_progress" else None,
        )
        sp.MaintenanceComponent.objects.create(organization=org, maintenance=maintenance, component=comps[n])
        sp.MaintenanceUpdate.objects.create(organization=org, maintenance=maintenance, status=status, body="Planned.")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"populated {components} components and {past} past + 2 open public incidents"
        f" in {time.perf_counter() - started:.0f} s"
    )
    return org.slug


def query_counts(urls: dict[str, str]) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    counts = {}
    for name, url in urls.items():
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts[name] = len(queries)
    return counts


def percentile(values: list[float], fraction: float) -> float:
    return values[max(0, round(fraction * len(values)) - 1)]


def timed(base: str, url: str, count: int, concurrency: int) -> dict[str, float]:
    with httpx.Client(base_url=base, timeout=60) as client:
        for _ in range(5):
            client.get(url)  # warm-up
        latencies = []
        for _ in range(count):
            began = time.perf_counter()
            response = client.get(url)
            latencies.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    latencies.sort()

    def burst(_: int) -> int:
        with httpx.Client(base_url=base, timeout=60) as client:
            for _ in range(count):
                assert client.get(url).status_code == 200
        return count

    began = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        done = sum(pool.map(burst, range(concurrency)))
    return {
        "p50": statistics.median(latencies),
        "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99),
        "rps": done / (time.perf_counter() - began),
        "bytes": len(response.content),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--components", type=int, default=50)
    ap.add_argument("--incidents", type=int, default=1000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=4)
    args = ap.parse_args()

    recreate_database()
    os.environ.update(server_env())
    import django

    django.setup()
    slug = populate(args.components, args.incidents)
    urls = {
        "baseline GET /healthz": "/healthz",
        "public page /status/<org>/": f"/status/{slug}/",
        "summary.json": f"/status/{slug}/api/v2/summary.json",
        "incidents.json (50 latest)": f"/status/{slug}/api/v2/incidents.json",
        "history/ (page 1 of 51)": f"/status/{slug}/history/",
    }
    counts = query_counts(urls)
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("uvicorn")),
            "config.asgi:application",
            "--host=127.0.0.1",
            f"--port={PORT}",
            "--workers=1",
            "--no-access-log",
            "--log-level=warning",
        ],
        cwd=BASE_DIR,
        env=server_env(),
    )
    base = f"http://127.0.0.1:{PORT}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        process = psutil.Process(server.pid)
        idle = process.memory_info().rss
        sampler = MemorySampler(process)
        sampler.start()
        results = {name: timed(base, url, args.requests, args.concurrency) for name, url in urls.items()}
        sampler.running = False
        sampler.join()
    finally:
        server.terminate()
        server.wait(timeout=20)

    print(
        f"data: 1 page, {args.components} components in 5 groups, {args.incidents} past public incidents;"
        f" server: uvicorn --workers 1, PostgreSQL, Redis; {args.requests} sequential requests per URL,"
        f" throughput with {args.concurrency} concurrent clients"
    )
    baseline = results["baseline GET /healthz"]["p50"]
    print(
        f"{'request':30} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'x base':>7} {'req/s':>7} {'queries':>7}"
        f" {'bytes':>7}"
    )
    for name, f in results.items():
        print(
            f"{name:30} {f['p50']:7.1f} {f['p95']:7.1f} {f['p99']:7.1f} {f['p50'] / baseline:7.1f}"
            f" {f['rps']:7.0f} {counts[name]:7d} {f['bytes']:7d}"
        )
    print(f"server process RSS: idle {idle / 2**20:.0f} MB, peak during the run {sampler.peak / 2**20:.0f} MB")


if __name__ == "__main__":
    main()

"""Analytics benchmark (issue 7): the dashboard page and the analytics API over 100,000 incidents in
50 organizations (2,000 each, a year of history), and their on-call load (30 people in 8 time zones and 3,000
pages a year per org, each page 1 to 3 channel deliveries), against a bare endpoint of the same server.

Production shape: uvicorn serving config.asgi on PostgreSQL + Redis, one worker process (so its peak RSS is
the figure). Requests are sequential (one at a time: the latency of one manager's page view), each URL
`--requests` times, after a warm-up. Query counts are measured in-process with CaptureQueriesContext.

    .venv/bin/python bench/analytics.py [--orgs 50] [--incidents 2000] [--pages 3000] [--requests 40]

Prints figures; writes nothing but its own database (firebreak_bench_analytics, recreated each run).
"""

import argparse
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
sys.path.insert(0, str(BASE_DIR))
DB_NAME = "firebreak_bench_analytics"
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DB_NAME}")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
SECRET = "bench-secret-key"
PASSWORD = "bench-password"
PORT = 8766
VAR_DIR = os.environ.get("BENCH_VAR_DIR", "/tmp/firebreak-bench-analytics")  # collected static files


def server_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DJANGO_SECURE_COOKIES="false",
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        LOG_LEVEL="WARNING",
        FIREBREAK_VAR_DIR=VAR_DIR,
        FIREBREAK_ENCRYPTION_KEYS="YmVuY2gtYW5hbHl0aWNzLWtleS0zMi1ieXRlcyEhISE=",  # a fixed bench-only key
    )
    return env


def recreate_database() -> None:
    """Drop and create the bench database, migrate it, and collect static files (the pages link them)."""
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=BASE_DIR, env=server_env(), check=True)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=BASE_DIR, env=server_env(), check=True
    )


def django_setup() -> None:
    os.environ.update(server_env())
    import django

    django.setup()


ZONES = [
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
]


def populate_pages(org: object, teams: list, incidents: list, pages: int, rng: random.Random, now: object) -> int:
    """30 people of the org (time zones from ZONES) paged `pages` times over the last year, as user_notify
    writes pages: 1 to 3 deliveries per page (a rule each, some 5 minutes later); a third are manual pages
    on one of the org's incidents. Each person is in one of the org's teams. Returns the number of delivery rows."""
    from notifications.models import Notification
    from orgs.models import Membership, TeamMembership, User

    users = User.objects.bulk_create(
        User(email=f"oncall-{org.slug}-{n}@example.com", full_name=f"On-call {n}", time_zone=ZONES[n % len(ZONES)])
        for n in range(30)
    )
    Membership.objects.bulk_create(Membership(organization=org, user=user, role="responder") for user in users)
    TeamMembership.objects.bulk_create(
        TeamMembership(organization=org, team=teams[n % len(teams)], user=user) for n, user in enumerate(users)
    )
    rows = []
    for number in range(pages):
        user = users[min(int(rng.expovariate(0.15)), len(users) - 1)]  # a few people carry most of the load
        first = now - timedelta(minutes=rng.randint(0, 365 * 24 * 60))
        manual = rng.random() < 0.33
        base = f"manual:{number}:{user.pk}" if manual else f"esc:{number}:r0:s0:u{user.pk}"
        incident = rng.choice(incidents) if manual else None
        for channel in range(rng.choice((1, 2, 2, 3))):
            rows.append(
                Notification(
                    organization=org,
                    idempotency_key=f"{base}:rule:{channel}",
                    reason="manual_page" if manual else "page",
                    user=user,
                    channel="email",
                    address=user.email,
                    subject="Paged",
                    status="sent",
                    due_at=first + timedelta(minutes=5 * channel),
                    sent_at=first + timedelta(minutes=5 * channel),
                    incident=incident,
                )
            )
    Notification.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def populate(orgs: int, per_org: int, pages: int = 3000) -> tuple[str, str]:
    """`orgs` orgs with teams, services and `per_org` incidents over the last year; returns (slug, token) of
    the first org, whose owner is bench-0@example.com."""
    from django.utils import timezone

    from incidents import actions as incident_actions
    from incidents.models import Incident, IncidentService, IncidentStatus, Severity
    from orgs import actions as org_actions
    from orgs.models import Team
    from orgs.tenancy import Actor
    from services.models import Service

    rng = random.Random(7)
    now = timezone.now()
    token = ""
    deliveries = 0
    started = time.perf_counter()
    for index in range(orgs):
        org = org_actions.organization_bootstrap(
            slug=f"bench-{index}",
            name=f"Bench {index}",
            owner_email=f"bench-{index}@example.com",
            owner_password=PASSWORD,
        )
        incident_actions.organization_defaults_ensure(organization=org)
        severities = list(Severity.objects.for_org(org).order_by("rank"))
        teams = Team.objects.bulk_create(Team(organization=org, name=f"Team {t}", slug=f"team-{t}") for t in range(6))
        services = Service.objects.bulk_create(
            Service(
                organization=org, name=f"Service {s}", slug=f"service-{s}", owner_team=teams[s % 6] if s < 10 else None
            )
            for s in range(12)
        )
        incidents = []
        for number in range(1, per_org + 1):
            start = now - timedelta(minutes=rng.randint(0, 365 * 24 * 60))
            detect = start + timedelta(minutes=rng.randint(1, 30))
            ack = detect + timedelta(minutes=rng.randint(1, 20))
            mitigate = ack + timedelta(minutes=rng.randint(5, 120)) if rng.random() > 0.1 else None
            resolve = (mitigate or ack) + timedelta(minutes=rng.randint(5, 240)) if rng.random() > 0.05 else None
            roll = rng.random()
            status = (
                IncidentStatus.DECLINED
                if roll < 0.02
                else (IncidentStatus.CLOSED if resolve else IncidentStatus.INVESTIGATING)
            )
            incidents.append(
                Incident(
                    organization=org,
                    number=number,
                    title=f"Incident {number}",
                    severity=severities[min(int(rng.expovariate(0.9)), len(severities) - 1)],
                    status=status,
                    is_drill=rng.random() < 0.03,
                    started_at=start,
                    detected_at=detect,
                    declared_at=detect,
                    acknowledged_at=ack,
                    mitigated_at=mitigate,
                    resolved_at=resolve,
                )
            )
        Incident.objects.bulk_create(incidents, batch_size=1000)
        links = []
        for incident in incidents:
            for service in rng.sample(services, rng.choice((1, 1, 1, 2, 3))):
                links.append(IncidentService(organization=org, incident=incident, service=service))
        IncidentService.objects.bulk_create(links, batch_size=2000)
        deliveries += populate_pages(org, teams, incidents, pages, rng, now)
        if index == 0:
            _, token = org_actions.api_token_create(organization=org, name="bench", role="viewer", actor=Actor.system())
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"populated {orgs} orgs x {per_org} incidents and {pages} pages ({deliveries:,} deliveries in all)"
        f" in {time.perf_counter() - started:.0f} s"
    )
    return "bench-0", token


def existing_incidents() -> int:
    """Incidents in the bench database (0 when it does not exist)."""
    import psycopg

    try:
        with psycopg.connect(DATABASE_URL.replace("postgres://", "postgresql://")) as conn:
            # 0 when the data predates the pages (a database of an older version of this benchmark)
            sql = "SELECT count(*) FROM incidents_incident WHERE EXISTS (SELECT 1 FROM notifications_notification)"
            return conn.execute(sql).fetchone()[0]
    except psycopg.Error:
        return 0


def reuse() -> tuple[str, str]:
    """The first org of the previous run and a fresh viewer token for it."""
    from orgs import actions as org_actions
    from orgs.models import Organization
    from orgs.tenancy import Actor

    org = Organization.objects.get(slug="bench-0")
    _, token = org_actions.api_token_create(organization=org, name="bench", role="viewer", actor=Actor.system())
    print("reusing the data of the previous run")
    return org.slug, token


def query_counts(slug: str, token: str, urls: dict[str, str]) -> dict[str, int]:
    """Queries per request, in-process (the Django test client, signed in / with the token)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from orgs.models import User

    session = Client()
    session.force_login(User.objects.get(email="bench-0@example.com"))
    api = Client(headers={"Authorization": f"Bearer {token}"})
    counts = {}
    for name, url in urls.items():
        client = api if url.startswith("/api/") else session
        client.get(url)  # warm-up
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts[name] = len(queries)
    return counts


def session_cookie() -> str:
    from django.test import Client

    from orgs.models import User

    client = Client()
    client.force_login(User.objects.get(email="bench-0@example.com"))
    return client.cookies["sessionid"].value


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


def timed(client: httpx.Client, url: str, count: int) -> dict[str, float]:
    client.get(url)  # warm-up
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(url)
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.text[:300])
    latencies.sort()
    return {
        "p50": statistics.median(latencies),
        "p95": latencies[max(0, round(0.95 * len(latencies)) - 1)],
        "max": latencies[-1],
        "bytes": len(response.content),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orgs", type=int, default=50)
    ap.add_argument("--incidents", type=int, default=2000)
    ap.add_argument("--pages", type=int, default=3000, help="pages per org over the year")
    ap.add_argument("--requests", type=int, default=40)
    ap.add_argument("--reuse-data", action="store_true", help="keep the database of the previous run if it matches")
    args = ap.parse_args()

    if args.reuse_data and existing_incidents() == args.orgs * args.incidents:
        django_setup()
        slug, token = reuse()
    else:
        recreate_database()
        django_setup()
        slug, token = populate(args.orgs, args.incidents, args.pages)
    from django.utils import timezone

    today = timezone.now().date()
    year = f"since={today - timedelta(days=364)}&until={today}"
    urls = {
        "baseline GET /healthz": "/healthz",
        "dashboard, default 90 days": f"/o/{slug}/analytics/",
        "dashboard, 1 year, by team": f"/o/{slug}/analytics/?{year}&by=team",
        "dashboard, 1 year, team filter, drills": f"/o/{slug}/analytics/?{year}&team=team-1&include_drills=true",
        "CSV weekly, 1 year": f"/o/{slug}/analytics/export/weekly.csv?{year}",
        "API /analytics/ (everything), 1 year": f"/api/v1/analytics/?{year}",
        "API /analytics/summary/, 90 days": "/api/v1/analytics/summary/",
        "API /analytics/by-service/, 1 year": f"/api/v1/analytics/by-service/?{year}",
        "API /analytics/paging/, 90 days": "/api/v1/analytics/paging/",
        "API /analytics/paging/, 1 year": f"/api/v1/analytics/paging/?{year}",
        "CSV paging, 1 year, team filter": f"/o/{slug}/analytics/export/paging.csv?{year}&team=team-1",
    }
    counts = query_counts(slug, token, urls)
    cookie = session_cookie()

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
        results = {}
        with httpx.Client(base_url=base, timeout=60) as client:
            client.cookies.set("sessionid", cookie)
            for name, url in urls.items():
                headers = {"Authorization": f"Bearer {token}"} if url.startswith("/api/") else {}
                client.headers.update(headers)
                results[name] = timed(client, url, args.requests)
                client.headers.pop("Authorization", None)
        sampler.running = False
        sampler.join()
    finally:
        server.terminate()
        server.wait(timeout=20)

    print(
        f"data: {args.orgs} orgs x {args.incidents} incidents = {args.orgs * args.incidents:,} incidents,"
        f" x {args.pages} pages = {args.orgs * args.pages:,} pages;"
        f" server: uvicorn --workers 1, PostgreSQL, Redis; {args.requests} sequential requests per URL"
    )
    baseline = results["baseline GET /healthz"]["p50"]
    print(f"{'request':42} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'x base':>7} {'queries':>8} {'bytes':>8}")
    for name, figures in results.items():
        print(
            f"{name:42} {figures['p50']:8.1f} {figures['p95']:8.1f} {figures['max']:8.1f}"
            f" {figures['p50'] / baseline:7.1f} {counts[name]:8d} {figures['bytes']:8d}"
        )
    print(f"server process RSS: idle {idle / 2**20:.0f} MB, peak during the run {sampler.peak / 2**20:.0f} MB")


if __name__ == "__main__":
    main()

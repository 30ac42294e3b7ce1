"""Alert ingestion benchmark (issue 5): throughput and latency of the PagerDuty-compatible endpoint
against bare JSON endpoints of the same server, then a storm, with per-worker peak memory.

Two baselines, because the inbound endpoints are answered by a lean ASGI path in front of Django:
GET /healthz goes through Django's full middleware stack; GET /integrations/healthz is answered by the
same lean path as the ingest endpoint (the like-for-like baseline).

Production shape: uvicorn with N workers serving config.asgi on PostgreSQL + Redis. Load comes from
wrk (Debian package `wrk`) on loopback; the storm uses asyncio + httpx with 20 concurrent senders.

    .venv/bin/python bench/ingest.py [--workers 2] [--duration 20] [--connections 32]

Prints figures; writes nothing but its own database (firebreak_bench, recreated each run).
"""

import argparse
import asyncio
import contextlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))
DB_NAME = "firebreak_bench"
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DB_NAME}")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
SECRET = "bench-secret-key"

WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local counter = 0
request = function()
  counter = counter + 1
  local key = "bench-" .. (counter % 50)
  local body = '{"routing_key":"%s","event_action":"trigger","dedup_key":"' .. key ..
    '","payload":{"summary":"CPU above 90% on ' .. key .. '","source":"bench-host","severity":"warning"}}'
  return wrk.format(nil, nil, nil, body)
end
"""


def server_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_COOKIES="false",
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        LOG_LEVEL="WARNING",
        FIREBREAK_ENCRYPTION_KEYS="YmVuY2gtaW5nZXN0LWtleS0zMi1ieXRlcy1sb25nISE=",  # a fixed bench-only key
    )
    return env


def prepare_database() -> str:
    """Recreate the bench database, migrate, and create an org, a service and a PD integration."""
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    env = server_env()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=BASE_DIR, env=env, check=True)
    script = (
        "from orgs import actions as o; from orgs.tenancy import Actor; from services import actions as s;"
        "from alerting import actions as a;"
        "org=o.organization_bootstrap(slug='bench', name='Bench', owner_email='b@example.com', owner_password='x');"
        "svc=s.service_create(organization=org, actor=Actor.system(), name='Payments');"
        "i,k=a.integration_create(organization=org, service=svc, name='PD', kind='pagerduty_v2', actor=Actor.system(),"
        " rate_limit_per_minute=10_000_000); print(k)"
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script], cwd=BASE_DIR, env=env, check=True, capture_output=True
    )
    return out.stdout.decode().strip().splitlines()[-1]


class MemorySampler(threading.Thread):
    """Samples the RSS of every server worker process every 100 ms."""

    def __init__(self, master: psutil.Process) -> None:
        super().__init__(daemon=True)
        self.master = master
        self.samples: dict[int, list[int]] = {}
        self.running = True

    def run(self) -> None:
        while self.running:
            for proc in self.master.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    self.samples.setdefault(proc.pid, []).append(proc.memory_info().rss)
            time.sleep(0.1)

    def report(self) -> list[str]:
        lines = []
        for pid, rss in sorted(self.samples.items()):
            if len(rss) < 3:
                continue
            third = max(1, len(rss) // 3)
            first, last = statistics.mean(rss[:third]), statistics.mean(rss[-third:])
            lines.append(
                f"worker {pid}: peak {max(rss) / 2**20:.0f} MB, first third avg {first / 2**20:.0f} MB,"
                f" last third avg {last / 2**20:.0f} MB ({len(rss)} samples)"
            )
        return lines


def wrk(url: str, duration: int, connections: int, script: str | None = None) -> dict:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    if script:
        args += ["-s", script]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = dict(re.findall(r"\s+(50|75|90|99)%\s+([\d.]+\w+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return {
        "rps": rps,
        "latency": latency,
        "requests": total,
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": errors.group(1) if errors else "none",
    }


async def storm(base: str, key: str, events: int, keys: int, senders: int) -> dict:
    """`events` PD triggers over `keys` dedup keys from `senders` concurrent clients."""
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    queue = list(range(events))

    async def sender() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            while queue:
                n = queue.pop()
                body = {
                    "routing_key": key,
                    "event_action": "trigger",
                    "dedup_key": f"storm-{n % keys}",
                    "payload": {"summary": f"storm {n % keys}", "source": "storm", "severity": "error"},
                }
                started = time.perf_counter()
                response = await client.post("/integrations/pagerduty/v2/enqueue", json=body)
                latencies.append(time.perf_counter() - started)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(senders)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "elapsed": elapsed,
        "statuses": statuses,
        "rps": events / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
    }


def commits() -> int:
    """Committed transactions of the bench database so far (group commit shows as few per event)."""
    import psycopg

    with psycopg.connect(DATABASE_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        return conn.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = %s", [DB_NAME]).fetchone()[0]


def loadavg() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def storm_check() -> tuple[int, int]:
    """Open storm groups and storm alerts in the database."""
    import psycopg

    with psycopg.connect(DATABASE_URL.replace("postgres://", "postgresql://")) as conn:
        groups = conn.execute(
            "SELECT count(*) FROM alerting_alertgroup"
            " WHERE dedup_key LIKE 'storm-%%' AND status IN ('triggered', 'acknowledged')"
        ).fetchone()[0]
        alerts = conn.execute("SELECT count(*) FROM alerting_alert WHERE dedup_key LIKE 'storm-%%'").fetchone()[0]
    return groups, alerts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--duration", type=int, default=20)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--storm-events", type=int, default=10_000)
    args = ap.parse_args()

    key = prepare_database()
    port = 8765
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("uvicorn")),
            "config.asgi:application",
            "--host=127.0.0.1",
            f"--port={port}",
            f"--workers={args.workers}",
            "--no-access-log",
            "--log-level=warning",
        ],
        cwd=BASE_DIR,
        env=server_env(),
    )
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        time.sleep(2)  # all workers up
        sampler = MemorySampler(psutil.Process(server.pid))
        sampler.start()
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
            lua.write(WRK_SCRIPT.replace("%s", key, 1))
        load_before = loadavg()
        wrk(f"{base}/healthz", 3, args.connections)  # warm-up
        wrk(f"{base}/integrations/healthz", 3, args.connections)
        wrk(f"{base}/integrations/pagerduty/v2/enqueue", 3, args.connections, lua.name)
        baseline = wrk(f"{base}/healthz", args.duration, args.connections)
        lean = wrk(f"{base}/integrations/healthz", args.duration, args.connections)
        commits_before = commits()
        ingest = wrk(f"{base}/integrations/pagerduty/v2/enqueue", args.duration, args.connections, lua.name)
        ingest_commits = commits() - commits_before
        load_memory = sampler.report()
        sampler.samples.clear()
        commits_before = commits()
        storm_result = asyncio.run(storm(base, key, args.storm_events, 50, 20))
        storm_commits = commits() - commits_before
        storm_memory = sampler.report()
        load_after = loadavg()
        sampler.running = False
        groups, alerts = storm_check()
    finally:
        server.terminate()
        server.wait(timeout=20)

    print(
        f"server: uvicorn --workers {args.workers}, PostgreSQL, Redis; wrk -t2 -c{args.connections} -d{args.duration}s"
    )
    print(f"load average before: {load_before}; after: {load_after} (2 cores, shared)")
    print(f"baseline GET /healthz (bare JSON, Django): {baseline['rps']:.0f} req/s, latency {baseline['latency']}")
    print(f"baseline GET /integrations/healthz (bare JSON, lean): {lean['rps']:.0f} req/s, latency {lean['latency']}")
    print(
        f"ingest POST PD enqueue: {ingest['rps']:.0f} events/s, latency {ingest['latency']},"
        f" non-2xx {ingest['non_2xx']}, socket errors {ingest['socket_errors']},"
        f" {ingest['requests'] / max(1, ingest_commits):.1f} events per commit"
    )
    print(f"ratio ingest / Django bare JSON: {ingest['rps'] / baseline['rps']:.2f}")
    print(f"ratio ingest / lean bare JSON: {ingest['rps'] / lean['rps']:.2f}")
    print("memory during load:")
    for line in load_memory:
        print("  " + line)
    print(
        f"storm: {args.storm_events} events / 50 keys / 20 senders in {storm_result['elapsed']:.1f} s"
        f" = {storm_result['rps']:.0f} events/s, p50 {storm_result['p50_ms']:.1f} ms,"
        f" p99 {storm_result['p99_ms']:.1f} ms, statuses {json.dumps(storm_result['statuses'])}"
    )
    print(
        f"storm check: open groups {groups} (want 50), stored alerts {alerts} (want {args.storm_events}),"
        f" {args.storm_events / max(1, storm_commits):.1f} events per commit"
    )
    print("memory during storm:")
    for line in storm_memory:
        print("  " + line)


if __name__ == "__main__":
    main()

"""Running the real processes (Celery worker, web server) for integration tests."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

BASE_DIR = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(**overrides: str) -> dict[str, str]:
    """The environment for a child process: no test-only or Firebreak variables unless given here, and no .env
    file read (FIREBREAK_ENV_FILE="": a developer's .env must not reach the processes a test starts)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_", "FIREBREAK_"))}
    for key in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "EMAIL_URL", "REQUIRE_SERVICES"):
        env.pop(key, None)
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONUNBUFFERED": "1", "FIREBREAK_ENV_FILE": ""})
    env.update(overrides)
    return env


def start(args: list[str], env: dict[str, str], log: Path, cwd: Path = BASE_DIR) -> subprocess.Popen:
    """Start a process (in a session of its own, so that `stop` also ends whatever it started) logging to `log`."""
    handle = log.open("wb")
    return subprocess.Popen(args, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    """Stop a process started by `start` and every process it started."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    process.wait(timeout=5)


def manage(env: dict[str, str], *args: str, cwd: Path = BASE_DIR) -> str:
    """Run `manage.py` in a child process; its standard output (fails the test on a non-zero exit)."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def fresh_copy(dest: Path) -> Path:
    """What a fresh clone of this working tree holds (tracked and new, not ignored, files), sharing this
    checkout's .venv so that no install is needed."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=BASE_DIR,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = BASE_DIR / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    (dest / ".venv").symlink_to(Path(sys.executable).parents[1])
    return dest


def readme_shell_blocks(heading: str) -> list[str]:
    """The ```sh blocks of one section (`## heading`) of README.md, as written."""
    readme = (BASE_DIR / "README.md").read_text()
    section = readme.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)


def xdist_redis_url(redis_url: str) -> str:
    """One Redis database per xdist worker (2 for gw0, 3 for gw1, …), so that parallel runs never consume each
    other's tasks, and none is REDIS_URL's own, which the production-shape test's worker listens on."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    base = redis_url.rsplit("/", 1)[0] if redis_url.count("/") > 2 else redis_url
    return f"{base}/{2 + int(worker.removeprefix('gw') or 0)}"


@contextmanager
def celery_broker(url: str) -> Iterator[str]:
    """This process's Celery app publishes to `url` inside the block, and to its own broker again after it.

    Celery caches the connection pool *and* the producer pool (bound to the first connection it made): both are
    dropped, or an earlier test's broker would go on receiving this test's tasks while the worker waits on `url`.
    """
    from config.celery import app

    def forget_connections() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    previous = app.conf.broker_url
    app.conf.broker_url = url
    forget_connections()
    try:
        yield url
    finally:
        app.conf.broker_url = previous
        forget_connections()


def start_worker(env: dict[str, str], log: Path, *extra: str) -> subprocess.Popen:
    args = [CELERY, "-A", "config", "worker", "-Q", "critical,default", "--pool=solo", "--loglevel=info", *extra]
    return start(args, env, log)


def wait_for(predicate: Callable[[], object], timeout: float, what: str, log: Path | None = None) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{tail}")


def wait_http(url: str, timeout: float, log: Path | None = None) -> None:
    def up() -> bool:
        try:
            return httpx.get(url, timeout=2).status_code < 500
        except httpx.TransportError:
            return False

    wait_for(up, timeout, url, log)

"""`make run`'s embedded shape, for real: SQLite, in-process channel layer, a filesystem Celery
broker with a worker process, the ASGI dev server — and no PostgreSQL or Redis anywhere."""

import re
import subprocess
import sys

import httpx
import pytest

from tests.integration.helpers import BASE_DIR, clean_env, free_port, start, start_worker, stop, wait_for, wait_http

pytestmark = pytest.mark.integration


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_fresh_embedded_app_serves_login_demo_and_background_email(tmp_path):
    env = clean_env(DJANGO_DEBUG="true", FIREBREAK_VAR_DIR=str(tmp_path / "var"))
    manage(env, "migrate", "--noinput")
    seeded = manage(env, "seed_demo")
    assert "demo@example.com / firebreak-demo" in seeded
    port = free_port()
    web_log, worker_log = tmp_path / "web.log", tmp_path / "worker.log"
    web = start([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"], env, web_log)
    worker = start_worker(env, worker_log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz", 60, web_log)
        with httpx.Client(base_url=base, follow_redirects=True, timeout=15) as http:
            login_page = http.get("/accounts/login/")
            assert login_page.status_code == 200
            assert "Sign in" in login_page.text

            signed_in = http.post(
                "/accounts/login/",
                data={
                    "username": "demo@example.com",
                    "password": "firebreak-demo",
                    "csrfmiddlewaretoken": http.cookies["csrftoken"],
                },
                headers={"Referer": f"{base}/accounts/login/"},
            )
            assert signed_in.url.path == "/o/demo/"
            assert "Demo Corp" in signed_in.text

            invited = http.post(
                "/o/demo/members/invite/",
                data={
                    "email": "newbie@example.com",
                    "role": "viewer",
                    "csrfmiddlewaretoken": http.cookies["csrftoken"],
                },
                headers={"Referer": f"{base}/o/demo/members/"},
            )
            assert invited.status_code == 200
            assert "Invitation sent to newbie@example.com." in invited.text
            assert http.get("/readyz").json() == {"status": "ok", "checks": {"database": "ok"}}

        # The console email backend prints the message in the worker's output: the task ran there.
        wait_for(lambda: "To: newbie@example.com" in worker_log.read_text(errors="replace"), 60, "email", worker_log)
    finally:
        stop(worker)
        stop(web)
    assert re.search(r"/invitations/[^/\s]+/", worker_log.read_text(errors="replace"))

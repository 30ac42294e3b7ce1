"""The Celery app. Queues: `critical` (paging, notifications, escalations) and `default`."""

import os
from typing import TYPE_CHECKING

import structlog
from celery import Celery, signals
from kombu import Queue

if TYPE_CHECKING:
    import redis

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("firebreak")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue("critical"), Queue("default")]
app.autodiscover_tasks()


def _ensure_filesystem_broker_folders() -> None:
    """Embedded mode: the filesystem transport needs its folders before the first message."""
    from django.conf import settings

    for key in ("data_folder_in", "data_folder_out", "processed_folder"):
        folder = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}).get(key)
        if folder:
            os.makedirs(folder, exist_ok=True)


@signals.import_modules.connect
def _on_worker_import(**kwargs: object) -> None:
    _ensure_filesystem_broker_folders()


@signals.setup_logging.connect
def _log_through_settings(**kwargs: object) -> None:
    """Worker and beat log through settings.LOGGING (config/logging.py: JSON lines in production), not through
    handlers of Celery's own; connecting this signal is what keeps Celery from installing them."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@signals.task_prerun.connect
def _bind_task(task_id: str, task: object, **kwargs: object) -> None:
    """Every record written while a task runs names the task and its id."""
    structlog.contextvars.bind_contextvars(task=getattr(task, "name", ""), task_id=task_id)


@signals.task_postrun.connect
def _unbind_task(**kwargs: object) -> None:
    structlog.contextvars.unbind_contextvars("task", "task_id")


_redis_clients: dict[tuple[int, str], "redis.Redis"] = {}


def broker_redis() -> "redis.Redis | None":
    """A client for the broker's Redis, or None for other brokers (embedded mode's filesystem one).

    One per process and broker URL (redis-py pools its connections), so a flag set next to the queue
    costs one round trip, not a new connection.
    """
    url = str(app.conf.broker_url or "")
    if not url.startswith(("redis://", "rediss://")):
        return None
    key = (os.getpid(), url)
    client = _redis_clients.get(key)
    if client is None:
        import redis

        client = _redis_clients[key] = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    return client


def queue_backlog(queue: str = "critical") -> int:
    """Messages waiting in `queue` on a Redis broker (0 when it cannot tell: other brokers, errors).

    The paging sweepers use it to tell a lost task from one that is merely queued behind a burst:
    re-sending copies into a long queue only slows the real work down.
    """
    client = broker_redis()
    if client is None:
        return 0
    try:
        return int(client.llen(queue))
    except Exception:  # an unreachable broker means nothing is queued that we could wait for
        return 0

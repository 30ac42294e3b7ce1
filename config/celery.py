"""The Celery app. Queues: `critical` (paging, notifications, escalations) and `default`."""

import os

from celery import Celery, signals
from kombu import Queue

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


def queue_backlog(queue: str = "critical") -> int:
    """Messages waiting in `queue` on a Redis broker (0 when it cannot tell: other brokers, errors).

    The paging sweepers use it to tell a lost task from one that is merely queued behind a burst:
    re-sending copies into a long queue only slows the real work down.
    """
    if not str(app.conf.broker_url or "").startswith(("redis://", "rediss://")):
        return 0
    try:
        with app.connection_for_write() as connection:
            return int(connection.default_channel.client.llen(queue))
    except Exception:  # an unreachable broker means nothing is queued that we could wait for
        return 0

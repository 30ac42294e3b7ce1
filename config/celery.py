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

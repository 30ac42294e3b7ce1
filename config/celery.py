"""The Celery app. Queues: `critical` (paging, notifications, escalations) and `default`.

What lives next to the queue in the broker's Redis (flags, backlog) is reached through core.broker, which
reads this app's broker URL, so the apps never import config."""

import os

import structlog
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

"""The Celery app. Queues: `critical` (paging, notifications, escalations) and `default`."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("firebreak")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue("critical"), Queue("default")]
app.autodiscover_tasks()

"""Celery tasks of the workflows app (autodiscovered as `workflows.tasks`): run steps and webhook deliveries."""

from workflows.tasks.runs import *  # noqa: F403
from workflows.tasks.webhooks import *  # noqa: F403

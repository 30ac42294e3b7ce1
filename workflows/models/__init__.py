"""The workflows app's models: rules (Workflow), their runs and steps, and the org's outbound webhooks."""

from workflows.models.rules import ConditionMode, Trigger, Workflow
from workflows.models.runs import RunStatus, StepStatus, WorkflowRun, WorkflowRunStep
from workflows.models.webhooks import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "ConditionMode",
    "DeliveryStatus",
    "RunStatus",
    "StepStatus",
    "Trigger",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "Workflow",
    "WorkflowRun",
    "WorkflowRunStep",
]

"""A workflow's runs: one per (workflow, triggering event), each step durable like an escalation."""

from uuid import uuid4

from django.db import models
from django.db.models import Q

from orgs.models import OrgOwnedModel
from workflows.models.rules import Workflow


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"  # at least one step failed; the others ran
    CANCELED = "canceled", "Canceled"


class StepStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # waits for its due time (and for the step before it)
    SUCCEEDED = "succeeded", "Done"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"  # with the reason in `outcome`
    CANCELED = "canceled", "Canceled"


class WorkflowRun(OrgOwnedModel):
    """One run of a workflow for one triggering event.

    `event_key` names the event occurrence (for example ``incident:42:status:1234``, the change's timeline
    entry): a unique constraint on (workflow, event_key) makes a repeated event start nothing. The workflow's
    name is copied so the run log survives the workflow's deletion.
    """

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    workflow = models.ForeignKey(Workflow, null=True, on_delete=models.SET_NULL, related_name="runs")
    workflow_name = models.CharField(max_length=120)
    trigger = models.CharField(max_length=40)
    event_key = models.CharField(max_length=200)
    subject_kind = models.CharField(max_length=32, help_text="incident, alert_group, follow_up, schedule, ...")
    subject_id = models.BigIntegerField()
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_drill = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING)
    event = models.JSONField(default=dict, blank=True, help_text="What the trigger saw (the condition context)")
    matched = models.JSONField(default=list, blank=True, help_text="Each condition and whether it held")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "event_key"], name="workflow_run_once_per_event"),
            models.CheckConstraint(condition=Q(status__in=RunStatus.values), name="workflow_run_status_valid"),
        ]
        indexes = [
            models.Index(fields=["organization", "-started_at"], name="workflow_run_recent"),
            models.Index(fields=["incident"], name="workflow_run_incident"),
        ]

    def __str__(self) -> str:
        return f"{self.workflow_name} run {self.uuid}"


class WorkflowRunStep(OrgOwnedModel):
    """One action of a run: due at `due_at` (the step before it finished + its delay), run by the task whose
    token is current, re-driven by the sweeper when its message was lost. Its effects and its new status commit
    in one transaction, so a worker killed mid-step leaves it pending and it runs exactly once."""

    run = models.ForeignKey(WorkflowRun, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    action = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    delay_seconds = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=StepStatus.choices, default=StepStatus.PENDING)
    due_at = models.DateTimeField(null=True, blank=True, help_text="Empty until the step before it finished")
    task_token = models.UUIDField(default=uuid4)
    redriven_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    outcome = models.CharField(max_length=500, blank=True, help_text="What happened, in words")
    error = models.CharField(max_length=500, blank=True)
    result = models.JSONField(default=dict, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "position"], name="workflow_step_position_unique"),
            models.CheckConstraint(condition=Q(status__in=StepStatus.values), name="workflow_step_status_valid"),
        ]
        indexes = [models.Index(fields=["due_at"], condition=Q(status="pending"), name="workflow_step_due")]

    def __str__(self) -> str:
        return f"step {self.position} ({self.action}) of {self.run_id}"

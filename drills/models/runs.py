"""A drill run, its injects (the durable unit: each sent exactly once), what it produced, and the drill
integrations' keys."""

from uuid import uuid4

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.model_fields import EncryptedTextField
from drills.models.scenarios import Scenario
from orgs.models import OrgOwnedModel


class RunStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"
    HALTED = "halted", "Halted"
    CANCELED = "canceled", "Canceled"


ACTIVE_RUN_STATUSES = (RunStatus.SCHEDULED, RunStatus.RUNNING)


class Recurrence(models.TextChoices):
    NONE = "none", "One-off"
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"


class DrillRun(OrgOwnedModel):
    """One run of a scenario ("DR-3"). Scheduled for a time (or started at once), optionally recurring: the next
    run is created when this one starts. `scorecard` is the snapshot written when the run ends (while it runs the
    scorecard is computed live, drills.scorecard)."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    number = models.PositiveIntegerField()
    scenario = models.ForeignKey(Scenario, on_delete=models.PROTECT, related_name="runs")
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.SCHEDULED)
    scheduled_for = models.DateTimeField(null=True, blank=True, help_text="Empty: started by hand")
    recurrence = models.CharField(max_length=16, choices=Recurrence.choices, default=Recurrence.NONE)
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The recurring run this one was scheduled from",
    )
    announced = models.BooleanField(default=True)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    participants_teams = models.ManyToManyField("orgs.Team", through="DrillRunTeam", blank=True, related_name="+")
    participants_schedule = models.ForeignKey(
        "oncall.Schedule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    observers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="DrillRunObserver", blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    halted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    halt_reason = models.CharField(max_length=500, blank=True)
    ratings = models.JSONField(
        default=dict, blank=True, help_text='{"communication": 1-5, "coordination": 1-5, "technical": 1-5}'
    )
    notes = models.TextField(blank=True)
    scorecard = models.JSONField(default=list, blank=True, help_text="Snapshot of the scorecard rows at the end")

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="drill_run_number_unique"),
            models.CheckConstraint(condition=Q(status__in=RunStatus.values), name="drill_run_status_valid"),
            models.CheckConstraint(condition=Q(recurrence__in=Recurrence.values), name="drill_run_recurrence_valid"),
        ]
        indexes = [
            models.Index(fields=["scheduled_for"], condition=Q(status="scheduled"), name="drill_run_due"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"DR-{self.number}"


class DrillRunTeam(OrgOwnedModel):
    """A participating team of a run (the explicit, org-owned table of `DrillRun.participants_teams`)."""

    run = models.ForeignKey(DrillRun, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("orgs.Team", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "team"], name="drill_run_team_once")]

    def __str__(self) -> str:
        return f"team {self.team_id} of run {self.run_id}"


class DrillRunObserver(OrgOwnedModel):
    """An observer of a run (the explicit, org-owned table of `DrillRun.observers`)."""

    run = models.ForeignKey(DrillRun, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "user"], name="drill_run_observer_once")]

    def __str__(self) -> str:
        return f"observer {self.user_id} of run {self.run_id}"


class InjectStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"  # claimed by a worker; a stale one is re-sent (deduplicated by its dedup key)
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"


class DrillInject(OrgOwnedModel):
    """One inject of a run, copied from the scenario when the run starts, due at start + offset. Sent by the task
    holding the current `task_token`; `drill_injects_sweep` re-drives overdue ones. An alert inject carries its
    `dedup_key` (unique per run), so a resend after a lost answer is deduplicated into the same alert group."""

    run = models.ForeignKey(DrillRun, on_delete=models.CASCADE, related_name="injects")
    position = models.PositiveSmallIntegerField()
    offset_seconds = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=16)
    format = models.CharField(max_length=16, blank=True)
    service = models.ForeignKey("services.Service", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    integration = models.ForeignKey(
        "alerting.Integration", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payload = models.JSONField(default=dict, blank=True)
    text = models.TextField(blank=True)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=InjectStatus.choices, default=InjectStatus.PENDING)
    task_token = models.UUIDField(default=uuid4)
    redriven_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    dedup_key = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["run", "position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "position"], name="drill_inject_position_unique"),
            models.UniqueConstraint(
                fields=["run", "dedup_key"], condition=~Q(dedup_key=""), name="drill_inject_dedup_key_unique"
            ),
            models.CheckConstraint(condition=Q(status__in=InjectStatus.values), name="drill_inject_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=["alert", "hint", "prompt"]), name="drill_inject_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(status__in=["pending", "sending"]), name="drill_inject_due"),
        ]

    def __str__(self) -> str:
        return f"inject {self.position} ({self.kind}) of {self.run_id}"


class DrillLink(OrgOwnedModel):
    """An alert group or an incident a run produced (one of the two per row), linked by the subscribers."""

    run = models.ForeignKey(DrillRun, on_delete=models.CASCADE, related_name="links")
    alert_group = models.ForeignKey(
        "alerting.AlertGroup", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    linked_at = models.DateTimeField()

    class Meta:
        ordering = ["linked_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "alert_group"], condition=Q(alert_group__isnull=False), name="drill_link_group_once"
            ),
            models.UniqueConstraint(
                fields=["run", "incident"], condition=Q(incident__isnull=False), name="drill_link_incident_once"
            ),
            models.CheckConstraint(
                condition=Q(alert_group__isnull=False, incident__isnull=True)
                | Q(alert_group__isnull=True, incident__isnull=False),
                name="drill_link_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"link of {self.run_id}"


class DrillIntegrationKey(OrgOwnedModel):
    """The raw key of a drill integration (alerting keeps only its hash): the injects need it to authenticate to
    the inbound endpoint. Encrypted at rest."""

    integration = models.OneToOneField("alerting.Integration", on_delete=models.CASCADE, related_name="+")
    key = EncryptedTextField()

    def __str__(self) -> str:
        return f"drill key of integration {self.integration_id}"

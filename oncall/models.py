"""On-call models: schedules (layers of rotations plus overrides) and escalation policies with their runs.

Who is on call is computed from these rows at a given instant (oncall.rotation); nothing caches it.
An Escalation is the durable state of one policy run for one alert group: the database, not the
broker, knows which step is due when (DESIGN.md, durability).
"""

from uuid import uuid4

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.timefmt import validate_time_zone  # also referenced by migration 0001 as oncall.models.validate_time_zone
from orgs.models import OrgOwnedModel, Team

# --- schedules ---------------------------------------------------------------------------------------


class Schedule(OrgOwnedModel):
    """Who is on call, in a time zone: ordered layers (higher position wins) and overrides (win over all)."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=63)
    description = models.TextField(blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    owner_team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="schedules")
    # Hand-off notices: shifts starting up to this instant have been announced (oncall.tasks).
    handoffs_notified_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "slug"], name="schedule_unique_slug_per_org")]

    def __str__(self) -> str:
        return self.name


class RotationKind(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    CUSTOM = "custom", "Every N hours"


class ScheduleLayer(OrgOwnedModel):
    """One rotation: participants take turns of `rotation` length from `start_date` at `handoff_time` (local).

    `restrictions` limits when the layer applies: a list of {"weekdays": [0..6] (Mon=0), "start": "HH:MM",
    "end": "HH:MM"} windows in the schedule's time zone (end <= start crosses midnight); empty = always.
    """

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="layers")
    name = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField(default=0, help_text="Higher layers win where they overlap")
    rotation = models.CharField(max_length=8, choices=RotationKind.choices, default=RotationKind.WEEKLY)
    shift_hours = models.PositiveIntegerField(
        default=24, validators=[MinValueValidator(1), MaxValueValidator(24 * 28)], help_text="For custom rotations"
    )
    handoff_time = models.TimeField(default="09:00")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    restrictions = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["schedule", "-position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(rotation__in=RotationKind.values), name="schedule_layer_rotation_valid"),
            models.UniqueConstraint(fields=["schedule", "position"], name="schedule_layer_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.schedule} / {self.name}"


class ScheduleLayerMember(OrgOwnedModel):
    """A participant of a layer, in turn order."""

    layer = models.ForeignKey(ScheduleLayer, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["layer", "position"]
        constraints = [models.UniqueConstraint(fields=["layer", "position"], name="schedule_layer_member_unique_turn")]

    def __str__(self) -> str:
        return f"{self.layer} #{self.position}"


class ScheduleOverride(OrgOwnedModel):
    """`user` is on call from `starts_at` to `ends_at`, covering `covers` (or everyone when None)."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="overrides")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    covers = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="override_ends_after_start")
        ]
        indexes = [models.Index(fields=["organization", "schedule", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.schedule} override {self.starts_at:%Y-%m-%d %H:%M}"


class OncallProfile(OrgOwnedModel):
    """A member's on-call settings in one org: the nonce that signs their secret calendar feed URL.

    The feed URL carries `uuid` and a signature salted with `feed_nonce`; a new nonce (regenerate) makes
    every earlier URL stop working at once.
    """

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    feed_nonce = models.CharField(max_length=64)
    feed_rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="oncall_profile_unique_user")]

    def __str__(self) -> str:
        return f"on-call profile of {self.user}"


# --- escalation policies --------------------------------------------------------------------------------


class EscalationPolicy(OrgOwnedModel):
    """Ordered steps run until someone acknowledges; the whole list runs `repeat_count` more times, then stops."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=63)
    description = models.TextField(blank=True)
    owner_team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    repeat_count = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(10)])

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "escalation policies"
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="escalation_policy_unique_slug_per_org")
        ]

    def __str__(self) -> str:
        return self.name


class EscalationStep(OrgOwnedModel):
    """Notify the step's targets, then wait `wait_minutes` before the next step."""

    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    wait_minutes = models.PositiveIntegerField(default=5, validators=[MaxValueValidator(24 * 60)])

    class Meta:
        ordering = ["policy", "position"]
        constraints = [models.UniqueConstraint(fields=["policy", "position"], name="escalation_step_unique_position")]

    def __str__(self) -> str:
        return f"{self.policy} step {self.position + 1}"


class StepTargetKind(models.TextChoices):
    USER = "user", "Person"
    SCHEDULE = "schedule", "On-call of a schedule"
    TEAM = "team", "Every member of a team"


class EscalationStepTarget(OrgOwnedModel):
    """Who a step notifies: one person, whoever is on call on a schedule at that moment, or a whole team."""

    step = models.ForeignKey(EscalationStep, on_delete=models.CASCADE, related_name="targets")
    kind = models.CharField(max_length=8, choices=StepTargetKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    schedule = models.ForeignKey(Schedule, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["step", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="user", user__isnull=False, schedule__isnull=True, team__isnull=True)
                    | Q(kind="schedule", user__isnull=True, schedule__isnull=False, team__isnull=True)
                    | Q(kind="team", user__isnull=True, schedule__isnull=True, team__isnull=False)
                ),
                name="escalation_step_target_one_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.step}: {self.kind}"


class EscalationStatus(models.TextChoices):
    ACTIVE = "active", "Paging"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"
    UNANSWERED = "unanswered", "Unanswered"
    CANCELED = "canceled", "Canceled"


class Escalation(OrgOwnedModel):
    """One run of a policy for one subject (an alert group): the step due next, when, and the token of its task.

    A step task runs only if its token is the current one, so a duplicate or stale broker message does
    nothing; the sweeper re-drives rows whose `next_due_at` has passed (lost message, dead worker).

    The subject lives in an app above oncall (alerting), so it is named by kind and id, not by a foreign key:
    a key up to alerting.AlertGroup closed the cycle Service → EscalationPolicy → Escalation → AlertGroup →
    Service (docs/architecture.md, "Paging path"). The subject's app reads it for a step (oncall.subjects) and
    follows the run through oncall.events. A run whose subject is gone is canceled at its next step.
    """

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    policy = models.ForeignKey(EscalationPolicy, null=True, on_delete=models.SET_NULL, related_name="escalations")
    subject_kind = models.CharField(max_length=32, help_text="What it pages about, e.g. alert_group")
    subject_id = models.BigIntegerField(help_text="The subject's id in its app")
    status = models.CharField(max_length=16, choices=EscalationStatus.choices, default=EscalationStatus.ACTIVE)
    step_index = models.PositiveSmallIntegerField(default=0, help_text="The step that runs at next_due_at")
    repeat = models.PositiveSmallIntegerField(default=0, help_text="Completed passes over the whole policy")
    next_due_at = models.DateTimeField(null=True, blank=True)
    task_token = models.UUIDField(default=uuid4)
    # When the sweeper last re-sent the current step's task; it waits ONCALL_SWEEP_REDRIVE_SECONDS before
    # sending it again, so a queue that is merely slow is not flooded with copies.
    redriven_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)
    steps_run = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=EscalationStatus.values), name="escalation_status_valid"),
            models.UniqueConstraint(
                fields=["subject_kind", "subject_id"],
                condition=Q(status="active"),
                name="escalation_one_active_per_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["next_due_at"], condition=Q(status="active"), name="escalation_due_active"),
            models.Index(fields=["organization", "subject_kind", "subject_id"], name="escalation_subject"),
        ]

    def __str__(self) -> str:
        return f"escalation {self.uuid}"

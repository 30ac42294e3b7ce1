"""A workflow: when a trigger fires and its conditions hold, run its ordered actions (docs/workflows.md)."""

from uuid import uuid4

from django.conf import settings
from django.db import models
from django.db.models import Q

from orgs.models import OrgOwnedModel


class Trigger(models.TextChoices):
    """The moments a workflow can start at, named after the domain event they follow."""

    INCIDENT_DECLARED = "incident.declared", "Incident declared"
    INCIDENT_STATUS_CHANGED = "incident.status_changed", "Incident status changed"
    INCIDENT_SEVERITY_CHANGED = "incident.severity_changed", "Incident severity changed"
    INCIDENT_ROLE_ASSIGNED = "incident.role_assigned", "Incident role assigned"
    STATUS_UPDATE_POSTED = "status_update.posted", "Status update posted"
    ALERT_GROUP_TRIGGERED = "alert_group.triggered", "Alert group triggered"
    ALERT_GROUP_UNANSWERED = "alert_group.unanswered", "Alert group went unanswered"
    FOLLOW_UP_OVERDUE = "follow_up.overdue", "Follow-up overdue"
    RETROSPECTIVE_PUBLISHED = "retrospective.published", "Retrospective published"
    DRILL_STARTED = "drill.started", "Drill started"
    SCHEDULE_HANDOFF = "schedule.handoff", "On-call hand-off"


class ConditionMode(models.TextChoices):
    ALL = "all", "All conditions"
    ANY = "any", "Any condition"


class Workflow(OrgOwnedModel):
    """Trigger → conditions → actions.

    `conditions` is a list of ``{"field": ..., "operator": ..., "value": ...}`` (workflows/conditions.py says which
    fields and operators exist); `actions` is the ordered list of ``{"action": ..., "params": {...},
    "delay_seconds": 0, "enabled": true}`` (workflows/steps/ says which actions exist and their params). Both are
    validated by workflows.validation before any write. A run copies the actions it will take, so editing a
    workflow never changes a run already under way.
    """

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=500, blank=True)
    trigger = models.CharField(max_length=40, choices=Trigger.choices)
    condition_mode = models.CharField(max_length=8, choices=ConditionMode.choices, default=ConditionMode.ALL)
    conditions = models.JSONField(default=list, blank=True)
    actions = models.JSONField(default=list, blank=True)
    is_enabled = models.BooleanField(default=True)
    run_in_drills = models.BooleanField(default=False, help_text="Also run for drill incidents")
    seed_key = models.CharField(max_length=40, blank=True, help_text="Set on workflows the app seeded")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="workflow_name_unique"),
            models.UniqueConstraint(
                fields=["organization", "seed_key"], condition=~Q(seed_key=""), name="workflow_seed_unique"
            ),
            models.CheckConstraint(condition=Q(trigger__in=Trigger.values), name="workflow_trigger_valid"),
            models.CheckConstraint(
                condition=Q(condition_mode__in=ConditionMode.values), name="workflow_condition_mode_valid"
            ),
        ]
        indexes = [models.Index(fields=["organization", "trigger", "is_enabled"], name="workflow_trigger")]

    def __str__(self) -> str:
        return self.name

"""Ticketing: follow-up tickets (action items) of incidents and retrospectives, the built-in tracker.

A later issue syncs them with external trackers; until then Firebreak is the tracker."""

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from incidents.models import Incident
from orgs.models import OrgOwnedModel


class FollowUpStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    WONT_DO = "wont_do", "Won't do"


OPEN_FOLLOW_UP_STATUSES = [FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS]


class FollowUpPriority(models.TextChoices):
    URGENT = "urgent", "Urgent"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


PRIORITY_RANK = {"urgent": 1, "high": 2, "medium": 3, "low": 4}


class FollowUpSource(models.TextChoices):
    """Where a follow-up came from. One made from something of its incident (a retrospective's action items)
    stays with that incident; which retrospective is the incident's own, so no link to the retros app is kept."""

    DIRECT = "direct", "Added directly"
    RETROSPECTIVE = "retrospective", "Action item of the retrospective"


class FollowUp(OrgOwnedModel):
    """A follow-up ticket (FU-12): something to fix after an incident, with an owner and a due date."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True, help_text="Markdown source")
    description_html = models.TextField(blank=True, help_text="Sanitized HTML rendered from description")
    status = models.CharField(max_length=16, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    priority = models.CharField(max_length=16, choices=FollowUpPriority.choices, default=FollowUpPriority.MEDIUM)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True, help_text="When it became done or won't do")
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups")
    source = models.CharField(max_length=16, choices=FollowUpSource.choices, default=FollowUpSource.DIRECT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    overdue_announced_for = models.DateField(
        null=True, blank=True, help_text="The due date whose passing was announced (follow_up.overdue)"
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="follow_up_unique_number_per_org"),
            models.CheckConstraint(condition=Q(status__in=FollowUpStatus.values), name="follow_up_status_valid"),
            models.CheckConstraint(condition=Q(priority__in=FollowUpPriority.values), name="follow_up_priority_valid"),
            models.CheckConstraint(condition=Q(source__in=FollowUpSource.values), name="follow_up_source_valid"),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "due_date"]),
            models.Index(fields=["organization", "incident"]),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"FU-{self.number}"

    @property
    def is_action_item(self) -> bool:
        """An action item of its incident's retrospective."""
        return self.source == FollowUpSource.RETROSPECTIVE and self.incident_id is not None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_FOLLOW_UP_STATUSES

    def is_overdue_on(self, today: date) -> bool:
        return self.is_open and self.due_date is not None and self.due_date < today

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.now().date())

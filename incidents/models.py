"""Incidents: severities, roles and incident types per org, the incident and its lifecycle, roles, tasks, timeline."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from orgs.models import OrgOwnedModel
from services.models import Service


class Severity(OrgOwnedModel):
    """An org-defined severity level; rank 1 is the worst."""

    name = models.CharField(max_length=32)
    rank = models.PositiveSmallIntegerField()
    description = models.CharField(max_length=300, blank=True)
    is_major = models.BooleanField(default=False)

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="severity_unique_name_per_org"),
            models.UniqueConstraint(fields=["organization", "rank"], name="severity_unique_rank_per_org"),
        ]

    def __str__(self) -> str:
        return self.name


class IncidentRole(OrgOwnedModel):
    """An org-defined incident role (Incident Commander, Scribe, …) with instructions and a checklist."""

    name = models.CharField(max_length=64)
    slug = models.SlugField(max_length=64)
    description = models.CharField(max_length=300, blank=True)
    instructions = models.TextField(blank=True)
    checklist = models.JSONField(default=list, blank=True, help_text="Items that become tasks when assigned")
    position = models.PositiveSmallIntegerField(default=0)
    is_commander = models.BooleanField(default=False, help_text="The role the declarer takes by default")

    class Meta:
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "slug"], name="incident_role_unique_slug")]

    def __str__(self) -> str:
        return self.name


class IncidentType(OrgOwnedModel):
    """An org-defined kind of incident (Security, Data loss, …): a default severity and the commander's checklist."""

    name = models.CharField(max_length=64)
    slug = models.SlugField(max_length=64)
    description = models.CharField(max_length=300, blank=True)
    default_severity = models.ForeignKey(
        Severity, null=True, blank=True, on_delete=models.SET_NULL, related_name="incident_types"
    )
    checklist = models.JSONField(default=list, blank=True, help_text="Items that become the commander's tasks")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "slug"], name="incident_type_unique_slug")]

    def __str__(self) -> str:
        return self.name


class IncidentStatus(models.TextChoices):
    TRIAGE = "triage", "Triage"
    INVESTIGATING = "investigating", "Investigating"
    IDENTIFIED = "identified", "Identified"
    MONITORING = "monitoring", "Monitoring"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    DECLINED = "declined", "Declined"
    MERGED = "merged", "Merged"
    CANCELED = "canceled", "Canceled"


FORWARD = [
    IncidentStatus.TRIAGE,
    IncidentStatus.INVESTIGATING,
    IncidentStatus.IDENTIFIED,
    IncidentStatus.MONITORING,
    IncidentStatus.RESOLVED,
    IncidentStatus.CLOSED,
]
OPEN_STATUSES = [
    IncidentStatus.TRIAGE,
    IncidentStatus.INVESTIGATING,
    IncidentStatus.IDENTIFIED,
    IncidentStatus.MONITORING,
]
TERMINAL_STATUSES = [IncidentStatus.CLOSED, IncidentStatus.DECLINED, IncidentStatus.MERGED, IncidentStatus.CANCELED]


def allowed_transitions(status: str) -> list[str]:
    """DESIGN.md's rules: forward skips, triage may also be declined/merged/canceled, resolved may reopen."""
    if status in TERMINAL_STATUSES:
        return []
    index = FORWARD.index(IncidentStatus(status))
    allowed = list(FORWARD[index + 1 :])
    if status == IncidentStatus.TRIAGE:
        allowed += [IncidentStatus.DECLINED, IncidentStatus.MERGED, IncidentStatus.CANCELED]
    if status == IncidentStatus.RESOLVED:
        allowed.insert(0, IncidentStatus.INVESTIGATING)
    return [str(s) for s in allowed]


MILESTONES = [
    "started_at",
    "detected_at",
    "declared_at",
    "acknowledged_at",
    "identified_at",
    "mitigated_at",
    "resolved_at",
    "closed_at",
]


class Incident(OrgOwnedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    severity = models.ForeignKey(Severity, on_delete=models.PROTECT, related_name="incidents")
    incident_type = models.ForeignKey(
        IncidentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    status = models.CharField(max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.INVESTIGATING)
    summary = models.TextField(blank=True)
    customer_impact = models.TextField(blank=True)
    is_drill = models.BooleanField(default=False, editable=False)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    services = models.ManyToManyField(Service, through="IncidentService", related_name="incidents")
    started_at = models.DateTimeField()
    detected_at = models.DateTimeField(null=True, blank=True)
    declared_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    identified_at = models.DateTimeField(null=True, blank=True)
    mitigated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="incident_unique_number_per_org"),
            models.CheckConstraint(condition=Q(status__in=IncidentStatus.values), name="incident_status_valid"),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "-declared_at"]),
            models.Index(fields=["organization", "-declared_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"INC-{self.number}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class IncidentService(OrgOwnedModel):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="service_links")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="incident_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "service"], name="incident_service_unique")]

    def __str__(self) -> str:
        return f"{self.incident_id} affects {self.service_id}"


class RoleAssignment(OrgOwnedModel):
    """Who held which role when; `released_at` empty means current. History is never deleted."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.ForeignKey(IncidentRole, on_delete=models.PROTECT, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    assigned_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "role"], condition=Q(released_at=None), name="role_assignment_one_current"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} as {self.role}"


class IncidentTask(OrgOwnedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=300)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    role = models.ForeignKey(IncidentRole, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["completed_at", "created_at", "id"]

    def __str__(self) -> str:
        return self.title


class TimelineKind(models.TextChoices):
    DECLARED = "declared", "Declared"
    STATUS_CHANGED = "status_changed", "Status changed"
    SEVERITY_CHANGED = "severity_changed", "Severity changed"
    FIELDS_CHANGED = "fields_changed", "Details edited"
    SERVICES_CHANGED = "services_changed", "Affected services changed"
    MILESTONE_CHANGED = "milestone_changed", "Milestone edited"
    ROLE_ASSIGNED = "role_assigned", "Role assigned"
    ROLE_RELEASED = "role_released", "Role released"
    TASK_ADDED = "task_added", "Task added"
    TASK_COMPLETED = "task_completed", "Task completed"
    TASK_REOPENED = "task_reopened", "Task reopened"
    TASK_ASSIGNED = "task_assigned", "Task assigned"
    NOTE = "note", "Note"
    STATUS_UPDATE = "status_update", "Status update"
    ALERT_ATTACHED = "alert_attached", "Alert attached"
    INCIDENT_MERGED = "incident_merged", "Incident merged in"
    PAGED = "paged", "Paged"
    FOLLOW_UP_ADDED = "follow_up_added", "Follow-up added"
    RETROSPECTIVE = "retrospective", "Retrospective"
    WORKFLOW = "workflow", "Workflow"


class TimelineEvent(OrgOwnedModel):
    """One thing that happened in an incident, written in the same transaction as the change."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=24, choices=TimelineKind.choices)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=200)
    occurred_at = models.DateTimeField()
    payload = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True, help_text="Markdown source (notes, status updates)")
    body_html = models.TextField(blank=True, help_text="Sanitized HTML rendered from body")
    is_pinned = models.BooleanField(default=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=TimelineKind.values), name="timeline_kind_valid")]
        indexes = [
            models.Index(fields=["organization", "incident", "-id"]),
            models.Index(fields=["incident", "is_pinned"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.incident_id}"


class StatusUpdateVisibility(models.TextChoices):
    INTERNAL = "internal", "Internal"
    EXTERNAL = "external", "External (status page)"


class StatusUpdate(OrgOwnedModel):
    """A written update for stakeholders; external ones are what the status page will show."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="status_updates")
    message = models.TextField()
    status = models.CharField(max_length=16, choices=IncidentStatus.choices)
    visibility = models.CharField(
        max_length=16, choices=StatusUpdateVisibility.choices, default=StatusUpdateVisibility.INTERNAL
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(visibility__in=StatusUpdateVisibility.values), name="status_update_visibility_valid"
            )
        ]

    def __str__(self) -> str:
        return self.message[:60]

"""Alerting: integrations (inbound endpoints per service), alerts and their deduplicated groups."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from incidents.models import Incident
from orgs.models import OrgOwnedModel
from services.models import Service


class IntegrationKind(models.TextChoices):
    PAGERDUTY_V2 = "pagerduty_v2", "PagerDuty Events API v2"
    ALERTMANAGER = "alertmanager", "Prometheus Alertmanager"
    GRAFANA = "grafana", "Grafana alerting"
    WEBHOOK = "webhook", "Generic JSON webhook"


class Integration(OrgOwnedModel):
    """An inbound endpoint for one monitoring tool, routed to one service. Its key is stored hashed."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=IntegrationKind.choices)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="integrations")
    key_prefix = models.CharField(max_length=8, unique=True)
    key_hash = models.CharField(max_length=64)
    enabled = models.BooleanField(default=True)
    # A drill integration (made by the drills app when a run starts): its pages say [DRILL], an incident declared
    # from its groups is a drill, and its groups stay out of production paging analytics.
    is_drill = models.BooleanField(default=False, editable=False)
    rate_limit_per_minute = models.PositiveIntegerField(default=60_000)
    # Generic webhook: dot paths into the JSON body (e.g. "alert.title" or "items.0.name").
    title_path = models.CharField(max_length=200, blank=True)
    dedup_key_path = models.CharField(max_length=200, blank=True)
    severity_path = models.CharField(max_length=200, blank=True)
    status_path = models.CharField(max_length=200, blank=True, help_text="Value 'resolved'/'ok' resolves")
    link_path = models.CharField(max_length=200, blank=True)
    dropped_events = models.PositiveBigIntegerField(default=0, help_text="Stray acknowledge/resolve events")
    last_event_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=IntegrationKind.values), name="integration_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class AlertSeverity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    ERROR = "error", "Error"
    WARNING = "warning", "Warning"
    INFO = "info", "Info"


SEVERITY_RANK = {"critical": 1, "error": 2, "warning": 3, "info": 4}


class AlertGroupStatus(models.TextChoices):
    TRIGGERED = "triggered", "Triggered"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


OPEN_GROUP_STATUSES = [AlertGroupStatus.TRIGGERED, AlertGroupStatus.ACKNOWLEDGED]


class PagingStatus(models.TextChoices):
    NONE = "none", "Not paged"
    PENDING = "pending", "Paging pending"
    PAGING = "paging", "Paging"
    STOPPED = "stopped", "Paging stopped"
    UNANSWERED = "unanswered", "Unanswered"
    NO_POLICY = "no_policy", "No escalation policy"


class AlertGroup(OrgOwnedModel):
    """Alerts of one integration sharing a dedup key while open; at most one open group per key."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="groups")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="alert_groups")
    dedup_key = models.CharField(max_length=255)
    title = models.CharField(max_length=1024)
    severity = models.CharField(max_length=16, choices=AlertSeverity.choices, default=AlertSeverity.ERROR)
    status = models.CharField(max_length=16, choices=AlertGroupStatus.choices, default=AlertGroupStatus.TRIGGERED)
    labels = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=255, blank=True)
    link = models.URLField(max_length=1000, blank=True)
    alert_count = models.PositiveIntegerField(default=0)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    silenced_until = models.DateTimeField(null=True, blank=True)
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="alert_groups"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_groups"
    )
    paging_status = models.CharField(max_length=16, choices=PagingStatus.choices, default=PagingStatus.NONE)

    class Meta:
        ordering = ["-last_seen"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "dedup_key"],
                condition=Q(status__in=["triggered", "acknowledged"]),
                name="alert_group_one_open_per_key",
            ),
            models.CheckConstraint(condition=Q(status__in=AlertGroupStatus.values), name="alert_group_status_valid"),
            models.CheckConstraint(condition=Q(severity__in=AlertSeverity.values), name="alert_group_severity_valid"),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "-last_seen"]),
            models.Index(fields=["organization", "service", "status"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_GROUP_STATUSES


class AlertAction(models.TextChoices):
    TRIGGER = "trigger", "Trigger"
    ACKNOWLEDGE = "acknowledge", "Acknowledge"
    RESOLVE = "resolve", "Resolve"


class Alert(OrgOwnedModel):
    """One accepted event, with its raw payload as received."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    group = models.ForeignKey(AlertGroup, on_delete=models.CASCADE, related_name="alerts")
    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="alerts")
    action = models.CharField(max_length=16, choices=AlertAction.choices)
    dedup_key = models.CharField(max_length=255)
    summary = models.CharField(max_length=1024)
    severity = models.CharField(max_length=16, choices=AlertSeverity.choices)
    source_timestamp = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()
    payload = models.JSONField(default=dict)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["group", "-received_at"]),
            models.Index(fields=["organization", "received_at"]),
        ]

    def __str__(self) -> str:
        return self.summary

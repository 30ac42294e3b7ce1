"""Stakeholder updates: the org's audiences (email lists and chat webhooks), message templates, and each update
sent from an incident with its per-audience delivery."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.model_fields import EncryptedTextField
from incidents.models import Incident
from orgs.models import OrgOwnedModel


class AudienceKind(models.TextChoices):
    EMAIL = "email", "Email list"
    SLACK = "slack", "Slack incoming webhook"
    MATTERMOST = "mattermost", "Mattermost incoming webhook"
    TEAMS = "teams", "Microsoft Teams Workflows webhook"


class Audience(OrgOwnedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=AudienceKind.choices)
    emails = models.TextField(blank=True, help_text="One address per line (email audiences).")
    # A webhook URL is a secret (whoever has it can post): encrypted at rest, shown masked.
    webhook_url = EncryptedTextField(blank=True, default="")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="audience_unique_name"),
            models.CheckConstraint(condition=Q(kind__in=AudienceKind.values), name="audience_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class StakeholderTemplate(OrgOwnedModel):
    """Body with placeholders: {incident.title} {incident.number} {incident.status} {incident.severity}
    {incident.url} {message}."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    body = models.TextField()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="stakeholder_template_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class StakeholderUpdate(OrgOwnedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    message = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    template = models.ForeignKey(
        StakeholderTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="updates"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.message[:60]


class StakeholderDeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class StakeholderDelivery(OrgOwnedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    update = models.ForeignKey(StakeholderUpdate, on_delete=models.CASCADE, related_name="deliveries")
    audience = models.ForeignKey(Audience, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        max_length=8, choices=StakeholderDeliveryStatus.choices, default=StakeholderDeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["update", "audience"], name="stakeholder_delivery_unique"),
            models.CheckConstraint(
                condition=Q(status__in=StakeholderDeliveryStatus.values), name="stakeholder_delivery_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.update_id} to {self.audience_id}: {self.status}"

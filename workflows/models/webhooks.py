"""Outbound webhooks: an org's endpoints, the deliveries made to them and each attempt (Standard Webhooks)."""

from uuid import uuid4

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.model_fields import EncryptedTextField
from orgs.models import OrgOwnedModel


class WebhookEndpoint(OrgOwnedModel):
    """Where an org's events are POSTed, signed per the Standard Webhooks spec with a ``whsec_`` secret.

    `event_types` empty means every event. After a rotation the previous secret signs too (both signatures in
    `webhook-signature`) until `previous_secret_expires_at`. A 410 answer disables the endpoint
    (`disabled_reason` says why) and tells the org's admins.
    """

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list, blank=True)
    secret = EncryptedTextField()
    previous_secret = EncryptedTextField(blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    is_enabled = models.BooleanField(default=True)
    include_drills = models.BooleanField(default=False, help_text="Also send events about drill incidents")
    disabled_reason = models.CharField(max_length=200, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["organization", "is_enabled"], name="webhook_endpoint_enabled")]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # due at next_attempt_at (first try or a retry)
    SENDING = "sending", "Sending"  # claimed by a worker (token); the sweeper re-drives it if that worker died
    SUCCEEDED = "succeeded", "Delivered"
    FAILED = "failed", "Failed"  # gave up: retries exhausted, a permanent error, or the endpoint disabled


class WebhookDelivery(OrgOwnedModel):
    """One message to one endpoint: `message_id` is the `webhook-id` (the same on every retry, so the receiver
    can drop duplicates); `body` is the exact JSON sent. A replay is a new delivery of the same message
    (`replay_of`)."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField(max_length=64)
    idempotency_key = models.CharField(max_length=200, help_text="The event occurrence (or replay) it is for")
    event_type = models.CharField(max_length=64)
    body = models.TextField()
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    task_token = models.UUIDField(default=uuid4)
    claimed_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    replay_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replays")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "idempotency_key"], name="webhook_delivery_once"),
            models.CheckConstraint(condition=Q(status__in=DeliveryStatus.values), name="webhook_delivery_status_valid"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="webhook_delivery_due"),
            models.Index(fields=["claimed_at"], condition=Q(status="sending"), name="webhook_delivery_sending"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(OrgOwnedModel):
    """One try of a delivery: when, the request's headers, the answer's status (or the error), how long."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    attempted_at = models.DateTimeField()
    request_headers = models.JSONField(default=dict, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_number_unique")]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}"

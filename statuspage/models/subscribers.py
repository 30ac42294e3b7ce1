"""Email subscribers of a status page (double opt-in) and the durable record of every mail sent to one."""

import uuid

from django.db import models
from django.db.models import Q

from orgs.models import OrgOwnedModel
from statuspage.models.pages import Component, Maintenance, PublicUpdate, StatusPage


class Subscriber(OrgOwnedModel):
    """An address that asked for a page's updates. Nothing is sent but the confirmation mail until
    `confirmed_at` is set; `token_hash` is the SHA-256 of the secret in its confirm/manage/unsubscribe links."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    page = models.ForeignKey(StatusPage, on_delete=models.CASCADE, related_name="subscribers")
    email = models.EmailField()
    # Empty: every component of the page.
    components = models.ManyToManyField(
        Component, through="SubscriberComponent", related_name="subscribers", blank=True
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    created_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["email", "pk"]
        constraints = [models.UniqueConstraint(fields=["page", "email"], name="subscriber_unique_email")]

    def __str__(self) -> str:
        return self.email


class SubscriberComponent(OrgOwnedModel):
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="component_links")
    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["subscriber", "component"], name="subscriber_component_unique")]

    def __str__(self) -> str:
        return f"{self.subscriber_id} follows {self.component_id}"


class SubscriberNoticeKind(models.TextChoices):
    CONFIRM = "confirm", "Confirmation"
    INCIDENT_UPDATE = "incident_update", "Incident update"
    MAINTENANCE = "maintenance", "Maintenance"


class SubscriberNoticeStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class SubscriberNotice(OrgOwnedModel):
    """One mail to one subscriber; durable like notifications (a sweeper re-drives pending and stuck rows)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=16, choices=SubscriberNoticeKind.choices)
    subject = models.CharField(max_length=300)
    status = models.CharField(
        max_length=8, choices=SubscriberNoticeStatus.choices, default=SubscriberNoticeStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    idempotency_key = models.CharField(max_length=200)
    public_update = models.ForeignKey(
        PublicUpdate, null=True, blank=True, on_delete=models.SET_NULL, related_name="notices"
    )
    maintenance = models.ForeignKey(Maintenance, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"], name="subscriber_notice_unique_idempotency_key"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=SubscriberNoticeKind.values), name="subscriber_notice_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=SubscriberNoticeStatus.values), name="subscriber_notice_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["organization", "status", "created_at"], name="subscriber_notice_status_idx")]

    def __str__(self) -> str:
        return self.subject

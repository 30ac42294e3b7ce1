"""Notification models: how each person wants to be reached, and every delivery ever attempted.

A Notification row exists before anything is sent: it is the durable record (status, due time,
attempts, last error) that the delivery task and the sweeper both work from, and its idempotency key
(unique) is what stops two workers from paging the same person twice for the same reason.
"""

from uuid import uuid4

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from core.model_fields import EncryptedTextField
from orgs.models import OrgOwnedModel


class ContactKind(models.TextChoices):
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook (JSON POST)"
    CHAT = "chat", "Chat webhook (Slack/Mattermost)"
    SMS = "sms", "SMS"
    VOICE = "voice", "Voice call"


class ContactMethod(OrgOwnedModel):
    """One way to reach a member of this org: an email address, a URL or a phone number. Used once verified."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=ContactKind.choices)
    address = models.CharField(max_length=1000, help_text="Email address, URL or E.164 phone number")
    label = models.CharField(max_length=100, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verification_code_hash = models.CharField(max_length=64, blank=True)
    verification_sent_at = models.DateTimeField(null=True, blank=True)
    verification_attempts = models.PositiveSmallIntegerField(default=0, help_text="Wrong codes since the last send")
    # Webhooks only: the HMAC-SHA256 key of X-Firebreak-Signature, shown to its owner once at creation. The app
    # signs with it again at every delivery, so it is encrypted at rest rather than hashed (core/crypto.py).
    secret = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["user", "kind", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ContactKind.values), name="contact_method_kind_valid"),
            models.UniqueConstraint(
                fields=["organization", "user", "kind", "address"], name="contact_method_unique_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.address}"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class NotificationRule(OrgOwnedModel):
    """When paged, reach me through `contact_method` after `delay_minutes` (0 = immediately)."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    contact_method = models.ForeignKey(ContactMethod, on_delete=models.CASCADE, related_name="rules")
    delay_minutes = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(24 * 60)])

    class Meta:
        ordering = ["user", "delay_minutes", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact_method", "delay_minutes"], name="notification_rule_unique_method_delay"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact_method} after {self.delay_minutes} min"


class NotificationReason(models.TextChoices):
    PAGE = "page", "Page (escalation)"
    MANUAL_PAGE = "manual_page", "Page (by a person)"
    HANDOFF = "handoff", "On-call shift starts"
    VERIFICATION = "verification", "Contact method verification"
    TEST = "test", "Test message"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    RETRYING = "retrying", "Retrying"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"


class Notification(OrgOwnedModel):
    """One delivery to one person through one channel; never deleted, so nothing vanishes silently.

    `task_token` names the one delivery task allowed to act on the row; the sweeper issues a new token
    when it re-drives a row whose task was lost. A row in `sending` longer than the lease is re-driven.
    """

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    idempotency_key = models.CharField(max_length=200)
    reason = models.CharField(max_length=16, choices=NotificationReason.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    contact_method = models.ForeignKey(ContactMethod, null=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(max_length=8, choices=ContactKind.choices)
    address = models.CharField(max_length=1000, help_text="Where it went, as it was when sent")
    # What anyone reading the delivery log sees: never a secret (a verification message keeps a redacted copy).
    subject = models.CharField(max_length=300)
    message = models.TextField(blank=True)
    link = models.CharField(max_length=1000, blank=True)
    # What only the recipient may read (a verification code or link): JSON of the subject/message/link sent in place
    # of the stored ones. Encrypted at rest, and wiped once the delivery is sent, failed or canceled.
    secret_content = EncryptedTextField(blank=True, default="")
    status = models.CharField(max_length=8, choices=NotificationStatus.choices, default=NotificationStatus.PENDING)
    due_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    task_token = models.UUIDField(default=uuid4)
    # When the sweeper last re-sent this row's task (see ONCALL_SWEEP_REDRIVE_SECONDS).
    redriven_at = models.DateTimeField(null=True, blank=True)
    # What the delivery was about. These keys point up at apps above notifications (alerting, incidents, oncall):
    # a delivery record names its subject so that its page, the API's filters and paging analytics can join to
    # it, and SET_NULL keeps the record when the subject goes. notifications' code never imports those apps (it
    # reads the subjects only through these relations); the callers that page (oncall) fill them.
    alert_group = models.ForeignKey(
        "alerting.AlertGroup", null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    escalation = models.ForeignKey(
        "oncall.Escalation", null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )

    class Meta:
        ordering = ["-due_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"], name="notification_unique_idempotency_key"
            ),
            models.CheckConstraint(condition=Q(status__in=NotificationStatus.values), name="notification_status_valid"),
            models.CheckConstraint(condition=Q(channel__in=ContactKind.values), name="notification_channel_valid"),
            models.CheckConstraint(condition=Q(reason__in=NotificationReason.values), name="notification_reason_valid"),
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=Q(status__in=["pending", "retrying", "sending"]),
                name="notification_due_open",
            ),
            models.Index(fields=["organization", "user", "-due_at"]),
            models.Index(fields=["organization", "alert_group"]),
            models.Index(fields=["organization", "incident"]),
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.address} ({self.status})"

"""Serializers of the notifications API: shapes only; writes go through notifications.actions."""

import contextlib
import uuid
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from notifications import selectors
from notifications.models import ContactKind, ContactMethod, Notification, NotificationRule, NotificationStatus
from orgs.api.fields import MemberField
from orgs.api.serializers import UserSummarySerializer


@extend_schema_field(OpenApiTypes.UUID)
class ContactMethodField(serializers.Field):
    """A contact method of the token's organization, by id (uuid)."""

    default_error_messages = {"missing": "No contact method of this organization has this id."}

    def to_internal_value(self, data: Any) -> ContactMethod:
        method = None
        with contextlib.suppress(ValueError, TypeError):
            method = (
                selectors.contact_method_list(organization=self.context["request"].organization)
                .filter(uuid=uuid.UUID(str(data)))
                .first()
            )
        if method is None:
            self.fail("missing")
        return method

    def to_representation(self, method: ContactMethod) -> str:
        return str(method.uuid)


# --- contact methods ---------------------------------------------------------------------------------------


class ContactMethodOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    user = UserSummarySerializer(read_only=True)
    is_verified = serializers.BooleanField(read_only=True)

    class Meta:
        model = ContactMethod
        fields = ["id", "user", "kind", "address", "label", "is_verified", "verified_at", "verification_sent_at"]
        read_only_fields = fields


class ContactMethodCreatedSerializer(ContactMethodOutputSerializer):
    secret = serializers.CharField(
        read_only=True,
        allow_blank=True,
        help_text="Webhooks only: the X-Firebreak-Signature key, shown in this response only (empty otherwise).",
    )

    class Meta(ContactMethodOutputSerializer.Meta):
        fields = [*ContactMethodOutputSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class ContactMethodInputSerializer(serializers.Serializer):
    user = MemberField(help_text="Whose method: a member's user id (uuid) or email.")
    kind = serializers.ChoiceField(choices=ContactKind.choices)
    address = serializers.CharField(max_length=1000, help_text="Email address, http(s) URL or E.164 phone number.")
    label = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class VerifyInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=12, help_text="The 6-digit code the method received.")


# --- rules --------------------------------------------------------------------------------------------------


class NotificationRuleOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    user = UserSummarySerializer(read_only=True)
    contact_method = ContactMethodOutputSerializer(read_only=True)

    class Meta:
        model = NotificationRule
        fields = ["id", "user", "contact_method", "delay_minutes", "created_at"]
        read_only_fields = fields


class NotificationRuleInputSerializer(serializers.Serializer):
    contact_method = ContactMethodField(help_text="A verified contact method (id); the rule is its owner's.")
    delay_minutes = serializers.IntegerField(min_value=0, max_value=24 * 60, default=0)


class UserFilterSerializer(serializers.Serializer):
    user = MemberField(required=False, help_text="Only this member's (user id or email).")


# --- notifications -------------------------------------------------------------------------------------------


class NotificationOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    user = UserSummarySerializer(read_only=True, allow_null=True)
    contact_method = serializers.SlugRelatedField(slug_field="uuid", read_only=True, allow_null=True)
    alert_group = serializers.SlugRelatedField(slug_field="uuid", read_only=True, allow_null=True)
    # Declared as a plain integer: a range derived from Incident.number would depend on the database.
    incident = serializers.IntegerField(source="incident.number", read_only=True, allow_null=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "reason",
            "user",
            "contact_method",
            "channel",
            "address",
            "subject",
            "message",
            "link",
            "status",
            "idempotency_key",
            "attempts",
            "last_error",
            "due_at",
            "claimed_at",
            "sent_at",
            "failed_at",
            "created_at",
            "alert_group",
            "incident",
        ]
        read_only_fields = fields


class NotificationFilterSerializer(serializers.Serializer):
    user = MemberField(required=False, help_text="Only deliveries to this member (user id or email).")
    alert_group = serializers.UUIDField(required=False, help_text="Only deliveries for this alert group (id).")
    incident = serializers.IntegerField(required=False, min_value=1, help_text="Only deliveries for INC-<number>.")
    status = serializers.ChoiceField(choices=NotificationStatus.choices, required=False)

"""Fixtures of the notifications tests: contact methods in a known state."""

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from notifications.models import ContactKind, ContactMethod, NotificationRule
from orgs.models import Membership


@pytest.fixture
def make_method() -> Callable[..., ContactMethod]:
    """A contact method row as-is (no verification sent), verified unless told otherwise."""

    def make(membership: Membership, kind: str = ContactKind.EMAIL, address: str = "", **fields: Any) -> ContactMethod:
        verified = fields.pop("verified", True)
        defaults = {
            ContactKind.EMAIL: membership.user.email,
            ContactKind.WEBHOOK: "https://hooks.acme.test/pager",
            ContactKind.CHAT: "https://chat.acme.test/hooks/1",
            ContactKind.SMS: "+447700900123",
            ContactKind.VOICE: "+447700900123",
        }
        return ContactMethod.objects.create(
            organization=membership.organization,
            user=membership.user,
            kind=kind,
            address=address or defaults[kind],
            verified_at=timezone.now() if verified else None,
            **fields,
        )

    return make


@pytest.fixture
def make_rule() -> Callable[..., NotificationRule]:
    def make(method: ContactMethod, delay_minutes: int = 0) -> NotificationRule:
        return NotificationRule.objects.create(
            organization=method.organization, user=method.user, contact_method=method, delay_minutes=delay_minutes
        )

    return make


@pytest.fixture
def twilio(settings: Any) -> Any:
    settings.TWILIO_ACCOUNT_SID = "ACtest"
    settings.TWILIO_AUTH_TOKEN = "secret-token"
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    return settings

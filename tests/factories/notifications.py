"""Factories of the notifications app: contact methods (verified unless `verified=False`), notification rules and
delivery rows."""

import secrets

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from notifications.models import (
    ContactKind,
    ContactMethod,
    Notification,
    NotificationReason,
    NotificationRule,
    NotificationStatus,
)
from tests.factories.orgs import OrganizationFactory, UserFactory

# The address each kind gets unless told otherwise; email uses the person's own address.
DEFAULT_ADDRESSES = {
    ContactKind.WEBHOOK: "https://hooks.acme.test/pager",
    ContactKind.CHAT: "https://chat.acme.test/hooks/1",
    ContactKind.SMS: "+447700900123",
    ContactKind.VOICE: "+447700900123",
}


class ContactMethodFactory(DjangoModelFactory[ContactMethod]):
    """A contact method row as-is (no verification sent); a webhook gets a signing secret as
    `contact_method_create` makes one."""

    class Meta:
        model = ContactMethod

    class Params:
        verified = True

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    kind = ContactKind.EMAIL
    address = factory.LazyAttribute(lambda o: DEFAULT_ADDRESSES.get(o.kind, o.user.email))
    verified_at = factory.Maybe("verified", factory.LazyFunction(lambda: timezone.now()), None)
    secret = factory.LazyAttribute(lambda o: secrets.token_hex(32) if o.kind == ContactKind.WEBHOOK else "")


class NotificationRuleFactory(DjangoModelFactory[NotificationRule]):
    """Reach the method's owner through it, `delay_minutes` after a page."""

    class Meta:
        model = NotificationRule

    contact_method = factory.SubFactory(ContactMethodFactory)
    organization = factory.LazyAttribute(lambda o: o.contact_method.organization)
    user = factory.SelfAttribute("contact_method.user")
    delay_minutes = 0


class NotificationFactory(DjangoModelFactory[Notification]):
    """A pending delivery through a contact method, due now."""

    class Meta:
        model = Notification

    contact_method = factory.SubFactory(ContactMethodFactory)
    organization = factory.LazyAttribute(lambda o: o.contact_method.organization)
    user = factory.SelfAttribute("contact_method.user")
    idempotency_key = factory.Sequence(lambda n: f"test:{n}")
    reason = NotificationReason.TEST
    channel = factory.SelfAttribute("contact_method.kind")
    address = factory.SelfAttribute("contact_method.address")
    subject = "Test message"
    status = NotificationStatus.PENDING
    due_at = factory.LazyFunction(lambda: timezone.now())

"""Demo data of the notifications app for `seed_demo` (idempotent).

The demo user has a verified email method and a verified chat webhook, with rules "email immediately" and
"chat after 5 minutes"; a few past deliveries (sent, failed, canceled) fill the logs.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from notifications.models import (
    ContactKind,
    ContactMethod,
    Notification,
    NotificationReason,
    NotificationRule,
    NotificationStatus,
)
from orgs.models import Membership, Organization

DEMO_ORDER = 40  # people's contact methods before the policies that page them (core.demo)

DEMO_EMAIL = "demo@example.com"
CHAT_URL = "https://chat.example.com/hooks/firebreak-demo"


def _history(organization: Organization, user, email: ContactMethod, chat: ContactMethod) -> None:
    # The demo's pages are about its payments alert. They name no alert group: notifications seeds before the
    # alerting app opens its demo groups (core.demo's order), and it does not read the apps above it.
    now = timezone.now()
    title = "Payments API 5xx rate above 5%"
    rows = [
        (
            "demo:test",
            NotificationReason.TEST,
            email,
            "Firebreak test message",
            NotificationStatus.SENT,
            1,
            "",
            3 * 1440,
        ),
        ("demo:page:1", NotificationReason.PAGE, email, title, NotificationStatus.SENT, 1, "", 95),
        ("demo:page:2", NotificationReason.PAGE, chat, title, NotificationStatus.FAILED, 6, "HTTP 404", 90),
        ("demo:page:3", NotificationReason.PAGE, chat, title, NotificationStatus.CANCELED, 0, "", 40),
        (
            "demo:handoff",
            NotificationReason.HANDOFF,
            email,
            "Your on-call shift starts",
            NotificationStatus.SENT,
            1,
            "",
            20,
        ),
    ]
    for key, reason, method, subject, status, attempts, error, minutes_ago in rows:
        due = now - timedelta(minutes=minutes_ago)
        Notification.objects.create(
            organization=organization,
            idempotency_key=key,
            reason=reason,
            user=user,
            contact_method=method,
            channel=method.kind,
            address=method.address,
            subject=subject,
            message="",
            status=status,
            due_at=due,
            attempts=attempts,
            last_error=error,
            sent_at=due + timedelta(seconds=2) if status == NotificationStatus.SENT else None,
            failed_at=due + timedelta(minutes=5) if status == NotificationStatus.FAILED else None,
        )


@transaction.atomic
def seed_demo(*, organization: Organization) -> None:
    """Add this app's demo rows to the demo organization; running it twice changes nothing."""
    membership = Membership.objects.filter(organization=organization, user__email=DEMO_EMAIL).first()
    if membership is None or ContactMethod.objects.for_org(organization).filter(user=membership.user).exists():
        return
    user, now = membership.user, timezone.now()
    email = ContactMethod.objects.create(
        organization=organization, user=user, kind=ContactKind.EMAIL, address=DEMO_EMAIL, label="Work", verified_at=now
    )
    chat = ContactMethod.objects.create(
        organization=organization, user=user, kind=ContactKind.CHAT, address=CHAT_URL, label="#ops", verified_at=now
    )
    NotificationRule.objects.create(organization=organization, user=user, contact_method=email, delay_minutes=0)
    NotificationRule.objects.create(organization=organization, user=user, contact_method=chat, delay_minutes=5)
    _history(organization, user, email, chat)

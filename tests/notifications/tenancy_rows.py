"""Org A's rows of the notifications app for tests/orgs/test_tenancy.py, and the lookups naming them.

`build(a)` runs at the end of the org_a fixture and returns objects stored in `a.extra`; the lookups
read them back from there (`a.extra["..."]`).
"""

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from notifications import actions
from notifications.models import ContactKind, ContactMethod, NotificationStatus
from orgs.tenancy import Actor


def _method_lookup(a: Any) -> dict[str, str]:
    return {"id": str(a.extra["contact_method"].uuid)}


ROUTE_LOOKUPS: dict[str, Callable[[Any], dict[str, str]]] = {
    "contact-method": _method_lookup,
    "notification-rule": lambda a: {"id": str(a.extra["notification_rule"].uuid)},
    "notification": lambda a: {"id": str(a.extra["notification"].uuid)},
}
PAGE_LOOKUPS: dict[str, Callable[[Any], dict[str, str]]] = {
    "notifications:notification-retry": lambda a: {"uuid": str(a.extra["notification"].uuid)},
    **{
        f"notifications:contact-method-{name}": lambda a: {"uuid": str(a.extra["contact_method"].uuid)}
        for name in ("verify", "send-verification", "test", "delete", "secret")
    },
    "notifications:notification-rule-delete": lambda a: {"uuid": str(a.extra["notification_rule"].uuid)},
}


def build(a: Any) -> dict[str, Any]:
    """Org A's owner has a verified chat method with its default rule, and a failed page for the alert group."""
    actor = Actor(user=a.owner.user)
    method, _ = actions.contact_method_create(
        organization=a.organization,
        user=a.owner.user,
        kind=ContactKind.CHAT,
        address="https://chat.acme.test/hooks/acme-ledger",
        label="Acme chat",
        actor=actor,
    )
    ContactMethod.objects.filter(pk=method.pk).update(verified_at=timezone.now())
    rule = actions.notification_rule_create(
        organization=a.organization, user=a.owner.user, contact_method=method, delay_minutes=5, actor=actor
    )
    [page, *_] = actions.user_notify(
        organization=a.organization,
        user=a.owner.user,
        reason="page",
        idempotency_base=f"acme-tenancy:{a.alert_group.uuid}",
        subject="Acme ledger disk full",
        message="Acme ledger is paging you.",
        alert_group=a.alert_group,
        incident=a.incident,
    )
    page.status, page.last_error = NotificationStatus.FAILED, "HTTP 404"
    page.save(update_fields=["status", "last_error", "updated_at"])
    return {"contact_method": method, "notification_rule": rule, "notification": page}

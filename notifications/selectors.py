"""Reads of the notifications app shared by the pages, the API and other apps (delivery logs)."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from notifications.models import ContactMethod, Notification, NotificationRule
from orgs.models import Organization, User


def notification_list(
    *,
    organization: Organization,
    alert_group: object = None,
    incident: object = None,
    user: User | None = None,
    status: str = "",
) -> QuerySet[Notification]:
    """Deliveries of the org, newest first, narrowed to an alert group, an incident, a person or a status."""
    qs = Notification.objects.for_org(organization).select_related("user", "contact_method")
    if alert_group is not None:
        qs = qs.filter(alert_group=alert_group)
    if incident is not None:
        qs = qs.filter(incident=incident)
    if user is not None:
        qs = qs.filter(user=user)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-due_at", "-pk")


def notification_get(*, organization: Organization, uuid: object) -> Notification:
    """One delivery of the org by uuid (404 otherwise)."""
    qs = Notification.objects.for_org(organization).select_related("user", "contact_method", "alert_group", "incident")
    return get_object_or_404(qs, uuid=uuid)


def contact_method_list(*, organization: Organization, user: User | None = None) -> QuerySet[ContactMethod]:
    """Contact methods of the org (or of one member), by person, kind and age."""
    qs = ContactMethod.objects.for_org(organization).select_related("user")
    if user is not None:
        qs = qs.filter(user=user)
    return qs.order_by("user__email", "kind", "pk")


def contact_method_get(*, organization: Organization, uuid: object, user: User | None = None) -> ContactMethod:
    """One contact method of the org (of `user` when given) by uuid (404 otherwise)."""
    return get_object_or_404(contact_method_list(organization=organization, user=user), uuid=uuid)


def notification_rule_list(*, organization: Organization, user: User | None = None) -> QuerySet[NotificationRule]:
    """Notification rules of the org (or of one member), in the order they fire."""
    qs = NotificationRule.objects.for_org(organization).select_related("user", "contact_method")
    if user is not None:
        qs = qs.filter(user=user)
    return qs.order_by("user__email", "delay_minutes", "pk")


def notification_rule_get(*, organization: Organization, uuid: object, user: User | None = None) -> NotificationRule:
    """One notification rule of the org (of `user` when given) by uuid (404 otherwise)."""
    return get_object_or_404(notification_rule_list(organization=organization, user=user), uuid=uuid)

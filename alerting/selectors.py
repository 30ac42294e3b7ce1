"""Reads of the alerting app shared by the triage pages, the API and the consumer."""

from django.conf import settings
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from alerting.models import Alert, AlertGroup, AlertGroupStatus, Integration, IntegrationKind
from orgs.models import Organization

PAGERDUTY_PATH = "/integrations/pagerduty/v2/enqueue"


def inbound_url(integration: Integration, key: str | None = None) -> str:
    """Where the monitoring tool posts. The PagerDuty endpoint carries no key (it is in the body); the
    others carry it in the path, so without the key (every read but create/regenerate) the URL is masked."""
    if integration.kind == IntegrationKind.PAGERDUTY_V2:
        return f"{settings.SITE_URL}{PAGERDUTY_PATH}"
    secret = key if key is not None else f"{integration.key_prefix}…"
    return f"{settings.SITE_URL}/integrations/{integration.kind}/{secret}/"


def integration_list(*, organization: Organization) -> QuerySet[Integration]:
    return Integration.objects.for_org(organization).select_related("service").order_by("name")


def integration_get(*, organization: Organization, uuid: str) -> Integration:
    return get_object_or_404(integration_list(organization=organization), uuid=uuid)


def alert_group_queryset() -> QuerySet[AlertGroup]:
    return AlertGroup.objects.select_related("service", "integration", "incident", "acknowledged_by")


def alert_group_list(
    *, organization: Organization, service: str = "", severity: str = "", status: str = ""
) -> QuerySet[AlertGroup]:
    """The triage queue: triggered first, then acknowledged, then resolved; newest first within each.

    `status` is a status value, "open" (triggered or acknowledged) or "" for all.
    """
    qs = alert_group_queryset().filter(organization=organization, merged_into=None)
    if service:
        qs = qs.filter(service__slug=service)
    if severity:
        qs = qs.filter(severity=severity)
    if status == "open":
        qs = qs.filter(status__in=[AlertGroupStatus.TRIGGERED, AlertGroupStatus.ACKNOWLEDGED])
    elif status:
        qs = qs.filter(status=status)
    order = Case(
        When(status=AlertGroupStatus.TRIGGERED, then=Value(0)),
        When(status=AlertGroupStatus.ACKNOWLEDGED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return qs.annotate(status_order=order).order_by("status_order", "-last_seen", "-id")


def alert_group_get(*, organization: Organization, uuid: str) -> AlertGroup:
    return get_object_or_404(alert_group_queryset().filter(organization=organization), uuid=uuid)


def alert_list(*, group: AlertGroup, limit: int = 100) -> list[Alert]:
    return list(Alert.objects.filter(group=group).order_by("-received_at", "-id")[:limit])

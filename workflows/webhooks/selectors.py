"""Reads of outbound webhooks that pages and the API share (every queryset starts from the org)."""

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from orgs.models import Organization
from workflows.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint


def endpoint_list(*, organization: Organization) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.for_org(organization).order_by("created_at", "pk")


def endpoint_get(*, organization: Organization, uuid: str) -> WebhookEndpoint:
    return get_object_or_404(endpoint_list(organization=organization), uuid=uuid)


def delivery_list(
    *, organization: Organization, endpoint: WebhookEndpoint | None = None, status: str = "", event_type: str = ""
) -> QuerySet[WebhookDelivery]:
    """Newest first, narrowed to an endpoint, a status and an event type when given."""
    qs = WebhookDelivery.objects.for_org(organization).select_related("endpoint", "replay_of")
    if endpoint is not None:
        qs = qs.filter(endpoint=endpoint)
    if status:
        qs = qs.filter(status=status)
    if event_type:
        qs = qs.filter(event_type=event_type)
    return qs.order_by("-created_at", "-pk")


def delivery_get(*, organization: Organization, uuid: str) -> WebhookDelivery:
    return get_object_or_404(delivery_list(organization=organization).prefetch_related("attempt_log"), uuid=uuid)


def delivery_counts(*, endpoint: WebhookEndpoint) -> dict[str, int]:
    """How many deliveries of the endpoint are in each status (every status present, 0 when none)."""
    counts = dict.fromkeys(DeliveryStatus.values, 0)
    for row in WebhookDelivery.objects.filter(endpoint=endpoint).values("status").order_by().annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return counts

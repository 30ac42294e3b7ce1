"""Org A's rows of outbound webhooks for tests/orgs/test_tenancy.py, and the lookups naming them.

`build(a)` runs at the end of the org_a fixture and returns objects stored in `a.extra`; the lookups read them
back from there (`a.extra["..."]`). Same shape as tests/statuspage/tenancy_rows.py."""

from collections.abc import Callable
from typing import Any

from tests.factories import WebhookAttemptFactory, WebhookDeliveryFactory, WebhookEndpointFactory

ROUTE_LOOKUPS: dict[str, Callable[[Any], dict[str, str]]] = {
    "webhook-endpoint": lambda a: {"id": str(a.extra["webhook_endpoint"].uuid)},
    "webhook-delivery": lambda a: {"id": str(a.extra["webhook_delivery"].uuid)},
}

PAGE_LOOKUPS: dict[str, Callable[[Any], dict[str, str]]] = {
    **{
        f"webhooks:endpoint-{name}": lambda a: {"uuid": str(a.extra["webhook_endpoint"].uuid)}
        for name in ("detail", "secret", "update", "delete", "rotate", "test")
    },
    **{
        f"webhooks:delivery-{name}": lambda a: {"uuid": str(a.extra["webhook_delivery"].uuid)}
        for name in ("detail", "replay")
    },
}


def build(a: Any) -> dict[str, Any]:
    """Create org A's rows of outbound webhooks: an endpoint, a delivery to it and one attempt."""
    org = a.organization
    endpoint = WebhookEndpointFactory(
        organization=org, url="https://hooks.acme.test/firebreak", description="Acme receiver", created_by=a.owner.user
    )
    delivery = WebhookDeliveryFactory(endpoint=endpoint, organization=org, status="succeeded", attempts=1)
    WebhookAttemptFactory(delivery=delivery, organization=org, number=1)
    return {"webhook_endpoint": endpoint, "webhook_delivery": delivery}

"""Org A's rows of the statuspage app for tests/orgs/test_tenancy.py, and the lookups naming them.

`build(a)` runs at the end of the org_a fixture and returns objects stored in `a.extra`; the lookups
read them back from there (`a.extra["..."]`). Public pages (/status/...) are not under /o/<org>/ and are
walked by tests/statuspage/test_public*.py instead.
"""

from collections.abc import Callable
from typing import Any

from tests.factories import (
    AudienceFactory,
    ComponentFactory,
    ComponentGroupFactory,
    MaintenanceComponentFactory,
    MaintenanceFactory,
    MaintenanceUpdateFactory,
    PublicIncidentComponentFactory,
    PublicIncidentFactory,
    PublicUpdateComponentFactory,
    PublicUpdateFactory,
    StakeholderDeliveryFactory,
    StakeholderTemplateFactory,
    StakeholderUpdateFactory,
    StatusPageFactory,
    StatusPageViewerFactory,
    SubscriberComponentFactory,
    SubscriberFactory,
    SubscriberNoticeFactory,
)

ROUTE_LOOKUPS: dict[str, Callable[[Any], dict[str, str]]] = {
    "status-page": lambda a: {"id": str(a.extra["status_page"].uuid)},
    "status-page-component-group": lambda a: {"id": str(a.extra["component_group"].uuid)},
    "status-page-component": lambda a: {"id": str(a.extra["component"].uuid)},
    "maintenance": lambda a: {"id": str(a.extra["maintenance"].uuid)},
    "public-incident": lambda a: {"id": str(a.extra["public_incident"].uuid)},
    "status-page-subscriber": lambda a: {"id": str(a.extra["subscriber"].uuid)},
    "audience": lambda a: {"id": str(a.extra["audience"].uuid)},
    "stakeholder-update": lambda a: {"id": str(a.extra["stakeholder_update"].uuid)},
}


def _page(a: Any, key: str = "") -> dict[str, str]:
    lookups = {"page_slug": a.extra["status_page"].slug}
    return {**lookups, "uuid": str(a.extra[key].uuid)} if key else lookups


PAGE_LOOKUPS: dict[str, Callable[[Any], dict[str, str]]] = {
    **{
        f"statuspage:{name}": _page
        for name in (
            "status-page-detail",
            "status-page-update",
            "status-page-delete",
            "status-page-logo",
            "component-group-create",
            "component-create",
            "maintenance-list",
            "maintenance-create",
            "public-incident-list",
            "subscriber-list",
        )
    },
    **{
        f"statuspage:component-group-{name}": lambda a: _page(a, "component_group")
        for name in ("update", "move", "delete")
    },
    **{
        f"statuspage:component-{name}": lambda a: _page(a, "component")
        for name in ("update", "move", "override", "delete")
    },
    **{
        f"statuspage:maintenance-{name}": lambda a: _page(a, "maintenance")
        for name in ("detail", "update", "transition", "post", "delete")
    },
    "statuspage:public-incident-update": lambda a: _page(a, "public_incident"),
    "statuspage:subscriber-remove": lambda a: _page(a, "subscriber"),
}


# Stakeholder updates' pages (statuspage/stakeholders/urls.py).
PAGE_LOOKUPS.update(
    {
        **{
            f"stakeholders:audience-{name}": lambda a: {"uuid": str(a.extra["audience"].uuid)}
            for name in ("update", "delete")
        },
        **{
            f"stakeholders:template-{name}": lambda a: {"uuid": str(a.extra["stakeholder_template"].uuid)}
            for name in ("update", "delete")
        },
        "stakeholders:send": lambda a: {"number": str(a.incident.number)},
    }
)


def build(a: Any) -> dict[str, Any]:
    """Create org A's rows of this app (every model the API or pages expose needs one)."""
    org = a.organization
    page = StatusPageFactory(organization=org, slug="acme-status", title="Acme status")
    StatusPageViewerFactory(page=page, organization=org, user=a.second_member.user)
    group = ComponentGroupFactory(page=page, organization=org, name="Acme core")
    component = ComponentFactory(page=page, organization=org, group=group, service=a.service, name="Acme ledger")
    public_incident = PublicIncidentFactory(page=page, organization=org, incident=a.incident, title="Acme ledger slow")
    PublicIncidentComponentFactory(public_incident=public_incident, organization=org, component=component)
    public_update = PublicUpdateFactory(public_incident=public_incident, organization=org, body="Acme is on it.")
    PublicUpdateComponentFactory(public_update=public_update, organization=org, component=component)
    maintenance = MaintenanceFactory(page=page, organization=org, title="Acme ledger upgrade")
    MaintenanceComponentFactory(maintenance=maintenance, organization=org, component=component)
    MaintenanceUpdateFactory(maintenance=maintenance, organization=org)
    subscriber = SubscriberFactory(page=page, organization=org, email="subscriber@acme.test")
    SubscriberComponentFactory(subscriber=subscriber, organization=org, component=component)
    SubscriberNoticeFactory(subscriber=subscriber, organization=org)
    audience = AudienceFactory(organization=org, name="Acme execs")
    template = StakeholderTemplateFactory(organization=org, name="Acme exec brief")
    update = StakeholderUpdateFactory(incident=a.incident, organization=org, template=template, author=a.owner.user)
    StakeholderDeliveryFactory(update=update, organization=org, audience=audience)
    return {
        "status_page": page,
        "component_group": group,
        "component": component,
        "public_incident": public_incident,
        "public_update": public_update,
        "maintenance": maintenance,
        "subscriber": subscriber,
        "audience": audience,
        "stakeholder_template": template,
        "stakeholder_update": update,
    }

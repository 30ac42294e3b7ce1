"""The migration that gave services its record of incident impacts (services.ServiceImpact): every open non-drill
incident gets one per affected service at its severity's outage level, so health keeps following them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from services.models import ServiceImpact
from tests.factories import (
    IncidentFactory,
    IncidentServiceFactory,
    OrganizationFactory,
    ServiceFactory,
    SeverityFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("incidents", "0006_timeline_kinds_paged_follow_up_retro")]


def migrate(targets: list[tuple[str, str]]) -> None:
    MigrationExecutor(connection).migrate(targets)


def test_open_real_incidents_become_impacts_on_their_services():
    migrate(BEFORE)
    try:
        org = OrganizationFactory()
        sev1, sev2, sev3 = (SeverityFactory(organization=org, name=f"SEV{r}", rank=r) for r in (1, 2, 3))
        api, web = ServiceFactory(organization=org, slug="api"), ServiceFactory(organization=org, slug="web")
        outage = IncidentFactory(organization=org, severity=sev1, status="investigating")
        slow = IncidentFactory(organization=org, severity=sev3, status="monitoring")
        partial = IncidentFactory(organization=org, severity=sev2, status="triage")
        resolved = IncidentFactory(organization=org, severity=sev1, status="resolved")
        drill = IncidentFactory(organization=org, severity=sev1, status="investigating", is_drill=True)
        for incident, services in [
            (outage, [api, web]),
            (slow, [api]),
            (partial, [web]),
            (resolved, [api]),
            (drill, [web]),
        ]:
            for service in services:
                IncidentServiceFactory(incident=incident, service=service)
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    rows = ServiceImpact.objects.order_by("service__slug", "incident_id")
    assert list(rows.values_list("service__slug", "incident_id", "health", "organization_id")) == sorted(
        [
            ("api", outage.pk, "major_outage", org.pk),
            ("api", slow.pk, "degraded_performance", org.pk),
            ("web", outage.pk, "major_outage", org.pk),
            ("web", partial.pk, "partial_outage", org.pk),
        ]
    )

"""The rules of docs/statuspage.md: component status, the page indicator, and uptime bars from history."""

from datetime import timedelta

import pytest
from django.utils import timezone

from statuspage import rules
from statuspage.public import selectors, uptime
from tests.factories import (
    ComponentFactory,
    MaintenanceComponentFactory,
    MaintenanceFactory,
    PublicIncidentComponentFactory,
    PublicIncidentFactory,
    ServiceFactory,
    StatusPageFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("statuses", "impacts", "indicator", "description"),
    [
        ([], [], "none", "All Systems Operational"),
        (["operational", "under_maintenance"], [], "none", "All Systems Operational"),
        (["degraded_performance", "operational"], [], "minor", "Minor Service Outage"),
        (["partial_outage", "degraded_performance"], [], "major", "Partial System Outage"),
        (["major_outage", "partial_outage"], [], "critical", "Major Service Outage"),
        (["operational"], ["minor", "major"], "major", "Partial System Outage"),
        (["degraded_performance"], ["critical"], "critical", "Major Service Outage"),
    ],
)
def test_indicator_is_the_worst_of_components_and_open_incidents(statuses, impacts, indicator, description):
    found = rules.page_indicator(component_statuses=statuses, open_impacts=impacts)

    assert found == indicator
    assert rules.page_description(indicator=found, maintenance_active=False) == description


def test_maintenance_on_an_otherwise_fine_page_says_so():
    assert rules.page_description(indicator="none", maintenance_active=True) == "Service Under Maintenance"
    assert rules.page_description(indicator="minor", maintenance_active=True) == "Minor Service Outage"


def test_component_status_override_then_maintenance_then_service_health(org):
    page = StatusPageFactory(organization=org, is_default=True)
    service = ServiceFactory(organization=org, health="partial_outage")
    ComponentFactory(page=page, organization=org, service=service, name="A")
    overridden = ServiceFactory(organization=org, health="major_outage")
    ComponentFactory(page=page, organization=org, service=overridden, name="B", status_override="degraded_performance")
    maintained = ComponentFactory(page=page, organization=org, name="C")
    active = MaintenanceFactory(page=page, organization=org, status="in_progress", started_at=timezone.now())
    MaintenanceComponentFactory(maintenance=active, organization=org, component=maintained)

    state = selectors.page_state(page=page)

    assert {s.component.name: s.status for s in state.components} == {
        "A": "partial_outage",
        "B": "degraded_performance",
        "C": "under_maintenance",
    }
    assert (state.indicator, state.description) == ("major", "Partial System Outage")


def test_uptime_counts_major_outage_fully_and_partial_at_thirty_percent(org):
    page = StatusPageFactory(organization=org, is_default=True, time_zone="UTC")
    now = timezone.now()
    down = ComponentFactory(page=page, organization=org, name="Down")
    partial = ComponentFactory(page=page, organization=org, name="Partial")
    fine = ComponentFactory(page=page, organization=org, name="Fine")
    for component, impact in ((down, "critical"), (partial, "major")):
        started = now - timedelta(days=10)
        public = PublicIncidentFactory(
            page=page, organization=org, impact=impact, status="resolved", started_at=started,
            resolved_at=started + timedelta(hours=9),
        )  # fmt: skip
        PublicIncidentComponentFactory(public_incident=public, organization=org, component=component)

    rows = uptime.uptime_rows(page=page, components=[down, partial, fine], now=now)

    window = (now - (now - timedelta(days=89)).replace(hour=0, minute=0, second=0, microsecond=0)).total_seconds()
    assert rows[down.pk].percent == f"{100 * (1 - 9 * 3600 / window):.2f}"
    assert rows[partial.pk].percent == f"{100 * (1 - 0.3 * 9 * 3600 / window):.2f}"
    assert rows[fine.pk].percent == "100.00"
    assert str(rows[down.pk].bars).count("<i") == 90
    assert str(rows[down.pk].bars).count('class="m"') in (1, 2)  # the day(s) the 9 hours fell on
    assert 'class="p"' in str(rows[partial.pk].bars)

"""A drill through the real pipeline never leaks into production: the incident declared from the drill's alert
is a drill, states no service impact, cannot publish to a status page, is left out of production analytics, and
the workflow and webhook runs it starts are only those that opt in (workflows' own tests cover the opt-in)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from alerting import actions as alerting_actions
from alerting.models import AlertGroup
from drills import actions, injects
from drills.models import DrillInject
from incidents import actions as incident_actions
from orgs.tenancy import Actor
from retros import analytics
from services.models import Service, ServiceImpact
from statuspage.models import PublicIncident
from tests.drills.engine_support import approved_scenario, drill_org, inbound
from tests.factories import StatusPageFactory

pytestmark = pytest.mark.django_db

__all__ = ["drill_org", "inbound"]


def test_a_drill_incident_moves_no_health_no_status_page_and_no_production_figure(drill_org, inbound, enqueued):
    StatusPageFactory(organization=drill_org.org)
    scenario = approved_scenario(drill_org)
    run = actions.run_start(
        run=actions.run_create(organization=drill_org.org, actor=Actor(user=drill_org.olu), scenario=scenario),
        actor=Actor(user=drill_org.olu),
    )
    alert = DrillInject.objects.get(run=run, position=0)
    injects.inject_send(inject_id=alert.pk, token=str(alert.task_token))

    incident = alerting_actions.alert_group_escalate(group=AlertGroup.objects.get(), actor=Actor(user=drill_org.ana))
    incident_actions.status_update_post(
        incident=incident, message="Investigating", visibility="internal", actor=Actor(user=drill_org.ana)
    )

    assert incident.is_drill is True
    assert Service.objects.get(pk=drill_org.service.pk).health == "operational"
    assert not ServiceImpact.objects.exists()
    with pytest.raises(ValidationError):
        incident_actions.status_update_post(
            incident=incident, message="We are on it", visibility="external", actor=Actor(user=drill_org.ana)
        )
    assert not PublicIncident.objects.exists()
    today = timezone.now().date()
    window = analytics.AnalyticsFilters(since=today - timedelta(days=1), until=today + timedelta(days=1))
    assert analytics.analytics_summary(organization=drill_org.org, filters=window).incidents == 0

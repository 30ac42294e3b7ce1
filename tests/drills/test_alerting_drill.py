"""Drill integrations in alerting: what comes through one pages for real but says [DRILL] first, an incident
declared from its group is a drill, and its pages never count in production paging analytics."""

from datetime import timedelta

import pytest
from django.utils import timezone

from alerting import actions as alerting_actions
from alerting.inbound.handling import InboundEvent
from alerting.paging import page_subjects
from incidents import actions as incident_actions
from notifications.models import Notification
from orgs.models import AuditEvent
from orgs.tenancy import Actor
from retros import analytics
from tests.oncall.test_escalations import escalation_of, make_integration, make_policy, people, run_due

pytestmark = pytest.mark.django_db

__all__ = ["people"]


def drill_integration(production):
    integration, _ = alerting_actions.integration_create(
        organization=production.organization,
        actor=Actor.system(),
        service=production.service,
        name="Drill: Acme Checkout",
        kind="pagerduty_v2",
        is_drill=True,
    )
    return integration


def trigger(integration, key):
    event = InboundEvent(action="trigger", dedup_key=key, summary="Acme checkout 5xx", severity="critical")
    return alerting_actions.alert_ingest(integration=integration, event=event).group


def test_a_drill_integrations_pages_say_drill_first_and_production_pages_do_not(org, people, enqueued):
    production = make_integration(org, make_policy(org, [(people["ana"], 5)]))
    drill = drill_integration(production)
    real_group, drill_group = trigger(production, "real"), trigger(drill, "drill")

    run_due(escalation_of(real_group))
    run_due(escalation_of(drill_group))

    subjects = page_subjects([real_group.pk, drill_group.pk])
    assert subjects[real_group.pk].subject == "[CRITICAL] Acme checkout 5xx"
    assert subjects[drill_group.pk].subject == "[DRILL] [CRITICAL] Acme checkout 5xx"
    delivered = Notification.objects.filter(user=people["ana"]).order_by("pk")
    assert [(n.alert_group_id, n.subject) for n in delivered] == [
        (real_group.pk, "[CRITICAL] Acme checkout 5xx"),
        (drill_group.pk, "[DRILL] [CRITICAL] Acme checkout 5xx"),
    ]


def test_creating_a_drill_integration_is_audited_as_one(org, people):
    drill = drill_integration(make_integration(org, make_policy(org, [(people["ana"], 5)])))

    audit = AuditEvent.objects.filter(action="integration.created").order_by("pk").last()
    assert drill.is_drill is True
    assert audit.changes["is_drill"] == {"before": None, "after": True}


def test_an_incident_declared_from_a_drill_group_is_a_drill(org, people, enqueued):
    production = make_integration(org, make_policy(org, [(people["ana"], 5)]))
    drill = drill_integration(production)
    actor = Actor(user=people["ana"])
    incident_actions.organization_defaults_ensure(organization=org)

    real = alerting_actions.alert_group_escalate(group=trigger(production, "real"), actor=actor)
    rehearsal = alerting_actions.alert_group_escalate(group=trigger(drill, "drill"), actor=actor)

    assert (real.is_drill, rehearsal.is_drill) == (False, True)


def test_pages_of_a_drill_group_stay_out_of_production_paging_analytics(org, people, enqueued):
    production = make_integration(org, make_policy(org, [(people["ana"], 5)]))
    drill = drill_integration(production)
    run_due(escalation_of(trigger(production, "real")))
    run_due(escalation_of(trigger(drill, "drill-1")))
    run_due(escalation_of(trigger(drill, "drill-2")))
    today = timezone.now().date()
    window = analytics.AnalyticsFilters(since=today - timedelta(days=1), until=today + timedelta(days=1))
    with_drills = analytics.AnalyticsFilters(since=window.since, until=window.until, include_drills=True)

    assert analytics.analytics_paging(organization=org, filters=window).pages == 1
    assert analytics.analytics_paging(organization=org, filters=with_drills).pages == 3


def test_the_queue_the_group_page_and_the_integrations_page_badge_drills(org, people, enqueued, client, make_member):
    production = make_integration(org, make_policy(org, [(people["ana"], 5)]))
    drill = drill_integration(production)
    real, rehearsal = trigger(production, "real"), trigger(drill, "drill")
    admin = make_member(org, "admin", email="admin@acme.test").user
    client.force_login(admin)
    badge = '<span class="badge badge-drill"'

    queue = client.get("/o/acme/alerts/").content.decode()
    rows = {
        group.uuid: queue.split(f'id="alert-group-{group.uuid}"')[1].split("</tr>")[0] for group in (real, rehearsal)
    }
    assert badge in rows[rehearsal.uuid]
    assert badge not in rows[real.uuid]
    assert badge in client.get(f"/o/acme/alerts/{rehearsal.uuid}/").content.decode()
    assert badge not in client.get(f"/o/acme/alerts/{real.uuid}/").content.decode()
    listing = client.get("/o/acme/alerts/integrations/").content.decode()
    assert listing.count(badge) == 1

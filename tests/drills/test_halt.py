"""Halting a drill: no pending inject, no active escalation, no unsent page, no open alert group or incident is
left; the incident is closed with a timeline note naming who halted it and why; drill.halted names the closed
incidents; an alert that lands after the halt is resolved at once."""

import pytest
from django.core.exceptions import ValidationError

from alerting import actions as alerting_actions
from alerting.models import AlertGroup
from drills import actions, injects
from drills.events import DrillHalted
from drills.models import DrillInject, DrillIntegrationKey, DrillLink, InjectStatus, RunStatus
from incidents.models import Incident, IncidentStatus, TimelineEvent
from notifications.models import Notification, NotificationStatus
from oncall.models import Escalation, EscalationStatus
from orgs.tenancy import Actor
from tests.drills.engine_support import PD_PAYLOAD, approved_scenario, drill_org, inbound
from tests.oncall.test_escalations import escalation_of, run_due

pytestmark = pytest.mark.django_db

__all__ = ["drill_org", "inbound"]

THREE_ALERTS = [
    {"offset_seconds": 0, "kind": "alert", "format": "pagerduty", "service": "checkout", "payload": PD_PAYLOAD},
    {"offset_seconds": 0, "kind": "alert", "format": "pagerduty", "service": "checkout", "payload": PD_PAYLOAD},
    {"offset_seconds": 600, "kind": "alert", "format": "pagerduty", "service": "checkout", "payload": PD_PAYLOAD},
    {"offset_seconds": 900, "kind": "hint", "text": "Roll back the deploy"},
]


def send(inject):
    inject.refresh_from_db()
    return injects.inject_send(inject_id=inject.pk, token=str(inject.task_token))


@pytest.fixture
def midway(drill_org, inbound, enqueued, django_capture_on_commit_callbacks):
    """A running drill: two alerts sent (one escalated into a drill incident, one still paging Ana), an alert and a
    hint still to come."""
    scenario = approved_scenario(drill_org, injects=THREE_ALERTS)
    run = actions.run_create(organization=drill_org.org, actor=Actor(user=drill_org.olu), scenario=scenario)
    with django_capture_on_commit_callbacks(execute=True):
        actions.run_start(run=run, actor=Actor(user=drill_org.olu))
    first, second = DrillInject.objects.filter(run=run).order_by("position")[:2]
    send(first)
    send(second)
    groups = list(AlertGroup.objects.order_by("pk"))
    run_due(escalation_of(groups[1]))  # Ana's page for the second group is lined up, not delivered yet
    incident = alerting_actions.alert_group_escalate(group=groups[0], actor=Actor(user=drill_org.ana))
    return run, groups, incident


def test_halting_leaves_nothing_pending_paging_or_open(drill_org, midway, published):
    run, groups, incident = midway
    assert incident.is_drill is True
    assert Escalation.objects.filter(status=EscalationStatus.ACTIVE).count() == 1  # the second group pages
    page = Notification.objects.get(alert_group=groups[1])
    assert (page.subject, page.status) == ("[DRILL] [CRITICAL] Checkout 5xx above 5%", NotificationStatus.PENDING)

    halted = actions.run_halt(run=run, actor=Actor(user=drill_org.olu), reason="Real outage on payments")

    assert (halted.status, halted.halted_by, halted.halt_reason) == (
        RunStatus.HALTED,
        drill_org.olu,
        "Real outage on payments",
    )
    assert not DrillInject.objects.filter(run=run, status__in=[InjectStatus.PENDING, InjectStatus.SENDING]).exists()
    assert list(DrillInject.objects.filter(run=run).order_by("position").values_list("status", flat=True)) == [
        "sent",
        "sent",
        "canceled",
        "canceled",
    ]
    assert not Escalation.objects.filter(status=EscalationStatus.ACTIVE).exists()
    assert Notification.objects.get(pk=page.pk).status == NotificationStatus.CANCELED
    assert list(AlertGroup.objects.order_by("pk").values_list("status", flat=True)) == ["resolved", "resolved"]
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED
    note = TimelineEvent.objects.filter(incident=incident, kind="note").get()
    assert note.body == f"Drill {run.reference} halted by olu@acme.test: Real outage on payments"
    assert [e for e in published if isinstance(e, DrillHalted)] == [
        DrillHalted(
            organization_id=drill_org.org.pk,
            drill_run_id=run.pk,
            incident_ids=(incident.pk,),
            reason="Real outage on payments",
        )
    ]
    assert not Incident.objects.filter(
        is_drill=True, status__in=["triage", "investigating", "identified", "monitoring"]
    ).exists()


def test_an_inject_due_after_the_halt_is_never_sent(drill_org, midway, inbound):
    run, _, _ = midway
    actions.run_halt(run=run, actor=Actor(user=drill_org.olu))
    late = DrillInject.objects.get(run=run, position=2)
    before = len(inbound.requests)

    assert send(late) is False
    assert (len(inbound.requests), DrillInject.objects.get(pk=late.pk).status) == (before, "canceled")


def test_an_alert_in_flight_when_the_halt_came_is_resolved_when_it_lands(
    drill_org, midway, inbound, django_capture_on_commit_callbacks
):
    run, _, _ = midway
    late = DrillInject.objects.get(run=run, position=2)
    actions.run_halt(run=run, actor=Actor(user=drill_org.olu))
    url = "http://testserver/integrations/pagerduty/v2/enqueue"
    body = injects.alert_body(
        "pagerduty", late.payload, key=DrillIntegrationKey.objects.get().key, dedup_key=late.dedup_key
    )

    with django_capture_on_commit_callbacks(execute=True):
        inbound(url, json=body, timeout=1)

    group = AlertGroup.objects.get(dedup_key=late.dedup_key)
    assert group.status == "resolved"
    assert DrillLink.objects.filter(run=run, alert_group=group).exists()
    assert not Escalation.objects.filter(status=EscalationStatus.ACTIVE).exists()


def test_only_a_running_drill_halts_and_the_reason_is_bounded(drill_org, midway):
    run, _, _ = midway
    with pytest.raises(ValidationError):
        actions.run_halt(run=run, actor=Actor(user=drill_org.olu), reason="x" * 501)
    actions.run_halt(run=run, actor=Actor(user=drill_org.olu))

    with pytest.raises(ValidationError) as raised:
        actions.run_halt(run=run, actor=Actor(user=drill_org.olu))
    assert raised.value.message_dict == {"status": ["DR-1 is halted; only a running drill halts."]}

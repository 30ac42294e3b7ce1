"""alert_group.triggered: one event per alert group a trigger OPENED (workflows follow it), from the ingest batch
that opened it and inside its transaction; a repeated trigger of an open group publishes none."""

import pytest
from django.db import transaction

from alerting import actions
from alerting.events import AlertGroupTriggered, InboundEvent
from alerting.models import AlertGroup
from core import events
from orgs.tenancy import Actor
from services import actions as service_actions

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system()


@pytest.fixture
def integration(org):
    service = service_actions.service_create(organization=org, actor=SYSTEM, name="Payments")
    integration, _ = actions.integration_create(
        organization=org, service=service, name="Prometheus", kind="alertmanager", actor=SYSTEM
    )
    return integration


def event(action: str, key: str, severity: str = "warning", **labels: str) -> InboundEvent:
    return InboundEvent(action=action, dedup_key=key, summary=f"{key} alarm", severity=severity, labels=labels)


def triggered(published: list) -> list[AlertGroupTriggered]:
    return [e for e in published if isinstance(e, AlertGroupTriggered)]


def expected(group: AlertGroup, labels: tuple = ()) -> AlertGroupTriggered:
    return AlertGroupTriggered(
        organization_id=group.organization_id,
        alert_group_id=group.pk,
        service_id=group.service_id,
        integration_id=group.integration_id,
        title=group.title,
        alert_severity=group.severity,
        incident_id=None,
        labels=labels,
    )


def test_one_event_per_group_opened_by_the_batch_and_none_for_repeats(org, integration, published):
    actions.alert_ingest_batch(items=[(integration, event("trigger", "disk"))])
    (disk,) = AlertGroup.objects.all()
    assert triggered(published) == [expected(disk)]
    published.clear()

    actions.alert_ingest_batch(
        items=[
            (integration, event("trigger", "cpu", "critical", team="payments", region="eu")),  # opens
            (integration, event("trigger", "disk")),  # repeats
            (integration, event("trigger", "cpu", "critical")),  # repeats the group this batch opened
            (integration, event("trigger", "mem", "info")),  # opens
        ]
    )

    cpu, mem = AlertGroup.objects.get(dedup_key="cpu"), AlertGroup.objects.get(dedup_key="mem")
    assert triggered(published) == [
        expected(cpu, labels=(("region", "eu"), ("team", "payments"))),
        expected(mem),
    ]
    assert (cpu.title, cpu.severity, mem.severity) == ("cpu alarm", "critical", "info")
    published.clear()

    actions.alert_ingest_batch(items=[(integration, event("trigger", key)) for key in ("cpu", "disk", "mem")])
    actions.alert_ingest(integration=integration, event=event("acknowledge", "cpu"))
    actions.alert_ingest(integration=integration, event=event("trigger", "cpu"))
    assert triggered(published) == []  # repeated and acknowledged groups are still open: nothing opened


def test_a_trigger_after_a_resolve_opens_a_new_group_and_announces_it(org, integration, published):
    actions.alert_ingest(integration=integration, event=event("trigger", "disk"))
    actions.alert_ingest_batch(
        items=[
            (integration, event("resolve", "disk")),
            (integration, event("trigger", "disk", "error")),  # a later group of the same key, same batch
            (integration, event("resolve", "disk")),
            (integration, event("trigger", "disk", "critical")),
        ]
    )

    first, second, third = AlertGroup.objects.order_by("pk")
    assert [g.status for g in (first, second, third)] == ["resolved", "resolved", "triggered"]
    assert triggered(published) == [expected(first), expected(second), expected(third)]
    assert [e.alert_severity for e in triggered(published)] == ["warning", "error", "critical"]


def test_acknowledge_and_resolve_without_an_open_group_announce_nothing(org, integration, published):
    actions.alert_ingest_batch(items=[(integration, event("acknowledge", "x")), (integration, event("resolve", "x"))])
    assert triggered(published) == []
    assert AlertGroup.objects.count() == 0


@pytest.mark.django_db(transaction=True)  # a real commit: outside a test's wrapping transaction
def test_the_event_is_published_inside_the_ingest_transaction(org, integration):
    seen: list[tuple[str, bool, bool]] = []

    def record(e: AlertGroupTriggered) -> None:
        in_transaction = transaction.get_connection().in_atomic_block
        seen.append((e.title, in_transaction, AlertGroup.objects.filter(pk=e.alert_group_id).exists()))

    with events.isolated_subscriptions():
        events.subscribe("alert_group.triggered", record, when="in_transaction")
        actions.alert_ingest(integration=integration, event=event("trigger", "disk"))
        actions.alert_ingest(integration=integration, event=event("trigger", "disk"))

    assert seen == [("disk alarm", True, True)]

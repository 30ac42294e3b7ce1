"""What alerting publishes (exact payloads): alert groups attached to an incident (the timeline records them
through the incidents app's subscriber), and, once per org and transaction, the groups whose rows changed and the
repeated triggers' new counts (the live triage queue follows them after commit)."""

import pytest

from alerting import actions
from alerting.events import (
    AlertGroupsAttached,
    AlertGroupsChanged,
    AlertsCounted,
    AttachedGroup,
    CountedGroup,
    InboundEvent,
)
from alerting.models import AlertGroup
from incidents import actions as incident_actions
from incidents.models import Severity
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


def event(action: str, key: str, severity: str = "warning") -> InboundEvent:
    return InboundEvent(action=action, dedup_key=key, summary=f"{key} alarm", severity=severity)


def of_type(published: list, kind: type) -> list:
    return [e for e in published if isinstance(e, kind)]


def test_an_ingest_batch_publishes_one_change_and_one_count_event_per_org(org, integration, published):
    actions.alert_ingest_batch(items=[(integration, event("trigger", "disk"))])
    published.clear()

    actions.alert_ingest_batch(
        items=[
            (integration, event("trigger", "cpu")),  # opens
            (integration, event("trigger", "disk")),  # repeats
            (integration, event("trigger", "disk")),
            (integration, event("trigger", "mem")),  # opens
        ]
    )

    cpu, disk, mem = (AlertGroup.objects.get(dedup_key=key) for key in ("cpu", "disk", "mem"))
    assert of_type(published, AlertGroupsChanged) == [
        AlertGroupsChanged(organization_id=org.pk, group_ids=(cpu.pk, mem.pk))
    ]
    assert of_type(published, AlertsCounted) == [
        AlertsCounted(
            organization_id=org.pk,
            groups=(CountedGroup(org.pk, disk.uuid, 3, disk.last_seen, disk.first_seen),),
        )
    ]


def test_attaching_publishes_the_groups_and_the_timeline_records_them(org, integration, owner, published):
    incident_actions.organization_defaults_ensure(organization=org)
    actor = Actor(user=owner.user)
    incident = incident_actions.incident_declare(
        organization=org, actor=actor, title="Disk", severity=Severity.objects.for_org(org).first()
    )
    group = actions.alert_ingest(integration=integration, event=event("trigger", "disk")).group
    published.clear()

    actions.alert_group_attach(group=group, incident=incident, actor=actor)

    summary = AttachedGroup(
        id=str(group.uuid),
        title="disk alarm",
        severity="warning",
        service="payments",
        alert_count=1,
        path=f"/o/acme/alerts/{group.uuid}/",
    )
    assert of_type(published, AlertGroupsAttached) == [
        AlertGroupsAttached(organization_id=org.pk, incident_id=incident.pk, groups=(summary,))
    ]
    assert of_type(published, AlertGroupsChanged) == [AlertGroupsChanged(organization_id=org.pk, group_ids=(group.pk,))]
    attached = incident.timeline.get(kind="alert_attached")
    assert attached.payload == {"groups": [summary.__dict__]}

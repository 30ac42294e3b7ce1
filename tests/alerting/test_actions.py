"""Alert ingestion semantics and triage actions, on the real database."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from alerting import actions
from alerting.events import InboundEvent
from alerting.models import Alert, AlertGroup, Integration
from incidents import actions as incident_actions
from incidents.models import Severity, TimelineEvent
from orgs.models import AuditEvent
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


def trigger(integration, key="disk", summary="Disk almost full", severity="warning"):
    return actions.alert_ingest(
        integration=integration,
        event=InboundEvent(action="trigger", dedup_key=key, summary=summary, severity=severity, payload={"k": key}),
    )


def test_key_is_stored_hashed_and_authenticates_only_itself(org, integration):
    integration, key = actions.integration_key_regenerate(integration=integration, actor=SYSTEM)

    stored = Integration.objects.get(pk=integration.pk)
    assert key not in (stored.key_prefix + stored.key_hash)
    assert actions.integration_authenticate(key=key) == integration
    assert actions.integration_authenticate(key=key[:-1] + ("0" if key[-1] != "0" else "1")) is None
    assert actions.integration_authenticate(key="short") is None


def test_regenerating_the_key_invalidates_the_old_one(integration):
    _, old = actions.integration_key_regenerate(integration=integration, actor=SYSTEM)
    _, new = actions.integration_key_regenerate(integration=integration, actor=SYSTEM)

    assert actions.integration_authenticate(key=old) is None
    assert actions.integration_authenticate(key=new) == integration


def test_triggers_with_one_key_join_one_group_keeping_the_highest_severity(integration):
    first = trigger(integration, severity="warning")
    second = trigger(integration, severity="critical")
    third = trigger(integration, severity="info")

    group = AlertGroup.objects.get()
    assert (first.opened, second.opened, third.opened) == (True, False, False)
    assert (group.alert_count, group.severity, group.status, group.paging_status) == (
        3,
        "critical",
        "triggered",
        "no_policy",
    )
    assert Alert.objects.filter(group=group).count() == 3
    assert group.first_seen <= group.last_seen


def test_resolve_closes_the_group_and_the_next_trigger_opens_a_new_one(integration):
    opened = trigger(integration).group
    actions.alert_ingest(integration=integration, event=InboundEvent(action="resolve", dedup_key="disk"))

    reopened = trigger(integration)

    assert AlertGroup.objects.get(pk=opened.pk).status == "resolved"
    assert reopened.opened is True
    assert reopened.group.pk != opened.pk
    assert list(AlertGroup.objects.order_by("id").values_list("status", flat=True)) == ["resolved", "triggered"]


def test_stray_acknowledge_and_resolve_are_dropped_and_counted(integration):
    ack = actions.alert_ingest(integration=integration, event=InboundEvent(action="acknowledge", dedup_key="nope"))
    res = actions.alert_ingest(integration=integration, event=InboundEvent(action="resolve", dedup_key="nope"))

    assert (ack.stored, res.stored) == (False, False)
    assert Integration.objects.get(pk=integration.pk).dropped_events == 2
    assert Alert.objects.exists() is False
    assert AlertGroup.objects.exists() is False


def test_source_acknowledge_moves_a_triggered_group(integration):
    group = trigger(integration).group

    actions.alert_ingest(integration=integration, event=InboundEvent(action="acknowledge", dedup_key="disk"))

    group.refresh_from_db()
    assert (group.status, group.alert_count, group.acknowledged_at is not None) == ("acknowledged", 2, True)


def test_people_acknowledge_resolve_and_silence_with_audit(integration, owner):
    group = trigger(integration).group
    actor = Actor(user=owner.user)
    until = timezone.now() + timedelta(minutes=30)

    actions.alert_group_acknowledge(group=group, actor=actor)
    actions.alert_group_acknowledge(group=group, actor=actor)
    actions.alert_group_silence(group=group, until=until, actor=actor)
    actions.alert_group_resolve(group=group, actor=actor)

    group.refresh_from_db()
    assert (group.status, group.acknowledged_by, group.resolved_by, group.silenced_until) == (
        "resolved",
        owner.user,
        owner.user,
        until,
    )
    logged = AuditEvent.objects.filter(target_type="alertgroup").order_by("id").values_list("action", flat=True)
    assert list(logged) == ["alert_group.acknowledged", "alert_group.silenced", "alert_group.resolved"]
    with pytest.raises(ValidationError):
        actions.alert_group_silence(group=group, until=timezone.now() - timedelta(minutes=1), actor=actor)


def test_merge_moves_alerts_and_resolves_the_sources(integration, owner):
    target = trigger(integration, key="a", severity="warning").group
    source = trigger(integration, key="b", severity="critical").group
    trigger(integration, key="b")

    merged = actions.alert_group_merge(target=target, sources=[source], actor=Actor(user=owner.user))

    source.refresh_from_db()
    assert (merged.alert_count, merged.severity) == (3, "critical")
    assert (source.status, source.merged_into_id, source.alerts.count()) == ("resolved", target.pk, 0)


def test_escalate_declares_an_incident_from_the_first_alert_and_attaches_the_group(org, integration, owner):
    incident_actions.organization_defaults_ensure(organization=org)
    group = trigger(integration, summary="Checkout 502s", severity="critical").group

    incident = actions.alert_group_escalate(group=group, actor=Actor(user=owner.user))

    group.refresh_from_db()
    assert (incident.reference, incident.title, incident.severity.name) == ("INC-1", "Checkout 502s", "SEV1")
    assert (incident.started_at, incident.detected_at) == (group.first_seen, group.first_seen)
    assert [s.slug for s in incident.services.all()] == ["payments"]
    assert (group.incident_id, group.status) == (incident.pk, "acknowledged")
    attached = TimelineEvent.objects.get(incident=incident, kind="alert_attached")
    assert attached.payload["groups"][0]["title"] == "Checkout 502s"
    with pytest.raises(ValidationError):
        actions.alert_group_escalate(group=group, actor=Actor(user=owner.user))


def test_attach_requires_an_open_incident_of_the_same_org(org, other_org, integration, owner, other_member):
    incident_actions.organization_defaults_ensure(organization=org)
    incident_actions.organization_defaults_ensure(organization=other_org)
    group = trigger(integration).group
    severity = Severity.objects.for_org(org).first()
    other_severity = Severity.objects.for_org(other_org).first()
    mine = incident_actions.incident_declare(
        organization=org, actor=Actor(user=owner.user), title="Mine", severity=severity
    )
    theirs = incident_actions.incident_declare(
        organization=other_org, actor=Actor(user=other_member.user), title="Theirs", severity=other_severity
    )

    with pytest.raises(ValidationError):
        actions.alert_group_attach(group=group, incident=theirs, actor=Actor(user=owner.user))
    actions.alert_group_attach(group=group, incident=mine, actor=Actor(user=owner.user))

    group.refresh_from_db()
    assert group.incident_id == mine.pk
    assert TimelineEvent.objects.filter(incident=theirs, kind="alert_attached").exists() is False


def test_integration_service_must_be_in_the_org(org, other_org):
    theirs = service_actions.service_create(organization=other_org, actor=SYSTEM, name="Theirs")

    with pytest.raises(ValidationError) as error:
        actions.integration_create(organization=org, service=theirs, name="x", kind="webhook", actor=SYSTEM)

    assert error.value.message_dict == {"service": ["Choose a service of this organization."]}
    assert Integration.objects.exists() is False


def test_prune_deletes_old_alerts_and_keeps_group_summaries(integration, settings):
    old_group = trigger(integration, key="old").group
    trigger(integration, key="old")
    fresh_group = trigger(integration, key="fresh").group
    Alert.objects.filter(group=old_group).update(received_at=timezone.now() - timedelta(days=91))
    settings.ALERT_RETENTION_DAYS = 90

    from alerting import tasks

    deleted = tasks.alerts_prune()

    old_group.refresh_from_db()
    assert deleted == 2
    assert (old_group.alert_count, old_group.alerts.count()) == (2, 0)
    assert fresh_group.alerts.count() == 1


def test_merging_an_incident_moves_its_alert_groups_to_the_one_it_merged_into(org, integration, owner):
    incident_actions.organization_defaults_ensure(organization=org)
    severity = Severity.objects.for_org(org).first()
    actor = Actor(user=owner.user)
    duplicate = incident_actions.incident_declare(
        organization=org, actor=actor, title="Disk alarms", severity=severity, status="triage"
    )
    kept = incident_actions.incident_declare(organization=org, actor=actor, title="Storage outage", severity=severity)
    unrelated = incident_actions.incident_declare(organization=org, actor=actor, title="Search slow", severity=severity)
    disk, inode = trigger(integration, key="disk").group, trigger(integration, key="inode", summary="Inodes low").group
    search = trigger(integration, key="search", summary="Search p99 high").group
    actions.alert_group_attach(group=disk, incident=duplicate, actor=actor)
    actions.alert_group_attach(group=inode, incident=duplicate, actor=actor)
    actions.alert_group_attach(group=search, incident=unrelated, actor=actor)

    incident_actions.incident_transition(incident=duplicate, status="merged", actor=actor, merged_into=kept)

    on = dict(AlertGroup.objects.values_list("dedup_key", "incident__number"))
    assert on == {"disk": kept.number, "inode": kept.number, "search": unrelated.number}
    moved = TimelineEvent.objects.filter(incident=kept, kind="alert_attached").get()
    assert [g["title"] for g in moved.payload["groups"]] == ["Disk almost full", "Inodes low"]
    audits = AuditEvent.objects.for_org(org).filter(action="alert_group.attached").order_by("pk")
    assert [a.changes["incident"] for a in audits][-2:] == [
        {"before": duplicate.reference, "after": kept.reference},
        {"before": duplicate.reference, "after": kept.reference},
    ]

"""Writes of the alerting app: integrations, ingestion with deduplication, and triage of groups."""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from alerting import live, paging
from alerting.events import InboundEvent
from alerting.models import (
    OPEN_GROUP_STATUSES,
    SEVERITY_RANK,
    Alert,
    AlertAction,
    AlertGroup,
    AlertGroupStatus,
    Integration,
    IntegrationKind,
    PagingStatus,
)
from incidents import actions as incident_actions
from incidents.models import Incident, Severity
from orgs import actions as org_actions
from orgs.models import Organization
from orgs.tenancy import Actor
from services.models import Service

logger = logging.getLogger(__name__)

LAST_EVENT_RESOLUTION = 60  # seconds
WEBHOOK_PATH_FIELDS = ("title_path", "dedup_key_path", "severity_path", "status_path", "link_path")
INTEGRATION_FIELDS = ("name", "service", "enabled", "rate_limit_per_minute", *WEBHOOK_PATH_FIELDS)


# --- integrations ------------------------------------------------------------------------------


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key() -> tuple[str, str]:
    key = secrets.token_hex(16)  # 32 hex characters, the shape of a PagerDuty integration key
    return key, key[:8]


def _check_service(organization: Organization, service: Service) -> None:
    if service.organization_id != organization.pk:
        raise ValidationError({"service": "Choose a service of this organization."})


@transaction.atomic
def integration_create(
    *, organization: Organization, service: Service, name: str, kind: str, actor: Actor, **fields: Any
) -> tuple[Integration, str]:
    """Create an inbound integration; returns it with its key, which is shown once and stored hashed."""
    if kind not in IntegrationKind.values:
        raise ValidationError({"kind": f"Choose one of {', '.join(IntegrationKind.values)}."})
    if not (name or "").strip():
        raise ValidationError({"name": "Name the integration."})
    _check_service(organization, service)
    unknown = set(fields) - set(INTEGRATION_FIELDS)
    if unknown:
        raise ValueError(f"Unknown integration fields: {sorted(unknown)}")
    key, prefix = _new_key()
    integration = Integration.objects.create(
        organization=organization,
        service=service,
        name=name.strip(),
        kind=kind,
        key_prefix=prefix,
        key_hash=_key_hash(key),
        **fields,
    )
    org_actions.audit_record(
        organization=organization,
        actor=actor,
        action="integration.created",
        target=integration,
        changes={"kind": {"before": None, "after": kind}, "service": {"before": None, "after": service.slug}},
    )
    return integration, key


@transaction.atomic
def integration_update(*, integration: Integration, actor: Actor, **fields: Any) -> Integration:
    """Rename, re-route, enable/disable, change the rate limit or the webhook paths."""
    unknown = set(fields) - set(INTEGRATION_FIELDS)
    if unknown:
        raise ValueError(f"Unknown integration fields: {sorted(unknown)}")
    integration = Integration.objects.select_for_update().get(pk=integration.pk)
    if "service" in fields:
        _check_service(integration.organization, fields["service"])
    changes = {}
    for field, value in fields.items():
        before = getattr(integration, field)
        if before != value:
            changes[field] = {
                "before": before.slug if isinstance(before, Service) else before,
                "after": value.slug if isinstance(value, Service) else value,
            }
            setattr(integration, field, value)
    if changes:
        integration.save(update_fields=[*changes, "updated_at"])
        org_actions.audit_record(
            organization=integration.organization,
            actor=actor,
            action="integration.updated",
            target=integration,
            changes=changes,
        )
    return integration


@transaction.atomic
def integration_key_regenerate(*, integration: Integration, actor: Actor) -> tuple[Integration, str]:
    """Issue a new key; the old one stops working at once."""
    integration = Integration.objects.select_for_update().get(pk=integration.pk)
    key, prefix = _new_key()
    integration.key_prefix = prefix
    integration.key_hash = _key_hash(key)
    integration.save(update_fields=["key_prefix", "key_hash", "updated_at"])
    org_actions.audit_record(
        organization=integration.organization, actor=actor, action="integration.key_regenerated", target=integration
    )
    return integration, key


@transaction.atomic
def integration_delete(*, integration: Integration, actor: Actor) -> None:
    """Delete an integration and its alerts (the groups go with it)."""
    org_actions.audit_record(
        organization=integration.organization, actor=actor, action="integration.deleted", target=integration
    )
    integration.delete()


def integration_authenticate(*, key: str) -> Integration | None:
    """The enabled-or-not integration for an inbound key (prefix lookup + constant-time hash compare)."""
    if not isinstance(key, str) or len(key) < 8:
        return None
    integration = Integration.objects.filter(key_prefix=key[:8]).select_related("organization", "service").first()
    if integration is None or not secrets.compare_digest(integration.key_hash, _key_hash(key)):
        return None
    return integration


# --- ingestion -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IngestResult:
    stored: bool
    group: AlertGroup | None
    opened: bool = False


def _open_groups(integration: Integration, dedup_key: str):
    return AlertGroup.objects.filter(integration=integration, dedup_key=dedup_key, status__in=OPEN_GROUP_STATUSES)


def _truncate(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


@transaction.atomic
def alert_ingest(*, integration: Integration, event: InboundEvent) -> IngestResult:
    """Store one inbound event and move its group: a few indexed statements, race-safe.

    A trigger joins the open group of its dedup key or opens one (the partial unique index makes
    concurrent openers meet on one row). Acknowledge/resolve with no open group are dropped and counted.
    """
    now = timezone.now()
    key = _truncate(event.dedup_key, 255)
    group = _open_groups(integration, key).select_for_update().first()
    opened = False
    if group is None and event.action != AlertAction.TRIGGER:
        Integration.objects.filter(pk=integration.pk).update(dropped_events=F("dropped_events") + 1, last_event_at=now)
        return IngestResult(stored=False, group=None)
    if group is None:
        try:
            with transaction.atomic():
                group = AlertGroup.objects.create(
                    organization_id=integration.organization_id,
                    integration=integration,
                    service_id=integration.service_id,
                    dedup_key=key,
                    title=_truncate(event.summary or key, 1024),
                    severity=event.severity,
                    labels=event.labels,
                    source=_truncate(event.source, 255),
                    link=event.link[:1000],
                    first_seen=now,
                    last_seen=now,
                )
            opened = True
        except IntegrityError:
            group = _open_groups(integration, key).select_for_update().get()
    Alert.objects.create(
        organization_id=integration.organization_id,
        group=group,
        integration=integration,
        action=event.action,
        dedup_key=key,
        summary=_truncate(event.summary or group.title, 1024),
        severity=event.severity,
        source_timestamp=event.timestamp,
        received_at=now,
        payload=event.payload,
    )
    updates: dict[str, Any] = {"alert_count": F("alert_count") + 1, "last_seen": now, "updated_at": now}
    # Acknowledge/resolve carry no severity of their own (PagerDuty's have no payload): only triggers raise it.
    raises_severity = SEVERITY_RANK.get(event.severity, 9) < SEVERITY_RANK.get(group.severity, 9)
    if event.action == AlertAction.TRIGGER and raises_severity:
        updates["severity"] = event.severity
    if event.action == AlertAction.ACKNOWLEDGE and group.status == AlertGroupStatus.TRIGGERED:
        updates.update(status=AlertGroupStatus.ACKNOWLEDGED, acknowledged_at=now)
    elif event.action == AlertAction.RESOLVE:
        updates.update(status=AlertGroupStatus.RESOLVED, resolved_at=now)
    AlertGroup.objects.filter(pk=group.pk).update(**updates)
    if integration.last_event_at is None or (now - integration.last_event_at).total_seconds() >= LAST_EVENT_RESOLUTION:
        # "Last event" is for people; stamping it at most once a minute keeps a write off the hot path.
        Integration.objects.filter(pk=integration.pk).update(last_event_at=now)
        integration.last_event_at = now
    if opened:
        paging.alert_group_triggered(group=group)
    elif "status" in updates:
        paging.alert_group_paging_stop(group=group)
    if opened or "status" in updates:
        transaction.on_commit(lambda: live.alert_group_broadcast(group_id=group.pk), robust=True)
    return IngestResult(stored=True, group=group, opened=opened)


# --- triage by people ---------------------------------------------------------------------------------


def _lock_group(group: AlertGroup) -> AlertGroup:
    return AlertGroup.objects.select_for_update(of=("self",)).select_related("organization").get(pk=group.pk)


def _group_audit(group: AlertGroup, actor: Actor, action: str, changes: dict | None = None) -> None:
    org_actions.audit_record(
        organization=group.organization,
        actor=actor,
        action=f"alert_group.{action}",
        target_type="alertgroup",
        target_id=str(group.uuid),
        target_label=group.title[:200],
        changes=changes or {},
    )


@transaction.atomic
def alert_group_acknowledge(*, group: AlertGroup, actor: Actor) -> AlertGroup:
    """A person takes the alert: paging stops. Idempotent."""
    group = _lock_group(group)
    if group.status != AlertGroupStatus.TRIGGERED:
        return group
    group.status = AlertGroupStatus.ACKNOWLEDGED
    group.acknowledged_at = timezone.now()
    group.acknowledged_by = actor.user
    group.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "updated_at"])
    _group_audit(group, actor, "acknowledged", {"status": {"before": "triggered", "after": "acknowledged"}})
    paging.alert_group_paging_stop(group=group)
    transaction.on_commit(lambda: live.alert_group_broadcast(group_id=group.pk), robust=True)
    return group


@transaction.atomic
def alert_group_resolve(*, group: AlertGroup, actor: Actor) -> AlertGroup:
    """Resolve the group; the next trigger with its key opens a new group. Idempotent."""
    group = _lock_group(group)
    if group.status == AlertGroupStatus.RESOLVED:
        return group
    before = group.status
    group.status = AlertGroupStatus.RESOLVED
    group.resolved_at = timezone.now()
    group.resolved_by = actor.user
    group.save(update_fields=["status", "resolved_at", "resolved_by", "updated_at"])
    _group_audit(group, actor, "resolved", {"status": {"before": before, "after": "resolved"}})
    paging.alert_group_paging_stop(group=group)
    transaction.on_commit(lambda: live.alert_group_broadcast(group_id=group.pk), robust=True)
    return group


@transaction.atomic
def alert_group_silence(*, group: AlertGroup, until: datetime | None, actor: Actor) -> AlertGroup:
    """Silence notifications for the group until `until` (None lifts the silence)."""
    if until is not None and until <= timezone.now():
        raise ValidationError({"until": "Silence until a time in the future."})
    group = _lock_group(group)
    before = group.silenced_until
    group.silenced_until = until
    group.save(update_fields=["silenced_until", "updated_at"])
    _group_audit(
        group,
        actor,
        "silenced" if until else "unsilenced",
        {
            "silenced_until": {
                "before": before.isoformat() if before else None,
                "after": until.isoformat() if until else None,
            }
        },
    )
    transaction.on_commit(lambda: live.alert_group_broadcast(group_id=group.pk), robust=True)
    return group


@transaction.atomic
def alert_group_merge(*, target: AlertGroup, sources: list[AlertGroup], actor: Actor) -> AlertGroup:
    """Fold other groups of the org into `target`: their alerts move, they resolve as merged."""
    target = _lock_group(target)
    moved = 0
    for source in sources:
        if source.pk == target.pk:
            continue
        if source.organization_id != target.organization_id:
            raise ValidationError({"groups": "Only groups of this organization can be merged."})
        source = _lock_group(source)
        moved += Alert.objects.filter(group=source).update(group=target)
        source.status = AlertGroupStatus.RESOLVED
        source.resolved_at = source.resolved_at or timezone.now()
        source.merged_into = target
        source.save(update_fields=["status", "resolved_at", "merged_into", "updated_at"])
        if SEVERITY_RANK[source.severity] < SEVERITY_RANK[target.severity]:
            target.severity = source.severity
        target.first_seen = min(target.first_seen, source.first_seen)
        target.last_seen = max(target.last_seen, source.last_seen)
        _group_audit(source, actor, "merged", {"merged_into": {"before": None, "after": str(target.uuid)}})
        paging.alert_group_paging_stop(group=source)
    target.alert_count = Alert.objects.filter(group=target).count()
    target.save(update_fields=["severity", "first_seen", "last_seen", "alert_count", "updated_at"])
    for group_id in [target.pk, *(source.pk for source in sources if source.pk != target.pk)]:
        transaction.on_commit(lambda group_id=group_id: live.alert_group_broadcast(group_id=group_id), robust=True)
    return target


def paging_mark_pending(*, group: AlertGroup) -> None:
    """Record that the group waits for its service's escalation policy (the on-call issue runs it)."""
    AlertGroup.objects.filter(pk=group.pk).update(paging_status=PagingStatus.PENDING)


# --- incidents ------------------------------------------------------------------------------------------

ALERT_TO_INCIDENT_SEVERITY = {"critical": "SEV1", "error": "SEV2", "warning": "SEV3", "info": "SEV4"}


def _group_summary(group: AlertGroup) -> dict[str, Any]:
    return {
        "id": str(group.uuid),
        "title": group.title,
        "severity": group.severity,
        "service": group.service.slug,
        "alert_count": group.alert_count,
        "path": f"/o/{group.organization.slug}/alerts/{group.uuid}/",
    }


def incident_severity_for(*, group: AlertGroup) -> Severity | None:
    """The org's incident severity that matches the group's alert severity (SEV1 for critical, …)."""
    severities = {s.name: s for s in Severity.objects.for_org(group.organization_id)}
    return severities.get(ALERT_TO_INCIDENT_SEVERITY.get(group.severity, "SEV3")) or next(
        iter(sorted(severities.values(), key=lambda s: -s.rank)), None
    )


@transaction.atomic
def alert_group_attach(*, group: AlertGroup, incident: Incident, actor: Actor) -> AlertGroup:
    """Attach a group to an open incident of the same org; the incident's timeline records it."""
    group = (
        AlertGroup.objects.select_for_update(of=("self",)).select_related("organization", "service").get(pk=group.pk)
    )
    if incident.organization_id != group.organization_id:
        raise ValidationError({"incident": "Choose an incident of this organization."})
    if not incident.is_open:
        raise ValidationError({"incident": f"{incident.reference} is {incident.status}; attach to an open incident."})
    if group.incident_id == incident.pk:
        return group
    group.incident = incident
    group.save(update_fields=["incident", "updated_at"])
    _group_audit(group, actor, "attached", {"incident": {"before": None, "after": incident.reference}})
    incident_actions.incident_alerts_attached(incident=incident, groups=[_group_summary(group)], actor=actor)
    transaction.on_commit(lambda: live.alert_group_broadcast(group_id=group.pk), robust=True)
    return group


@transaction.atomic
def alert_group_escalate(
    *, group: AlertGroup, actor: Actor, title: str | None = None, severity: Severity | None = None
) -> Incident:
    """Declare an incident from a group: title from its summary, severity mapped, its service, and
    `started_at`/`detected_at` from the first alert; the group is attached and acknowledged."""
    group = AlertGroup.objects.select_related("organization", "service").get(pk=group.pk)
    if group.incident_id is not None:
        raise ValidationError({"group": f"This alert group is already on {group.incident.reference}."})
    severity = severity or incident_severity_for(group=group)
    if severity is None:
        raise ValidationError({"severity": "This organization has no incident severities yet."})
    incident = incident_actions.incident_declare(
        organization=group.organization,
        actor=actor,
        title=(title or group.title)[:200],
        severity=severity,
        services=[group.service],
        started_at=group.first_seen,
        detected_at=group.first_seen,
    )
    alert_group_attach(group=group, incident=incident, actor=actor)
    # Someone is on it now: paging for the group stops.
    alert_group_acknowledge(group=group, actor=actor)
    return incident


# --- retention ---------------------------------------------------------------------------------------


def alerts_prune(*, older_than_days: int, batch_size: int = 5000) -> int:
    """Delete alerts received more than `older_than_days` ago, in batches; groups keep their counts,
    first/last seen and severity, so summaries survive. Returns how many alerts were deleted."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted = 0
    while True:
        batch = list(Alert.objects.filter(received_at__lt=cutoff).values_list("pk", flat=True)[:batch_size])
        if not batch:
            return deleted
        with transaction.atomic():
            count, _ = Alert.objects.filter(pk__in=batch).delete()
        deleted += count

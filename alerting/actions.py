"""Writes of the alerting app: integrations, ingestion with deduplication, and triage of groups."""

import hashlib
import json
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import F
from django.utils import timezone

from alerting import paging
from alerting.events import (
    AlertGroupsAttached,
    AlertGroupsChanged,
    AlertsCounted,
    AttachedGroup,
    CountedGroup,
    InboundEvent,
)
from alerting.models import (
    OPEN_GROUP_STATUSES,
    SEVERITY_RANK,
    Alert,
    AlertAction,
    AlertGroup,
    AlertGroupStatus,
    Integration,
    IntegrationKind,
)
from core import events
from incidents import actions as incident_actions
from incidents.models import Incident, IncidentStatus, Severity
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

# How often a concurrent opener may beat us to a key (its group then resolving before we lock it) before a
# batch gives up; each round is one insert and one select, and a second round is already rare.
OPEN_ROUNDS = 5
# A batch that deadlocks with a concurrent one (PostgreSQL aborts one of them) is retried this many times.
DEADLOCK_RETRIES = 3

GroupKey = tuple[int, str]


@dataclass(frozen=True)
class IngestResult:
    stored: bool
    group: AlertGroup | None
    opened: bool = False


def _truncate(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _lock_open_groups(keys: list[GroupKey]) -> dict[GroupKey, AlertGroup]:
    """Lock the open groups of these (integration, dedup key) pairs, in key order so that concurrent
    batches queue on their first shared key instead of deadlocking."""
    wanted = set(keys)
    groups = (
        AlertGroup.objects.select_for_update()
        .filter(
            integration_id__in={integration_id for integration_id, _ in wanted},
            dedup_key__in={key for _, key in wanted},
            status__in=OPEN_GROUP_STATUSES,
        )
        .order_by("integration_id", "dedup_key")
    )
    return {(g.integration_id, g.dedup_key): g for g in groups if (g.integration_id, g.dedup_key) in wanted}


def _new_group(integration: Integration, key: str, event: InboundEvent, now: datetime) -> AlertGroup:
    return AlertGroup(
        organization_id=integration.organization_id,
        integration_id=integration.pk,
        service_id=integration.service_id,
        dedup_key=key,
        title=_truncate(event.summary or key, 1024),
        severity=event.severity,
        labels=event.labels,
        source=_truncate(event.source, 255),
        link=event.link[:1000],
        first_seen=now,
        last_seen=now,
        created_at=now,
        updated_at=now,
    )


def _claim_open_groups(
    keyed: list[tuple[GroupKey, Integration, InboundEvent]], now: datetime
) -> tuple[dict[GroupKey, AlertGroup], dict[GroupKey, AlertGroup]]:
    """Lock every open group the batch touches, and open one for each key whose first trigger finds none.

    Openers are inserted with ON CONFLICT DO NOTHING: the partial unique index makes a concurrent opener
    of the same key win or wait, and the re-select then locks whichever group is open. Returns the open
    groups that existed before this batch (another's concurrent opener included) and, apart, the groups
    this batch opened, which only become open for their key at the trigger that opened them.
    """
    open_groups = _lock_open_groups(sorted({key for key, _, _ in keyed}))
    ours: dict[GroupKey, AlertGroup] = {}
    for _ in range(OPEN_ROUNDS):
        openers: dict[GroupKey, AlertGroup] = {}
        for key, integration, event in keyed:
            claimed = key in open_groups or key in ours or key in openers
            if not claimed and event.action == AlertAction.TRIGGER:
                openers[key] = _new_group(integration, key[1], event, now)
        if not openers:
            return open_groups, ours
        AlertGroup.objects.bulk_create([openers[key] for key in sorted(openers)], ignore_conflicts=True)
        for key, group in _lock_open_groups(sorted(openers)).items():
            if group.uuid == openers[key].uuid:
                ours[key] = group
            else:
                open_groups[key] = group
    raise OperationalError("alert groups kept changing under a concurrent batch; retry")


def _is_deadlock(error: OperationalError) -> bool:
    return getattr(error.__cause__, "sqlstate", None) in ("40P01", "40001")


def alert_ingest_batch(*, items: list[tuple[Integration, InboundEvent]]) -> list[IngestResult]:
    """Store many inbound events in ONE transaction (one WAL flush), with the same outcome as storing them one
    by one in order; returns one IngestResult per item. Opens its own transaction (retried on deadlock).

    A trigger joins the open group of its dedup key or opens one; acknowledge/resolve move it, and with no
    open group they are dropped and counted; after a resolve the next trigger opens a new group. Whatever the
    batch size this is a handful of statements: lock the open groups, insert the missing openers, update the
    groups, insert later groups, insert the alerts, count on the integrations.
    """
    if not items:
        return []
    for attempt in range(DEADLOCK_RETRIES):
        try:
            return _alert_ingest_batch(items)
        except OperationalError as error:
            retry = _is_deadlock(error) and not transaction.get_connection().in_atomic_block
            if not retry or attempt == DEADLOCK_RETRIES - 1:
                raise
            logger.warning("alert ingest batch of %s events deadlocked; retrying", len(items))
    raise AssertionError("unreachable")


@transaction.atomic
def _alert_ingest_batch(items: list[tuple[Integration, InboundEvent]]) -> list[IngestResult]:
    now = timezone.now()
    integrations = {integration.pk: integration for integration, _ in items}
    keyed = [((integration.pk, _truncate(event.dedup_key, 255)), integration, event) for integration, event in items]
    current, openers = _claim_open_groups(keyed, now)
    existing = {group.pk: group for group in [*current.values(), *openers.values()]}
    touched: set[int] = set()
    later_groups: list[AlertGroup] = []  # opened in this batch after an earlier group of their key resolved
    alerts: list[tuple[AlertGroup, InboundEvent, str]] = []
    results: list[IngestResult] = []
    hooks: list[tuple[str, AlertGroup]] = []
    raised: list[AlertGroup] = []  # a repeated trigger made these more severe: their whole row is pushed
    dropped: dict[int, int] = {}
    for key, integration, event in keyed:
        group = current.get(key)
        opened = False
        if group is None and event.action != AlertAction.TRIGGER:
            dropped[integration.pk] = dropped.get(integration.pk, 0) + 1
            results.append(IngestResult(stored=False, group=None))
            continue
        if group is None:
            group = openers.pop(key, None)  # the trigger this batch inserted an opener for
            if group is None:
                group = _new_group(integration, key[1], event, now)
                later_groups.append(group)
            current[key] = group
            opened = True
        if group.pk is not None:
            touched.add(group.pk)
        status = group.status
        group.alert_count += 1
        group.last_seen = now
        group.updated_at = now
        # Acknowledge/resolve carry no severity of their own (PagerDuty's have no payload): only triggers raise it.
        raises_severity = SEVERITY_RANK.get(event.severity, 9) < SEVERITY_RANK.get(group.severity, 9)
        if event.action == AlertAction.TRIGGER and raises_severity:
            group.severity = event.severity
            raised.append(group)
        if event.action == AlertAction.ACKNOWLEDGE and group.status == AlertGroupStatus.TRIGGERED:
            group.status, group.acknowledged_at = AlertGroupStatus.ACKNOWLEDGED, now
        elif event.action == AlertAction.RESOLVE:
            group.status, group.resolved_at = AlertGroupStatus.RESOLVED, now
            del current[key]
        alerts.append((group, event, _truncate(event.summary or group.title, 1024)))
        if opened:
            hooks.append(("triggered", group))
        elif group.status != status:
            hooks.append(("stop", group))
        results.append(IngestResult(stored=True, group=group, opened=opened))
    moved = [existing[pk] for pk in sorted(touched)]
    if later_groups:
        # Existing groups first: one resolved here frees its key's open slot for a later group of the same key.
        _write_groups_and_alerts(moved, [])
        moved = []
        AlertGroup.objects.bulk_create(later_groups)
    rows = [_alert_row(group, event, summary, now) for group, event, summary in alerts]
    _write_groups_and_alerts(moved, rows)
    _count_on_integrations(integrations, dropped=dropped, now=now)
    for hook, group in hooks:
        if hook == "triggered":
            paging.alert_group_triggered(group=group)
        else:
            paging.alert_group_paging_stop(group=group)
    changed = {group.pk: group for group in [*(group for _, group in hooks), *raised]}
    _groups_changed(list(changed.values()), actor=Actor.system())
    # The others only counted one more alert: one event per org carries their new count and times.
    counted = list({group.pk: group for group, _, _ in alerts if group.pk not in changed}.values())
    for organization_id, groups in _by_org(counted).items():
        cells = tuple(CountedGroup(organization_id, g.uuid, g.alert_count, g.last_seen, g.first_seen) for g in groups)
        events.publish(AlertsCounted(organization_id=organization_id, groups=cells))
    return results


def _by_org(groups: list[AlertGroup]) -> dict[int, list[AlertGroup]]:
    by_org: dict[int, list[AlertGroup]] = {}
    for group in groups:
        by_org.setdefault(group.organization_id, []).append(group)
    return by_org


def _groups_changed(groups: list[AlertGroup], *, actor: Actor) -> None:
    """Publish that these groups' rows changed: one event per organization, whatever the number of groups."""
    for organization_id, of_org in _by_org(groups).items():
        ids = tuple(dict.fromkeys(group.pk for group in of_org))
        events.publish(AlertGroupsChanged(organization_id=organization_id, actor=actor, group_ids=ids))


_GROUP_UPDATE_FIELDS = [
    "alert_count",
    "last_seen",
    "updated_at",
    "severity",
    "status",
    "acknowledged_at",
    "resolved_at",
]
_ALERT_INSERT_FIELDS = [
    "organization",
    "created_at",
    "updated_at",
    "uuid",
    "group",
    "integration",
    "action",
    "dedup_key",
    "summary",
    "severity",
    "source_timestamp",
    "received_at",
    "payload",
]


def _alert_row(group: AlertGroup, event: InboundEvent, summary: str, now: datetime) -> list[Any]:
    """One alert as values of _ALERT_INSERT_FIELDS (its group has its id by now)."""
    return [
        group.organization_id,
        now,
        now,
        uuid.uuid4(),
        group.pk,
        group.integration_id,
        event.action,
        group.dedup_key,
        summary,
        event.severity,
        event.timestamp,
        now,
        event.payload,
    ]


def _pg_arrays(fields: list[Any], columns: list[list[Any]]) -> tuple[str, list[list[Any]]]:
    """`unnest(%b::type[], …)` for these fields' columns of values (binary parameters), and the parameters."""
    types = [field.db_type(connection).split("(")[0] for field in fields]
    return "unnest(" + ", ".join(f"%b::{db_type}[]" for db_type in types) + ")", columns


def _write_groups_and_alerts(groups: list[AlertGroup], rows: list[list[Any]]) -> None:
    """Write the moved groups (locked by this transaction) back and insert the alerts (values of
    _ALERT_INSERT_FIELDS), without model machinery: Django's bulk_update builds a CASE per field and row and
    bulk_create prepares every object, which together cost more than the rest of a batch. On PostgreSQL this
    is ONE statement (a data-modifying CTE over unnest of one array per column: one round trip, constant SQL
    text); elsewhere (embedded SQLite) one UPDATE per group and an executemany INSERT."""
    if not groups and not rows:
        return
    group_fields = [AlertGroup._meta.get_field(name) for name in ["id", *_GROUP_UPDATE_FIELDS]]
    alert_fields = [Alert._meta.get_field(name) for name in _ALERT_INSERT_FIELDS]
    quote = connection.ops.quote_name
    group_table, alert_table = quote(AlertGroup._meta.db_table), quote(Alert._meta.db_table)
    group_columns = [quote(field.column) for field in group_fields]
    alert_columns = ", ".join(quote(field.column) for field in alert_fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            statements, params = [], []
            if groups:
                columns = [[getattr(group, field.attname) for group in groups] for field in group_fields]
                source, values = _pg_arrays(group_fields, columns)
                assignments = ", ".join(f"{column} = v.{column}" for column in group_columns[1:])
                statements.append(
                    f"UPDATE {group_table} AS g SET {assignments} FROM {source} AS v({', '.join(group_columns)})"
                    " WHERE g.id = v.id"
                )
                params += values
            if rows:
                for row in rows:
                    row[-1] = json.dumps(row[-1])  # payload: text, cast to jsonb by its array's type
                source, values = _pg_arrays(alert_fields, [list(column) for column in zip(*rows, strict=True)])
                statements.append(f"INSERT INTO {alert_table} ({alert_columns}) SELECT * FROM {source}")
                params += values
            sql = statements[0] if len(statements) == 1 else f"WITH moved AS ({statements[0]}) {statements[1]}"
            # Bound on the server in binary (Django's client-side binding would quote every array element), and
            # wrapped like any Django cursor: errors become Django's, execute wrappers and query logging apply.
            wrapper = CursorDebugWrapper if connection.queries_logged else CursorWrapper
            with wrapper(psycopg.Cursor(cursor.connection), connection) as server_bound:
                server_bound.execute(sql, params)
            return
        if groups:
            assignments = ", ".join(f"{column} = %s" for column in group_columns[1:])
            fields = group_fields[1:]
            prepared = [
                [field.get_db_prep_save(getattr(group, field.attname), connection) for field in fields] + [group.pk]
                for group in groups
            ]
            cursor.executemany(f"UPDATE {group_table} SET {assignments} WHERE id = %s", prepared)
        if rows:
            prepared = [
                [field.get_db_prep_save(value, connection) for field, value in zip(alert_fields, row, strict=True)]
                for row in rows
            ]
            placeholders = ", ".join(["%s"] * len(alert_fields))
            cursor.executemany(f"INSERT INTO {alert_table} ({alert_columns}) VALUES ({placeholders})", prepared)


def _count_on_integrations(integrations: dict[int, Integration], *, dropped: dict[int, int], now: datetime) -> None:
    """Count dropped events and stamp "last event" (at most once a minute: it is for people, and a write
    per batch would be one more statement on the hot path)."""
    for pk, integration in integrations.items():
        updates: dict[str, Any] = {}
        if dropped.get(pk):
            updates["dropped_events"] = F("dropped_events") + dropped[pk]
        last = integration.last_event_at
        if updates or last is None or (now - last).total_seconds() >= LAST_EVENT_RESOLUTION:
            updates["last_event_at"] = now
            Integration.objects.filter(pk=pk).update(**updates)
            transaction.on_commit(lambda integration=integration: setattr(integration, "last_event_at", now))


def alert_ingest(*, integration: Integration, event: InboundEvent) -> IngestResult:
    """Store one inbound event and move its group: a batch of one, in its own transaction (see alert_ingest_batch)."""
    return alert_ingest_batch(items=[(integration, event)])[0]


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
    _groups_changed([group], actor=actor)
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
    _groups_changed([group], actor=actor)
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
    _groups_changed([group], actor=actor)
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
    _groups_changed([target, *(source for source in sources if source.pk != target.pk)], actor=actor)
    return target


# --- incidents ------------------------------------------------------------------------------------------

ALERT_TO_INCIDENT_SEVERITY = {"critical": "SEV1", "error": "SEV2", "warning": "SEV3", "info": "SEV4"}


def _group_summary(group: AlertGroup) -> AttachedGroup:
    return AttachedGroup(
        id=str(group.uuid),
        title=group.title,
        severity=group.severity,
        service=group.service.slug,
        alert_count=group.alert_count,
        path=f"/o/{group.organization.slug}/alerts/{group.uuid}/",
    )


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
    events.publish(
        AlertGroupsAttached(
            organization_id=group.organization_id, actor=actor, incident_id=incident.pk, groups=(_group_summary(group),)
        )
    )
    _groups_changed([group], actor=actor)
    return group


def alert_groups_follow_merge(*, incident: Incident, actor: Actor) -> None:
    """When an incident merges into another, its alert groups move with it, so the incident people keep working
    shows every alert behind it (its timeline records them as attached). Runs in the merge's transaction."""
    if incident.status != IncidentStatus.MERGED or incident.merged_into_id is None:
        return
    groups = list(
        AlertGroup.objects.select_for_update(of=("self",))
        .select_related("organization", "service")
        .filter(incident=incident)
        .order_by("pk")
    )
    if not groups:
        return
    target = incident.merged_into
    AlertGroup.objects.filter(pk__in=[g.pk for g in groups]).update(incident=target, updated_at=timezone.now())
    change = {"incident": {"before": incident.reference, "after": target.reference}}
    for group in groups:
        _group_audit(group, actor, "attached", change)
    events.publish(
        AlertGroupsAttached(
            organization_id=incident.organization_id,
            actor=actor,
            incident_id=target.pk,
            previous_incident_id=incident.pk,
            groups=tuple(_group_summary(g) for g in groups),
        )
    )
    _groups_changed(groups, actor=actor)


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

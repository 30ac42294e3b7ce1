"""Ingestion: inbound events stored in batches, deduplicated into alert groups, which open and move (starting
and stopping their paging, alerting.paging); and the retention of old alerts."""

import json
import logging
import sqlite3
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
from django.db import OperationalError, connection, transaction
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import F
from django.utils import timezone

from alerting import paging
from alerting.actions.groups import by_org, groups_changed
from alerting.events import AlertGroupTriggered, AlertsCounted, CountedGroup, InboundEvent
from alerting.models import (
    OPEN_GROUP_STATUSES,
    SEVERITY_RANK,
    Alert,
    AlertAction,
    AlertGroup,
    AlertGroupStatus,
    Integration,
)
from core import events
from orgs.tenancy import Actor

logger = logging.getLogger(__name__)

LAST_EVENT_RESOLUTION = 60  # seconds

# How often a concurrent opener may beat us to a key (its group then resolving before we lock it) before a
# batch gives up; each round is one insert and one select, and a second round is already rare.
OPEN_ROUNDS = 5
# A batch that deadlocks with a concurrent one (PostgreSQL aborts one of them) is retried this many times.
DEADLOCK_RETRIES = 4
DEADLOCK_BACKOFF_SECONDS = 0.02  # before the 2nd try; doubling after

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


def _label_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def _triggered(group: AlertGroup) -> AlertGroupTriggered:
    """The event of a group this batch opened, from the object in hand (no query)."""
    labels = group.labels if isinstance(group.labels, dict) else {}
    return AlertGroupTriggered(
        organization_id=group.organization_id,
        actor=Actor.system(),
        alert_group_id=group.pk,
        service_id=group.service_id,
        integration_id=group.integration_id,
        title=group.title,
        alert_severity=group.severity,
        incident_id=group.incident_id,
        labels=tuple(sorted((str(key), _label_text(value)) for key, value in labels.items())),
    )


def _is_deadlock(error: OperationalError) -> bool:
    """A conflict the database resolved by failing this transaction, so that trying again can succeed: a
    PostgreSQL deadlock or serialization failure, or SQLite's "database (table) is locked" (another connection
    held the lock longer than the busy timeout, or, in a shared-cache database, at all)."""
    cause = error.__cause__
    if getattr(cause, "sqlstate", None) in ("40P01", "40001"):
        return True
    return isinstance(cause, sqlite3.OperationalError) and "locked" in str(cause)


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
            time.sleep(DEADLOCK_BACKOFF_SECONDS * 2**attempt)  # let the other transaction finish
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
            events.publish(_triggered(group))
        else:
            paging.alert_group_paging_stop(group=group)
    changed = {group.pk: group for group in [*(group for _, group in hooks), *raised]}
    groups_changed(list(changed.values()), actor=Actor.system())
    # The others only counted one more alert: one event per org carries their new count and times.
    counted = list({group.pk: group for group, _, _ in alerts if group.pk not in changed}.values())
    for organization_id, groups in by_org(counted).items():
        cells = tuple(CountedGroup(organization_id, g.uuid, g.alert_count, g.last_seen, g.first_seen) for g in groups)
        events.publish(AlertsCounted(organization_id=organization_id, groups=cells))
    return results


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

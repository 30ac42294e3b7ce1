"""Writes of the alerting app, one module per concern, re-exported here (STYLE.md §1): `integrations` (inbound
endpoints and their keys), `ingest` (storing inbound events into deduplicated groups, and retention), `triage`
(acknowledge, resolve, silence, merge), `incidents` (attach a group to an incident, follow a merged incident,
declare one from a group) and `groups` (what they share: the "rows changed" event, lock and audit of a group).

Callers import the package: `from alerting import actions`, then `actions.alert_ingest(...)`."""

from alerting.actions.groups import by_org, group_audit, groups_changed, lock_group
from alerting.actions.incidents import (
    ALERT_TO_INCIDENT_SEVERITY,
    alert_group_attach,
    alert_group_escalate,
    alert_groups_follow_merge,
    incident_severity_for,
)
from alerting.actions.ingest import (
    DEADLOCK_RETRIES,
    LAST_EVENT_RESOLUTION,
    OPEN_ROUNDS,
    IngestResult,
    alert_ingest,
    alert_ingest_batch,
    alerts_prune,
)
from alerting.actions.integrations import (
    INTEGRATION_FIELDS,
    WEBHOOK_PATH_FIELDS,
    _key_hash,  # how a key is stored: the integration factory makes keys the same way
    _new_key,
    integration_authenticate,
    integration_create,
    integration_delete,
    integration_key_regenerate,
    integration_update,
)
from alerting.actions.triage import (
    alert_group_acknowledge,
    alert_group_merge,
    alert_group_resolve,
    alert_group_silence,
)

__all__ = [
    "ALERT_TO_INCIDENT_SEVERITY",
    "DEADLOCK_RETRIES",
    "INTEGRATION_FIELDS",
    "LAST_EVENT_RESOLUTION",
    "OPEN_ROUNDS",
    "WEBHOOK_PATH_FIELDS",
    "IngestResult",
    "_key_hash",
    "_new_key",
    "alert_group_acknowledge",
    "alert_group_attach",
    "alert_group_escalate",
    "alert_group_merge",
    "alert_group_resolve",
    "alert_group_silence",
    "alert_groups_follow_merge",
    "alert_ingest",
    "alert_ingest_batch",
    "alerts_prune",
    "by_org",
    "group_audit",
    "groups_changed",
    "incident_severity_for",
    "integration_authenticate",
    "integration_create",
    "integration_delete",
    "integration_key_regenerate",
    "integration_update",
    "lock_group",
]

"""Writes of the incidents app, one module per topic, re-exported here (STYLE.md §1): `declare`, `lifecycle`
(status, fields, milestones, status updates), `roles` (roles and tasks), `timeline` (entries, notes, pins),
`configuration` (an org's severities, roles and incident types, and the defaults of a new org); `common` holds
their shared checks.

Every change writes a TimelineEvent (and an AuditEvent) in the same transaction and publishes a domain event
(incidents/events.py): the live pushes, service health, retrospectives and the alert groups of a merged incident
follow it by subscription. Callers import the package: `from incidents import actions`.
"""

from incidents.actions.configuration import (
    INCIDENT_TYPE_FIELDS,
    ROLE_FIELDS,
    SEVERITY_FIELDS,
    SLUG_MAX_LENGTH,
    incident_role_create,
    incident_role_delete,
    incident_role_update,
    incident_type_create,
    incident_type_delete,
    incident_type_update,
    organization_defaults_ensure,
    severity_create,
    severity_delete,
    severity_update,
)
from incidents.actions.declare import incident_declare
from incidents.actions.lifecycle import (
    incident_milestones_update,
    incident_transition,
    incident_update,
    status_update_post,
)
from incidents.actions.roles import role_assign, role_release, task_add, task_assign, task_complete
from incidents.actions.timeline import incident_alerts_attached, note_add, timeline_event_add, timeline_event_pin

__all__ = [
    "INCIDENT_TYPE_FIELDS",
    "ROLE_FIELDS",
    "SEVERITY_FIELDS",
    "SLUG_MAX_LENGTH",
    "incident_alerts_attached",
    "incident_declare",
    "incident_milestones_update",
    "incident_role_create",
    "incident_role_delete",
    "incident_role_update",
    "incident_transition",
    "incident_type_create",
    "incident_type_delete",
    "incident_type_update",
    "incident_update",
    "note_add",
    "organization_defaults_ensure",
    "role_assign",
    "role_release",
    "severity_create",
    "severity_delete",
    "severity_update",
    "status_update_post",
    "task_add",
    "task_assign",
    "task_complete",
    "timeline_event_add",
    "timeline_event_pin",
]

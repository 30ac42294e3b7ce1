"""Triggers: the domain events that start workflow runs.

Each trigger follows one event, subscribed by name (core.events) and handled inside the publisher's transaction:
the org's enabled workflows of that trigger are read in ONE query; the event's context (workflows.conditions) is
built lazily, so a query runs only when a condition needs its facts; each matching workflow gets a run and its
steps (runs_start, bulk, "insert or do nothing" on (workflow, event_key): a repeated event starts nothing), and
the first due steps are enqueued once the change commits. A drill incident starts only workflows that opt in.

| trigger | event | subject | event_key |
| incident.declared | incident.declared | incident | incident:<id>:declared |
| incident.status_changed | incident.status_changed | incident | incident:<id>:status:<entry> |
| incident.severity_changed | incident.severity_changed | incident | incident:<id>:severity:<entry> |
| incident.role_assigned | incident.role_assigned | incident | incident:<id>:role:<assignment> |
| status_update.posted | status_update.posted | incident | incident:<id>:update:<update> |
| alert_group.triggered | alert_group.triggered | alert_group | alert_group:<id>:triggered |
| alert_group.unanswered | escalation.unanswered (of an alert group) | alert_group | alert_group:<id>:unanswered:<esc> |
| follow_up.overdue | follow_up.overdue | follow_up | follow_up:<id>:overdue:<due> |
| retrospective.published | retrospective.published | incident | retrospective:<id>:published:<n> |
| drill.started | drill.started | drill_run | drill_run:<id>:started |
| schedule.handoff | schedule.handoff | schedule | schedule:<id>:handoff:<at> |
"""

from __future__ import annotations

import contextvars
import dataclasses
import importlib
import importlib.util
import logging
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Any

from django.utils import timezone

from core import events
from workflows.conditions import Context, matches

logger = logging.getLogger(__name__)

# event name -> trigger
EVENT_TRIGGERS = {
    "incident.declared": "incident.declared",
    "incident.status_changed": "incident.status_changed",
    "incident.severity_changed": "incident.severity_changed",
    "incident.role_assigned": "incident.role_assigned",
    "status_update.posted": "status_update.posted",
    "alert_group.triggered": "alert_group.triggered",
    "escalation.unanswered": "alert_group.unanswered",
    "follow_up.overdue": "follow_up.overdue",
    "retrospective.published": "retrospective.published",
    "drill.started": "drill.started",
    "schedule.handoff": "schedule.handoff",
}

# A workflow's step may cause another trigger (a severity change, a status change): the runs it starts remember
# the chain of workflows that led to them, and a workflow never starts again inside its own chain, nor past
# MAX_CHAIN workflows deep, so two workflows can never keep triggering each other.
MAX_CHAIN = 5
running_chain: contextvars.ContextVar[tuple[int, ...]] = contextvars.ContextVar("workflow_chain", default=())


@dataclasses.dataclass
class Subject:
    """What a trigger's event is about: the run's subject, its event_key and its incident, and the context."""

    kind: str
    id: int
    event_key: str
    context: Context
    incident_id: int | None = None


# --- context ----------------------------------------------------------------------------------------------------


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def event_fields(event: Any) -> dict[str, Any]:
    """The event's own fields (not the organization or actor), as JSON, plus its name and who did it."""
    fields: dict[str, Any] = {"name": getattr(event, "name", "")}
    if dataclasses.is_dataclass(event):
        for f in dataclasses.fields(event):
            if f.name not in ("organization_id", "actor"):
                fields[f.name] = jsonable(getattr(event, f.name))
    actor = getattr(event, "actor", None)
    if actor is not None:
        fields["actor"] = actor.label
    return fields


def _severity_ranks(organization_id: int) -> Callable[[], dict]:
    def load() -> dict:
        from incidents.models import Severity

        return {
            "severity_ranks": dict(Severity.objects.filter(organization_id=organization_id).values_list("name", "rank"))
        }

    return load


def _incident_loader(incident_id: int | None) -> Callable[[], dict]:
    def load() -> dict:
        from incidents.models import Incident

        row = (
            Incident.objects.filter(pk=incident_id)
            .values(
                "number",
                "title",
                "status",
                "is_drill",
                "severity__name",
                "severity__rank",
                "severity__is_major",
                "incident_type__slug",
            )
            .first()
            if incident_id
            else None
        )
        if row is None:
            return {"incident": None, "is_drill": False}
        return {
            "incident": {
                "id": incident_id,
                "number": row["number"],
                "reference": f"INC-{row['number']}",
                "title": row["title"],
            },
            "severity": row["severity__name"],
            "severity_rank": row["severity__rank"],
            "severity_major": row["severity__is_major"],
            "status": row["status"],
            "incident_type": row["incident_type__slug"],
            "is_drill": row["is_drill"],
        }

    return load


def _incident_services_loader(incident_id: int | None) -> Callable[[], dict]:
    """The affected services, their owner teams and their labels ("key=value"): one query (labels left-joined)."""

    def load() -> dict:
        from incidents.models import IncidentService

        rows = (
            list(
                IncidentService.objects.filter(incident_id=incident_id).values_list(
                    "service__slug", "service__owner_team__slug", "service__labels__key", "service__labels__value"
                )
            )
            if incident_id
            else []
        )
        return {
            "services": sorted({slug for slug, _, _, _ in rows}),
            "owner_team": sorted({team for _, team, _, _ in rows if team}),
            "labels": sorted({f"{key}={value}" for _, _, key, value in rows if key is not None}),
        }

    return load


def incident_context(
    organization_id: int, incident_id: int | None, values: dict | None = None, *, services: bool = True
) -> Context:
    """The context of an incident: its severity, status, type, drill flag (one query), its services with their
    owner teams and labels (one query), the org's severity ranks (one query), each when needed.
    Without `services`, the caller fills those keys (an alert group's own service)."""
    context = Context(
        values,
        loaders=[
            (
                (
                    "incident",
                    "severity",
                    "severity_rank",
                    "severity_major",
                    "status",
                    "incident_type",
                    "is_drill",
                ),
                _incident_loader(incident_id),
            ),
            (("severity_ranks",), _severity_ranks(organization_id)),
        ],
    )
    if services:
        context.add_loader(("services", "owner_team", "labels"), _incident_services_loader(incident_id))
    return context


def _base(event: Any, subject: dict) -> dict:
    return {"at": timezone.now(), "event": event_fields(event), "subject": subject}


# --- subjects, per trigger ---------------------------------------------------------------------------------------


def _incident_subject(event: Any, key: str) -> Subject:
    incident_id = event.incident_id
    values = _base(event, {"kind": "incident", "id": incident_id})
    if hasattr(event, "is_drill"):
        values["is_drill"] = event.is_drill
    return Subject(
        "incident", incident_id, key, incident_context(event.organization_id, incident_id, values), incident_id
    )


def _incident_declared(event: Any) -> Subject:
    return _incident_subject(event, f"incident:{event.incident_id}:declared")


def _incident_status_changed(event: Any) -> Subject:
    occurrence = event.timeline_event_id or f"{event.before}-{event.after}"
    subject = _incident_subject(event, f"incident:{event.incident_id}:status:{occurrence}")
    subject.context.values["status"] = event.after
    return subject


def _incident_severity_changed(event: Any) -> Subject:
    occurrence = event.timeline_event_id or f"{event.before}-{event.after}"
    return _incident_subject(event, f"incident:{event.incident_id}:severity:{occurrence}")


def _incident_role_assigned(event: Any) -> Subject:
    occurrence = event.assignment_id or f"{event.role_id}-{event.user_id}"
    return _incident_subject(event, f"incident:{event.incident_id}:role:{occurrence}")


def _status_update_posted(event: Any) -> Subject:
    return _incident_subject(event, f"incident:{event.incident_id}:update:{event.status_update_id}")


def _alert_group_context(event: Any, group_id: int) -> tuple[Context, int | None]:
    """An alert group's context: what the event carries, the rest (its service's slug, owner team and labels,
    its incident) read when a condition needs it."""
    from alerting.models import AlertGroup
    from services.models import ServiceLabel

    incident_id = getattr(event, "incident_id", None)
    values = _base(event, {"kind": "alert_group", "id": group_id})
    if getattr(event, "alert_severity", None):
        values["alert_severity"] = event.alert_severity
    state: dict[str, Any] = {}

    def group() -> dict:
        row = (
            AlertGroup.objects.filter(pk=group_id)
            .values("title", "severity", "service_id", "service__slug", "service__owner_team__slug", "incident_id")
            .first()
        ) or {}
        state["service_id"] = row.get("service_id")
        return {
            "alert_group": {"id": group_id, "title": row.get("title", "")},
            "alert_severity": row.get("severity"),
            "services": [row["service__slug"]] if row.get("service__slug") else [],
            "owner_team": [row["service__owner_team__slug"]] if row.get("service__owner_team__slug") else [],
        }

    def labels() -> dict:
        if "service_id" not in state:
            context.get("services")
        service_id = state.get("service_id")
        rows = ServiceLabel.objects.filter(service_id=service_id).values_list("key", "value") if service_id else []
        return {"labels": sorted({f"{key}={value}" for key, value in rows})}

    if not hasattr(event, "incident_id"):  # escalation.unanswered names only the group
        incident_id = AlertGroup.objects.filter(pk=group_id).values_list("incident_id", flat=True).first()
    context = incident_context(event.organization_id, incident_id, values, services=False)
    context.add_loader(("alert_group", "alert_severity", "services", "owner_team"), group)
    context.add_loader(("labels",), labels)
    return context, incident_id


def _group_id(event: Any) -> int:
    for name in ("alert_group_id", "group_id", "subject_id"):
        value = getattr(event, name, None)
        if value is not None:
            return int(value)
    raise AttributeError(f"{event.name} names no alert group")


def _alert_group_triggered(event: Any) -> Subject:
    group_id = _group_id(event)
    context, incident_id = _alert_group_context(event, group_id)
    return Subject("alert_group", group_id, f"alert_group:{group_id}:triggered", context, incident_id)


def _alert_group_unanswered(event: Any) -> Subject | None:
    if getattr(event, "subject_kind", "") != "alert_group":
        return None
    group_id = int(event.subject_id)
    context, incident_id = _alert_group_context(event, group_id)
    key = f"alert_group:{group_id}:unanswered:{event.escalation_id}"
    return Subject("alert_group", group_id, key, context, incident_id)


def _follow_up_overdue(event: Any) -> Subject:
    from ticketing.models import FollowUp

    follow_up_id = int(event.follow_up_id)
    row = (
        FollowUp.objects.filter(pk=follow_up_id)
        .values("number", "title", "priority", "due_date", "incident_id")
        .first()
        or {}
    )
    due = getattr(event, "due_date", None) or row.get("due_date")
    incident_id = getattr(event, "incident_id", None) or row.get("incident_id")
    values = _base(event, {"kind": "follow_up", "id": follow_up_id})
    values |= {
        "follow_up": {
            "id": follow_up_id,
            "reference": f"FU-{row['number']}" if row.get("number") else "",
            "title": row.get("title", ""),
            "due_date": jsonable(due),
        },
        "priority": getattr(event, "priority", None) or row.get("priority"),
    }
    context = incident_context(event.organization_id, incident_id, values)
    key = f"follow_up:{follow_up_id}:overdue:{jsonable(due)}"
    return Subject("follow_up", follow_up_id, key, context, incident_id)


def _retrospective_published(event: Any) -> Subject:
    retrospective_id = int(event.retrospective_id)
    incident_id = getattr(event, "incident_id", None)
    if incident_id is None:
        from retros.models import Retrospective

        incident_id = Retrospective.objects.filter(pk=retrospective_id).values_list("incident_id", flat=True).first()
    occurrence = getattr(event, "published_count", None) or jsonable(
        getattr(event, "published_at", None) or getattr(event, "occurred_at", None) or timezone.now()
    )
    values = _base(event, {"kind": "incident", "id": incident_id})
    context = incident_context(event.organization_id, incident_id, values)
    key = f"retrospective:{retrospective_id}:published:{occurrence}"
    return Subject("incident", incident_id, key, context, incident_id)


def _drill_started(event: Any) -> Subject:
    drill_run_id = int(event.drill_run_id)
    incident_id = getattr(event, "incident_id", None)
    values = _base(event, {"kind": "drill_run", "id": drill_run_id})
    values |= {"drill": {"id": drill_run_id, "scenario": jsonable(getattr(event, "scenario", ""))}, "is_drill": True}
    context = incident_context(event.organization_id, incident_id, values)
    return Subject("drill_run", drill_run_id, f"drill_run:{drill_run_id}:started", context, incident_id)


def _schedule_handoff(event: Any) -> Subject:
    from oncall.models import Schedule

    schedule_id = int(event.schedule_id)
    if getattr(event, "schedule_slug", None):
        row = {"slug": event.schedule_slug, "name": getattr(event, "schedule_name", "")}
    else:
        row = Schedule.objects.filter(pk=schedule_id).values("slug", "name").first() or {}
    at = getattr(event, "at", None) or getattr(event, "occurred_at", None) or timezone.now()
    values = _base(event, {"kind": "schedule", "id": schedule_id})
    values |= {
        "schedule": row.get("slug"),
        "schedule_name": row.get("name", ""),
        "is_drill": False,
        "incident": None,
    }
    return Subject("schedule", schedule_id, f"schedule:{schedule_id}:handoff:{jsonable(at)}", Context(values), None)


SUBJECTS: dict[str, Callable[[Any], Subject | None]] = {
    "incident.declared": _incident_declared,
    "incident.status_changed": _incident_status_changed,
    "incident.severity_changed": _incident_severity_changed,
    "incident.role_assigned": _incident_role_assigned,
    "status_update.posted": _status_update_posted,
    "alert_group.triggered": _alert_group_triggered,
    "alert_group.unanswered": _alert_group_unanswered,
    "follow_up.overdue": _follow_up_overdue,
    "retrospective.published": _retrospective_published,
    "drill.started": _drill_started,
    "schedule.handoff": _schedule_handoff,
}


# --- the handler ---------------------------------------------------------------------------------------------------


def runs_start_for_event(event: Any) -> None:
    """In the publisher's transaction: start a run of each enabled workflow of the event's trigger whose
    conditions hold (drill incidents: only workflows that run in drills)."""
    from workflows.actions import runs
    from workflows.models import Workflow

    trigger = EVENT_TRIGGERS.get(event.name)
    if trigger is None:
        return
    if event.name == "escalation.unanswered" and getattr(event, "subject_kind", "") != "alert_group":
        return
    chain = running_chain.get()
    if len(chain) >= MAX_CHAIN:
        return
    # Plain rows, not models, and not the actions: only the workflows that match are loaded whole (one more
    # query, below), so an org's many workflows cost one light query per event.
    rows = [
        row
        for row in Workflow.objects.filter(
            organization_id=event.organization_id, trigger=trigger, is_enabled=True
        ).values_list("id", "conditions", "condition_mode", "run_in_drills")
        if row[0] not in chain
    ]
    if not rows:
        return
    subject = SUBJECTS[trigger](event)
    if subject is None:
        return
    context = subject.context
    if trigger != "drill.started" and not all(row[3] for row in rows) and context.get("is_drill"):
        rows = [row for row in rows if row[3]]
    chosen_ids = [pk for pk, conditions, mode, _drills in rows if matches(conditions or [], mode, context)]
    if chosen_ids:
        chosen = list(Workflow.objects.filter(pk__in=chosen_ids).order_by("name", "pk"))
        runs.runs_start(
            organization_id=event.organization_id,
            workflows=chosen,
            trigger=trigger,
            subject=subject,
            chain=chain,
        )


def runs_cancel_for_halted_drill(event: Any) -> None:
    """drill.halted (in its transaction): the halted drill's incidents run no more delayed steps."""
    from workflows.actions import runs

    reason = "The drill was halted" + (f": {event.reason}" if getattr(event, "reason", "") else "")
    for incident_id in getattr(event, "incident_ids", ()) or ():
        runs.runs_cancel(incident_id=incident_id, reason=reason[:300])


def _import_event_modules() -> None:
    """Define every app's events before subscribing: a trigger follows only events that exist (a subscription to
    an undefined name is refused by tests/test_architecture_events.py). Events are followed by name, so this
    app never imports the apps (or the later apps, like drills) that publish them."""
    from django.apps import apps

    for config in apps.get_app_configs():
        name = f"{config.name}.events"
        if config.name != "workflows" and importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def register() -> None:
    """Subscribe the trigger handler to each trigger's event that is defined, and the seeding of a new org's
    declaration process to organization.created (called from workflows.subscribers.register)."""
    from workflows.actions.seed import organization_seed

    _import_event_modules()
    events.subscribe("organization.created", organization_seed, when="in_transaction")
    defined = events.event_types()
    for event_name in EVENT_TRIGGERS:
        if event_name in defined:
            events.subscribe(event_name, runs_start_for_event, when="in_transaction")
    if "drill.halted" in defined:
        events.subscribe("drill.halted", runs_cancel_for_halted_drill, when="in_transaction")

"""A workflow's conditions: which fields exist for which trigger, their operators, and how they are evaluated.

A condition is ``{"field": f, "operator": op, "value": v}``; a workflow's ``condition_mode`` says whether all or
any must hold (no conditions: always). They are evaluated against the *context* of the triggering event
(workflows.triggers builds it): a mapping whose values are loaded lazily, a group of keys per query, so a
trigger whose workflows only look at the severity reads nothing else.

`catalog(organization)` lists the fields, their operators and the values that exist in the org (the editor's
choices and the API's 400s); `evaluate(conditions, mode, context)` says whether they hold, and each one's result.
Validation of stored conditions (values that must exist in the org) is in workflows.validation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

# --- operators ----------------------------------------------------------------------------------------------

OPERATOR_LABELS = {
    "is": "is",
    "is_not": "is not",
    "in": "is one of",
    "not_in": "is none of",
    "at_least": "is at least",
    "at_most": "is at most",
    "is_set": "is set",
    "is_not_set": "is not set",
    "includes_any": "includes any of",
    "includes_all": "includes all of",
    "excludes": "includes none of",
    "between": "is between",
    "not_between": "is not between",
}
SCALAR_OPERATORS = frozenset({"is", "is_not", "at_least", "at_most"})
LIST_OPERATORS = frozenset({"in", "not_in", "includes_any", "includes_all", "excludes"})
NO_VALUE_OPERATORS = frozenset({"is_set", "is_not_set"})
WINDOW_OPERATORS = frozenset({"between", "not_between"})


@dataclass(frozen=True)
class Field:
    """A field a condition can test: its label, operators, and the kind of value (which says where the values
    that exist in the org come from: `catalog`, workflows.validation)."""

    name: str
    label: str
    operators: tuple[str, ...]
    kind: str  # severity | bool | status | incident_type | service | team | label | time_window | alert_severity |
    # priority | schedule


FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field("severity", "Severity", ("is", "is_not", "in", "not_in", "at_least", "at_most"), "severity"),
        Field("severity_major", "Severity is major", ("is",), "bool"),
        Field("status", "Status", ("is", "is_not", "in", "not_in"), "status"),
        Field(
            "incident_type", "Incident type", ("is", "is_not", "in", "not_in", "is_set", "is_not_set"), "incident_type"
        ),
        Field("services", "Affected services", ("includes_any", "includes_all", "excludes"), "service"),
        Field("owner_team", "Owner team of an affected service", ("includes_any", "excludes"), "team"),
        Field("labels", "Labels of the affected services", ("includes_any", "excludes"), "label"),
        Field("is_drill", "Is a drill", ("is",), "bool"),
        Field("time_of_day", "Time of day", ("between", "not_between"), "time_window"),
        Field("alert_severity", "Alert severity", ("is", "is_not", "in", "not_in"), "alert_severity"),
        Field("priority", "Follow-up priority", ("is", "is_not", "in", "not_in", "at_least", "at_most"), "priority"),
        Field("schedule", "Schedule", ("is", "is_not", "in", "not_in"), "schedule"),
    )
}

INCIDENT_FIELDS = (
    "severity",
    "severity_major",
    "status",
    "incident_type",
    "services",
    "owner_team",
    "labels",
    "is_drill",
    "time_of_day",
)
ALERT_GROUP_FIELDS = ("alert_severity", "services", "owner_team", "labels", "is_drill", "time_of_day")

# Which fields a workflow of each trigger can test (the subject's, and its incident's where it has one).
TRIGGER_FIELDS: dict[str, tuple[str, ...]] = {
    "incident.declared": INCIDENT_FIELDS,
    "incident.status_changed": INCIDENT_FIELDS,
    "incident.severity_changed": INCIDENT_FIELDS,
    "incident.role_assigned": INCIDENT_FIELDS,
    "status_update.posted": INCIDENT_FIELDS,
    "retrospective.published": INCIDENT_FIELDS,
    "drill.started": INCIDENT_FIELDS,
    "alert_group.triggered": ALERT_GROUP_FIELDS,
    "alert_group.unanswered": ALERT_GROUP_FIELDS,
    "follow_up.overdue": ("priority", *INCIDENT_FIELDS),
    "schedule.handoff": ("schedule", "time_of_day"),
}

PRIORITY_RANK = {"urgent": 1, "high": 2, "medium": 3, "low": 4}


# --- the context ------------------------------------------------------------------------------------------------


class Context:
    """The triggering event's facts, loaded lazily: `values` are known up front; each loader fills a group of
    keys (one query) the first time one of them is read. `materialize()` loads everything (what a run records)."""

    def __init__(
        self, values: dict[str, Any] | None = None, loaders: Iterable[tuple[tuple[str, ...], Callable[[], dict]]] = ()
    ) -> None:
        self.values: dict[str, Any] = dict(values or {})
        self._loaders: dict[str, Callable[[], dict]] = {}
        self._pending: list[tuple[tuple[str, ...], Callable[[], dict]]] = []
        for keys, loader in loaders:
            self.add_loader(keys, loader)

    def add_loader(self, keys: tuple[str, ...], loader: Callable[[], dict]) -> None:
        entry = (keys, loader)
        self._pending.append(entry)
        for key in keys:
            if key not in self.values:
                self._loaders[key] = loader

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self.values and key in self._loaders:
            self._load(self._loaders[key])
        return self.values.get(key, default)

    def __getitem__(self, key: str) -> Any:
        return self.get(key)

    def _load(self, loader: Callable[[], dict]) -> None:
        loaded = loader()
        for key, value in loaded.items():
            self.values.setdefault(key, value)
        for key in [k for k, fn in self._loaders.items() if fn is loader]:
            del self._loaders[key]
        self._pending = [entry for entry in self._pending if entry[1] is not loader]

    def materialize(self) -> dict[str, Any]:
        for _keys, loader in list(self._pending):
            self._load(loader)
        return self.values


# --- evaluation -----------------------------------------------------------------------------------------------


def _as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    return [value]


def _parse_time(text: str) -> time:
    hours, minutes = str(text).split(":")
    return time(int(hours), int(minutes))


def window_holds(window: dict, at: datetime) -> bool:
    """Whether `at` falls in the window {"start": "HH:MM", "end": "HH:MM", "timezone": zone, "days": [0..6]}
    (Monday=0; optional). A window whose end is not after its start crosses midnight (22:00 to 06:00), and its
    days are the days it *starts* on: 02:00 on a Saturday is in Friday's night window. start == end is all day."""
    local = at.astimezone(ZoneInfo(window.get("timezone") or "UTC"))
    start, end, now = _parse_time(window["start"]), _parse_time(window["end"]), local.time().replace(tzinfo=None)
    day = local.weekday()
    if start < end:
        inside = start <= now < end
    elif start == end or now >= start:
        inside = True
    else:
        inside = now < end
        day = (day - 1) % 7  # the early hours belong to the window that began the evening before
    days = window.get("days")
    if inside and days:
        inside = day in {int(d) for d in days}
    return inside


def _rank(context: Context, field: str, name: Any) -> int | None:
    if field == "priority":
        return PRIORITY_RANK.get(name)
    ranks = context.get("severity_ranks") or {}
    return ranks.get(name)


def condition_holds(condition: dict, context: Context) -> bool:
    """Whether one condition holds in the context. A value the subject does not have (no incident, no
    incident type) makes "is", "in", "includes", "at least/at most" false and their negations true."""
    field, operator, value = condition.get("field"), condition.get("operator"), condition.get("value")
    if field == "time_of_day":
        at = context.get("at")
        if isinstance(at, str):
            at = datetime.fromisoformat(at)
        inside = window_holds(value or {}, at)
        return inside if operator == "between" else not inside
    actual = context.get(field)
    if operator == "is":
        return actual is not None and actual == value
    if operator == "is_not":
        return actual is None or actual != value
    if operator == "in":
        return actual is not None and actual in _as_list(value)
    if operator == "not_in":
        return actual is None or actual not in _as_list(value)
    if operator == "is_set":
        return actual not in (None, "", [])
    if operator == "is_not_set":
        return actual in (None, "", [])
    if operator in ("at_least", "at_most"):
        # Ranks: 1 is the worst (SEV1, urgent). "At least SEV2" is SEV2 or worse: a rank at most SEV2's.
        mine, theirs = _rank(context, field, actual), _rank(context, field, value)
        if mine is None or theirs is None:
            return False
        return mine <= theirs if operator == "at_least" else mine >= theirs
    have = set(_as_list(actual))
    wanted = set(_as_list(value))
    if operator == "includes_any":
        return bool(have & wanted)
    if operator == "includes_all":
        return bool(wanted) and wanted <= have
    if operator == "excludes":
        return not (have & wanted)
    return False


def evaluate(conditions: Iterable[dict], mode: str, context: Context) -> tuple[bool, list[dict]]:
    """Whether the conditions hold (`mode` "all" or "any"; none at all: they hold), and each one with `held`."""
    results = [
        {
            "field": c.get("field"),
            "operator": c.get("operator"),
            "value": c.get("value"),
            "held": condition_holds(c, context),
        }
        for c in conditions
    ]
    if not results:
        return True, results
    held = [r["held"] for r in results]
    return (any(held) if mode == "any" else all(held)), results


def matches(conditions: list[dict], mode: str, context: Context) -> bool:
    """`evaluate`'s answer only, stopping at the first condition that decides it (what a trigger needs)."""
    if not conditions:
        return True
    if mode == "any":
        return any(condition_holds(c, context) for c in conditions)
    return all(condition_holds(c, context) for c in conditions)


# --- catalog ---------------------------------------------------------------------------------------------------


def org_values(organization: Any) -> dict[str, list]:
    """The values each kind of field can take in the organization (a query per kind)."""
    from alerting.models import AlertSeverity
    from incidents.models import IncidentStatus, IncidentType, Severity
    from oncall.models import Schedule
    from orgs.models import Team
    from services.models import Service, ServiceLabel

    labels = ServiceLabel.objects.for_org(organization).values_list("key", "value").distinct()
    return {
        "severity": list(Severity.objects.for_org(organization).order_by("rank").values_list("name", flat=True)),
        "bool": [True, False],
        "status": list(IncidentStatus.values),
        "incident_type": list(
            IncidentType.objects.for_org(organization).order_by("position", "name").values_list("slug", flat=True)
        ),
        "service": list(Service.objects.for_org(organization).order_by("slug").values_list("slug", flat=True)),
        "team": list(Team.objects.for_org(organization).order_by("slug").values_list("slug", flat=True)),
        "label": sorted({f"{key}={value}" for key, value in labels}),
        "alert_severity": list(AlertSeverity.values),
        "priority": list(PRIORITY_RANK),
        "schedule": list(Schedule.objects.for_org(organization).order_by("slug").values_list("slug", flat=True)),
        "time_window": [],
    }


def catalog(organization: Any) -> dict[str, Any]:
    """The fields (with their operators and the values that exist in the org), operators' labels, and which
    fields each trigger offers: what the editor shows and checks as you type."""
    values = org_values(organization)
    return {
        "fields": [
            {
                "name": f.name,
                "label": f.label,
                "kind": f.kind,
                "operators": [{"name": op, "label": OPERATOR_LABELS[op]} for op in f.operators],
                "values": values[f.kind],
            }
            for f in FIELDS.values()
        ],
        "operators": dict(OPERATOR_LABELS),
        "triggers": {trigger: list(fields) for trigger, fields in TRIGGER_FIELDS.items()},
    }

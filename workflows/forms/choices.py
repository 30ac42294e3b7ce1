"""The editor's choices: the values each kind of input offers in an org, composite values, and the condition
fields (FieldSpec) made from workflows.conditions.catalog."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from incidents import selectors as incident_selectors
from incidents.models import IncidentStatus
from oncall.selectors import policies as oncall_selectors
from orgs import selectors as org_selectors
from orgs.models import Organization
from statuspage.models import Component, StatusPage
from statuspage.stakeholders import selectors as stakeholder_selectors
from workflows import conditions
from workflows.models import WebhookEndpoint

MAX_CONDITIONS = 20
MAX_ACTIONS = 20
MAX_DELAY_MINUTES = 7 * 24 * 60  # a week
VALUE_MAX_CHARS = 200
MULTI_OPERATORS = conditions.LIST_OPERATORS
NO_VALUE_OPERATORS = conditions.NO_VALUE_OPERATORS
WINDOW_OPERATORS = conditions.WINDOW_OPERATORS
WEEKDAYS = (("0", "Mon"), ("1", "Tue"), ("2", "Wed"), ("3", "Thu"), ("4", "Fri"), ("5", "Sat"), ("6", "Sun"))
ERROR_KEY = re.compile(r"^(conditions|actions)\[(\d+)\](?:\.(.+))?$")
LIST_KINDS = frozenset({"audiences", "component"})  # params that take a list of the kind's values


def _severities(org: Organization) -> list[tuple[str, str]]:
    return [(s.name, s.name) for s in incident_selectors.severity_list(organization=org)]


def _roles(org: Organization) -> list[tuple[str, str]]:
    return [(r.slug, r.name) for r in incident_selectors.role_list(organization=org)]


def _users(org: Organization) -> list[tuple[str, str]]:
    return [(str(u.uuid), u.display_name) for u in org_selectors.member_choices(organization=org)]


def _schedules(org: Organization) -> list[tuple[str, str]]:
    return [(s.slug, s.name) for s in oncall_selectors.schedule_choices(organization=org)]


def _policies(org: Organization) -> list[tuple[str, str]]:
    return [(p.slug, p.name) for p in oncall_selectors.policy_choices(organization=org)]


def _teams(org: Organization) -> list[tuple[str, str]]:
    return [(t.slug, t.name) for t in oncall_selectors.team_choices(organization=org)]


def _audiences(org: Organization) -> list[tuple[str, str]]:
    return [(str(a.uuid), a.name) for a in stakeholder_selectors.audience_list(organization=org)]


def _templates(org: Organization) -> list[tuple[str, str]]:
    return [(str(t.uuid), t.name) for t in stakeholder_selectors.template_list(organization=org)]


def _status_pages(org: Organization) -> list[tuple[str, str]]:
    pages = StatusPage.objects.for_org(org).order_by("-is_default", "title")
    return [("default", "The default status page"), *((str(p.uuid), p.title) for p in pages)]


def _components(org: Organization) -> list[tuple[str, str]]:
    components = Component.objects.for_org(org).select_related("page").order_by("page__title", "position", "name")
    return [(str(c.uuid), f"{c.page.title}: {c.name}") for c in components]


def _endpoints(org: Organization) -> list[tuple[str, str]]:
    endpoints = WebhookEndpoint.objects.for_org(org).order_by("created_at", "id")
    return [(str(e.uuid), e.description or e.url) for e in endpoints]


def _statuses(org: Organization) -> list[tuple[str, str]]:
    return list(IncidentStatus.choices)


CHOICES: dict[str, Callable[[Organization], list[tuple[str, str]]]] = {
    "role": _roles,
    "user": _users,
    "schedule": _schedules,
    "policy": _policies,
    "team": _teams,
    "severity": _severities,
    "status": _statuses,
    "audience": _audiences,
    "audiences": _audiences,
    "component": _components,
    "endpoint": _endpoints,
    "status_page": _status_pages,
    "stakeholder_template": _templates,
}


# A composite param (who to page, who is assigned) is one select whose options encode the dict: "<kind>:<id>".
def _composite(org: Organization, kinds: tuple[tuple[str, str, str], ...], extra: tuple = ()) -> list[tuple]:
    """Grouped options: (group label, [(value, label)]) for each (kind, group label, choices kind)."""
    groups: list[tuple] = list(extra)
    for kind, label, source in kinds:
        options = [(f"{kind}:{value}", text) for value, text in CHOICES[source](org)]
        if options:
            groups.append((label, options))
    return groups


COMPOSITES: dict[str, Callable[[Organization], list[tuple]]] = {
    # assign_role's `to`
    "role_target": lambda org: _composite(
        org,
        (("schedule", "A schedule's on-call", "schedule"), ("user", "A person", "user")),
        (("", [("service_oncall", "The on-call of the incident's first service")]),),
    ),
    # page's `target`
    "page_target": lambda org: _composite(
        org,
        (
            ("role", "Whoever holds the role", "role"),
            ("schedule", "A schedule's on-call", "schedule"),
            ("policy", "An escalation policy", "policy"),
            ("team", "A team", "team"),
            ("user", "A person", "user"),
        ),
    ),
    # add_tasks' / create_follow_up's `assignee`
    "assignee": lambda org: _composite(
        org,
        (("role", "Whoever holds the role", "role"), ("user", "A person", "user")),
        (("", [("none", "Nobody")]),),
    ),
}


def composite_encode(value: Any) -> str:
    """A composite param as its option value: {"kind": "schedule", "schedule": "primary"} → "schedule:primary"
    (none: "none", the option "Nobody" where a param offers it)."""
    if not isinstance(value, dict):
        return "none" if value in (None, "") else str(value)
    kind = str(value.get("kind", ""))
    inner = value.get(kind)
    return f"{kind}:{inner}" if inner not in (None, "") else kind


def composite_decode(text: str) -> Any:
    if text in ("", "none"):
        return None
    kind, _, inner = text.partition(":")
    return {"kind": kind, kind: inner} if inner else {"kind": kind}


# --- the editor's rows --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """A condition field as the editor needs it (made from workflows.conditions.catalog)."""

    name: str
    label: str
    operators: list[tuple[str, str]]
    kind: str  # choice | bool | window | text
    values: list[tuple[str, str]]


def _value_labels(organization: Organization, kind: str) -> dict[str, str]:
    """How the editor names the values of a field kind (the stored values are slugs)."""
    from incidents.models import IncidentType
    from oncall.models import Schedule
    from services.models import Service

    if kind == "status":
        return dict(IncidentStatus.choices)
    if kind == "service":
        return dict(Service.objects.for_org(organization).values_list("slug", "name"))
    if kind == "team":
        return dict(oncall_selectors.team_choices(organization=organization).values_list("slug", "name"))
    if kind == "incident_type":
        return dict(IncidentType.objects.for_org(organization).values_list("slug", "name"))
    if kind == "schedule":
        return dict(Schedule.objects.for_org(organization).values_list("slug", "name"))
    return {}


def field_specs(organization: Organization, trigger: str = "") -> dict[str, FieldSpec]:
    """The condition fields `trigger` offers (every field when none), from the engine's catalog."""
    catalog = conditions.catalog(organization)
    offered = catalog["triggers"].get(trigger) if trigger else None
    specs = {}
    for entry in catalog["fields"]:
        if offered is not None and entry["name"] not in offered:
            continue
        operators = [(op["name"], op["label"]) for op in entry["operators"]]
        kind = {"bool": "bool", "time_window": "window"}.get(entry["kind"], "choice")
        labels = _value_labels(organization, entry["kind"]) if kind == "choice" else {}
        values = [(str(v), labels.get(str(v), str(v))) for v in entry["values"]] if kind == "choice" else []
        specs[entry["name"]] = FieldSpec(entry["name"], entry["label"], operators, kind, values)
    return specs

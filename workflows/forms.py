"""The workflow editor's form: the workflow's own fields (a Django form) and its condition and action rows.

How the rows are posted (chosen so the page works with and without JavaScript): every row is plain named inputs,
``conditions-<i>-field``, ``conditions-<i>-operator``, ``conditions-<i>-value`` (repeated for a list; a time window
is ``-start``, ``-end``, ``-timezone`` and ``-days``) and ``actions-<i>-action``, ``actions-<i>-delay`` (minutes),
``actions-<i>-enabled`` and ``actions-<i>-p-<param>`` (repeated for a list), with ``condition_count`` and
``action_count``. Adding, removing and moving a row is a submit button named ``op`` (``add-condition``,
``remove-action:2``, ``up-action:1``, ``refresh`` after a field or an action changed, which changes the inputs the
row needs): the server applies it and renders the rows again — over htmx when JavaScript runs (only the rows are
swapped), as a whole page otherwise. Nothing is kept in a hidden JSON blob that a person could not read or fix.

`definition_from_post` turns the rows into the ``conditions`` / ``actions`` lists the engine validates
(workflows.validation); `editor_rows` turns such lists (and the errors keyed ``conditions[0].value``,
``actions[2].params.role``) back into rows to render.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict

from core import limits
from incidents import selectors as incident_selectors
from incidents.models import IncidentStatus
from oncall.selectors import policies as oncall_selectors
from orgs import selectors as org_selectors
from orgs.models import Organization
from statuspage.models import Component, StatusPage
from statuspage.stakeholders import selectors as stakeholder_selectors
from workflows import conditions
from workflows.models import ConditionMode, Trigger, WebhookEndpoint, Workflow
from workflows.steps import ACTIONS, ParamField

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


class WorkflowForm(forms.Form):
    """A workflow's own fields; its conditions and actions are the rows (see the module's docstring)."""

    name = forms.CharField(max_length=120, help_text="Shown on the incident timeline: “Workflow Declaration process”.")
    description = forms.CharField(
        max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="Why it exists."
    )
    trigger = forms.ChoiceField(choices=Trigger.choices, label="When")
    condition_mode = forms.ChoiceField(
        choices=ConditionMode.choices, initial=ConditionMode.ALL, widget=forms.RadioSelect, label="Run if"
    )
    run_in_drills = forms.BooleanField(
        required=False, label="Also run for drills", help_text="Drill incidents run this workflow too."
    )
    is_enabled = forms.BooleanField(required=False, initial=True, label="Enabled")

    def __init__(self, *args: Any, organization: Organization, workflow: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.workflow = workflow

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        others = Workflow.objects.for_org(self.organization).filter(name__iexact=name)
        if self.workflow is not None:
            others = others.exclude(pk=self.workflow.pk)
        if others.exists():
            raise forms.ValidationError(f"A workflow named “{name}” already exists.")
        return name

    @classmethod
    def initial_for(cls, workflow: Any) -> dict[str, Any]:
        return {name: getattr(workflow, name) for name in cls.base_fields}


# --- choices the rows offer ---------------------------------------------------------------------------------------


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


@dataclass
class Input:
    """One input of a row as the template renders it."""

    name: str  # the posted name
    label: str
    widget: str  # text | textarea | select | multi | checkbox | grouped
    value: Any = ""
    options: list = field(default_factory=list)
    required: bool = True
    help_text: str = ""
    max_length: int = VALUE_MAX_CHARS

    @property
    def values(self) -> list[str]:
        """The chosen values of a multi input, as text (for `checked`)."""
        if isinstance(self.value, list | tuple):
            return [str(v) for v in self.value]
        return [] if self.value in (None, "") else [str(self.value)]


@dataclass
class ConditionRow:
    index: int
    field: str
    operator: str
    field_options: list[tuple[str, str]]
    operator_options: list[tuple[str, str]]
    value: Input | None
    window: dict[str, Any] | None = None  # time_of_day's start, end, timezone, days
    errors: list[str] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return f"conditions-{self.index}"


@dataclass
class ActionRow:
    index: int
    action: str
    action_options: list[tuple[str, str]]
    delay_minutes: int | str
    enabled: bool
    params: list[Input]
    description: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return f"actions-{self.index}"


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


def _text(data: QueryDict, name: str, limit: int = VALUE_MAX_CHARS) -> str:
    return data.get(name, "")[: limit + 1].strip()


def _count(data: QueryDict, name: str, most: int) -> int:
    try:
        return max(0, min(int(data.get(name, "0")), most))
    except ValueError:
        return 0


def _condition_from_post(data: QueryDict, i: int, specs: dict[str, FieldSpec]) -> dict[str, Any]:
    prefix = f"conditions-{i}"
    field_name = _text(data, f"{prefix}-field")
    operator = _text(data, f"{prefix}-operator")
    spec = specs.get(field_name)
    previous = _text(data, f"{prefix}-was")
    if spec is not None and previous and previous != field_name:
        return new_condition({field_name: spec})  # the field changed: its first operator and value
    if spec is not None and operator not in {op for op, _ in spec.operators} and spec.operators:
        operator = spec.operators[0][0]
    value: Any
    if operator in NO_VALUE_OPERATORS:
        value = None
    elif operator in WINDOW_OPERATORS or (spec is not None and spec.kind == "window"):
        days = [int(d) for d in data.getlist(f"{prefix}-days")[:7] if d in {w for w, _ in WEEKDAYS}]
        value = {
            "start": _text(data, f"{prefix}-start", 5),
            "end": _text(data, f"{prefix}-end", 5),
            "timezone": _text(data, f"{prefix}-timezone", 64),
        }
        if days:
            value["days"] = sorted(set(days))
    elif spec is not None and spec.kind == "bool":
        value = data.get(f"{prefix}-value", "true") == "true"
    elif operator in MULTI_OPERATORS:
        value = [v[:VALUE_MAX_CHARS] for v in data.getlist(f"{prefix}-value")[:100] if v]
    else:
        value = _text(data, f"{prefix}-value")
    return {"field": field_name, "operator": operator, "value": value}


def _param_from_post(data: QueryDict, name: str, param: ParamField) -> Any:
    if param.kind == "bool":
        return data.get(name) == "on"
    if param.kind in LIST_KINDS:
        values = [v[:VALUE_MAX_CHARS] for v in data.getlist(name)[:100] if v]
        return "all" if param.kind == "audiences" and "all" in values else values
    if param.kind == "lines":
        text = data.get(name, "")[: limits.TEXT_MAX_CHARS + 1]
        return [line.strip() for line in text.splitlines() if line.strip()]
    if param.kind in COMPOSITES:
        return composite_decode(_text(data, name))
    if param.kind == "markdown":
        return data.get(name, "")[: limits.TEXT_MAX_CHARS + 1].strip()
    if param.kind == "text":
        return data.get(name, "")[: limits.TEXT_MAX_CHARS + 1].strip()
    return _text(data, name)


def _action_from_post(data: QueryDict, i: int) -> tuple[dict[str, Any], str]:
    """One action row as the engine stores it, and the error of its delay ("" when it is fine)."""
    prefix = f"actions-{i}"
    name = _text(data, f"{prefix}-action")
    action = ACTIONS.get(name)
    params: dict[str, Any] = {}
    for param in action.fields if action else ():
        value = _param_from_post(data, f"{prefix}-p-{param.name}", param)
        if value in (None, "", []) and not param.required:
            continue
        params[param.name] = value
    delay_text = _text(data, f"{prefix}-delay", 10) or "0"
    delay_error = ""
    try:
        minutes = int(delay_text)
    except ValueError:
        minutes, delay_error = 0, "The delay is a whole number of minutes."
    if not delay_error and not 0 <= minutes <= MAX_DELAY_MINUTES:
        delay_error = f"The delay is between 0 and {MAX_DELAY_MINUTES} minutes (a week)."
        minutes = 0
    step = {
        "action": name,
        "params": params,
        "delay_seconds": minutes * 60,
        "enabled": data.get(f"{prefix}-enabled") == "on",
    }
    return step, delay_error


def definition_from_post(
    data: QueryDict, organization: Organization, trigger: str = ""
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, list[str]]]:
    """The posted rows as (conditions, actions, errors of the rows' own shape keyed like the engine's)."""
    specs = field_specs(organization, trigger)
    condition_list = [
        _condition_from_post(data, i, specs) for i in range(_count(data, "condition_count", MAX_CONDITIONS))
    ]
    action_list, errors = [], {}
    for i in range(_count(data, "action_count", MAX_ACTIONS)):
        step, delay_error = _action_from_post(data, i)
        action_list.append(step)
        if delay_error:
            errors[f"actions[{i}].delay_seconds"] = [delay_error]
    return condition_list, action_list, errors


def _move(items: list, index: int, step: int) -> list:
    target = index + step
    if 0 <= index < len(items) and 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
    return items


def apply_op(
    op: str,
    condition_list: list[dict[str, Any]],
    action_list: list[dict[str, Any]],
    specs: dict[str, FieldSpec],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Add, remove or move a row (`op` from the button pressed); "refresh" changes nothing."""
    verb, _, position = op.partition(":")
    index = int(position) if position.isdigit() else -1
    if verb == "add-condition" and len(condition_list) < MAX_CONDITIONS:
        condition_list.append(new_condition(specs))
    elif verb == "add-action" and len(action_list) < MAX_ACTIONS:
        action_list.append({"action": "", "params": {}, "delay_seconds": 0, "enabled": True})
    elif verb == "remove-condition" and 0 <= index < len(condition_list):
        condition_list.pop(index)
    elif verb == "remove-action" and 0 <= index < len(action_list):
        action_list.pop(index)
    elif verb in ("up-action", "down-action"):
        _move(action_list, index, -1 if verb == "up-action" else 1)
    return condition_list, action_list


def new_condition(specs: dict[str, FieldSpec]) -> dict[str, Any]:
    """A new row reads something true to life: the first field, its first operator and first value."""
    spec = next(iter(specs.values()), None)
    if spec is None:
        return {"field": "", "operator": "", "value": ""}
    operator = spec.operators[0][0] if spec.operators else ""
    value: Any = spec.values[0][0] if spec.values else ""
    if spec.kind == "bool":
        value = True
    elif spec.kind == "window":
        value = {"start": "09:00", "end": "17:00", "timezone": "UTC"}
    return {"field": spec.name, "operator": operator, "value": value}


def errors_by_row(
    errors: dict[str, list[str]], action_list: list[dict[str, Any]]
) -> tuple[dict[int, list[str]], dict[int, list[str]], dict[str, list[str]]]:
    """The engine's errors split: per condition row, per action row (a param's error starts with the param's
    label: "Role: ..."), and the rest (the workflow's own fields, or the lists as a whole)."""
    rows: dict[str, dict[int, list[str]]] = {"conditions": {}, "actions": {}}
    rest: dict[str, list[str]] = {}
    for key, messages in errors.items():
        match = ERROR_KEY.match(key)
        if match is None:
            rest.setdefault(key, []).extend(str(m) for m in messages)
            continue
        kind, index, sub = match.group(1), int(match.group(2)), match.group(3) or ""
        texts = [str(m) for m in messages]
        if kind == "actions" and sub.startswith("params.") and index < len(action_list):
            label = param_labels(str(action_list[index].get("action", ""))).get(sub.removeprefix("params."))
            texts = [t if not label or t.startswith(label) else f"{label}: {t}" for t in texts]
        rows[kind].setdefault(index, []).extend(texts)
    return rows["conditions"], rows["actions"], rest


def param_labels(action_name: str) -> dict[str, str]:
    action = ACTIONS.get(action_name)
    return {p.name: p.label for p in action.fields} if action else {}


def _param_input(organization: Organization, prefix: str, param: ParamField, value: Any) -> Input:
    name = f"{prefix}-p-{param.name}"
    common = {"name": name, "label": param.label, "required": param.required, "help_text": param.help_text}
    if param.kind == "bool":
        return Input(widget="checkbox", value=bool(value), **common)
    if param.kind == "lines":
        text = "\n".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value or "")
        return Input(widget="textarea", value=text, max_length=limits.TEXT_MAX_CHARS, **common)
    if param.kind in ("markdown",):
        return Input(widget="textarea", value=value or "", max_length=limits.TEXT_MAX_CHARS, **common)
    if param.kind == "text":
        return Input(widget="text", value=value or "", max_length=limits.TEXT_MAX_CHARS, **common)
    if param.kind in COMPOSITES:
        return Input(
            widget="grouped", value=composite_encode(value), options=COMPOSITES[param.kind](organization), **common
        )
    if param.kind in LIST_KINDS:
        options = CHOICES[param.kind](organization)
        if param.kind == "audiences":
            options = [("all", "Every active audience"), *options]
        chosen = ["all"] if value == "all" else value if isinstance(value, list) else []
        return Input(widget="multi", value=chosen, options=options, **common)
    if param.kind == "choice" or (param.choices and param.kind not in COMPOSITES):
        options = [(str(c[0]), str(c[1])) if isinstance(c, list | tuple) else (str(c), str(c)) for c in param.choices]
        return Input(widget="select", value="" if value is None else str(value), options=options, **common)
    if param.kind in CHOICES:
        return Input(
            widget="select",
            value="" if value is None else str(value),
            options=CHOICES[param.kind](organization),
            **common,
        )
    return Input(widget="text", value=value or "", **common)


def _condition_row(index: int, condition: dict[str, Any], specs: dict[str, FieldSpec]) -> ConditionRow:
    field_name = str(condition.get("field", ""))
    operator = str(condition.get("operator", ""))
    value = condition.get("value")
    spec = specs.get(field_name)
    field_options = [(s.name, s.label) for s in specs.values()]
    if spec is None:
        if field_name:
            field_options.append((field_name, f"{field_name} (not available for this trigger)"))
        return ConditionRow(index, field_name, operator, field_options, [], None)
    operators = spec.operators or [(operator, operator)]
    row = ConditionRow(index, field_name, operator, field_options, operators, None)
    name = f"conditions-{index}-value"
    if operator in NO_VALUE_OPERATORS:
        return row
    if spec.kind == "window" or operator in WINDOW_OPERATORS:
        window = value if isinstance(value, dict) else {}
        days = window.get("days") or []
        row.window = {**window, "days": [str(d) for d in days] if isinstance(days, list) else []}
        return row
    if spec.kind == "bool":
        chosen = "true" if value in (True, "true", None) else "false"
        row.value = Input(
            name=name, label="Value", widget="select", value=chosen, options=[("true", "yes"), ("false", "no")]
        )
        return row
    options = list(spec.values)
    if operator in MULTI_OPERATORS:
        chosen = value if isinstance(value, list) else ([value] if value else [])
        known = {v for v, _ in options}
        options += [(str(v), f"{v} (does not exist)") for v in chosen if str(v) not in known]
        row.value = Input(name=name, label="Values", widget="multi", value=chosen, options=options)
    elif options:
        current = "" if value is None else str(value)
        if current and current not in {v for v, _ in options}:
            options.append((current, f"{current} (does not exist)"))
        row.value = Input(name=name, label="Value", widget="select", value=current, options=options)
    else:
        row.value = Input(name=name, label="Value", widget="text", value="" if value is None else str(value))
    return row


def _action_row(organization: Organization, index: int, step: dict[str, Any], describe: bool) -> ActionRow:
    name = str(step.get("action", ""))
    action = ACTIONS.get(name)
    options = [(a.name, a.label) for a in ACTIONS.values()]
    if name and action is None:
        options.append((name, f"{name} (no longer exists)"))
    params = step.get("params") if isinstance(step.get("params"), dict) else {}
    prefix = f"actions-{index}"
    inputs = [_param_input(organization, prefix, p, params.get(p.name)) for p in (action.fields if action else ())]
    delay = step.get("delay_seconds") or 0
    minutes = delay // 60 if isinstance(delay, int) else delay
    description = ""
    if describe and action is not None:
        try:
            description = action.describe(organization, params)
        except Exception:  # incomplete params: the errors say why
            description = ""
    return ActionRow(index, name, options, minutes, bool(step.get("enabled", True)), inputs, description)


def editor_rows(
    organization: Organization,
    trigger: str,
    condition_list: list[dict[str, Any]],
    action_list: list[dict[str, Any]],
    errors: dict[str, list[str]] | None = None,
    *,
    describe: bool = False,
) -> tuple[list[ConditionRow], list[ActionRow], dict[str, list[str]]]:
    """The rows to render, each with its errors; and the errors that belong to no row."""
    specs = field_specs(organization, trigger)
    condition_rows = [_condition_row(i, c, specs) for i, c in enumerate(condition_list)]
    action_rows = [_action_row(organization, i, a, describe) for i, a in enumerate(action_list)]
    by_condition, by_action, rest = errors_by_row(errors or {}, action_list)
    for index, messages in by_condition.items():
        if index < len(condition_rows):
            condition_rows[index].errors = messages
        else:
            rest.setdefault("conditions", []).extend(messages)
    for index, messages in by_action.items():
        if index < len(action_rows):
            action_rows[index].errors = messages
        else:
            rest.setdefault("actions", []).extend(messages)
    return condition_rows, action_rows, rest

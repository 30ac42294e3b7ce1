"""The editor's condition and action rows: read from a POST (`definition_from_post`), changed by a row button
(`apply_op`) and rendered back with their errors (`editor_rows`). How they are posted: workflows/forms/__init__.py."""

from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from core import limits
from orgs.models import Organization
from workflows.forms.choices import (
    CHOICES,
    COMPOSITES,
    ERROR_KEY,
    LIST_KINDS,
    MAX_ACTIONS,
    MAX_CONDITIONS,
    MAX_DELAY_MINUTES,
    MULTI_OPERATORS,
    NO_VALUE_OPERATORS,
    VALUE_MAX_CHARS,
    WEEKDAYS,
    WINDOW_OPERATORS,
    FieldSpec,
    composite_decode,
    composite_encode,
    field_specs,
)
from workflows.steps import ACTIONS, ParamField


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

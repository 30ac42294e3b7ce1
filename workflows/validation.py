"""Validation of a workflow's definition before any write: the trigger, the conditions (fields the trigger offers,
their operators, values that exist in the organization, real times and zones) and the actions (known actions,
their params checked by the action itself, bounded delays).

Errors are a ValidationError whose keys name the bad part: ``conditions[0].value``, ``actions[2].params.role``,
``actions[1].delay_seconds``; its messages name the bad value ("SEV9 is not a severity of this organization").
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError

from workflows import conditions as cond
from workflows.models import ConditionMode, Trigger

MAX_CONDITIONS = 20
MAX_ACTIONS = 20
MAX_DELAY_SECONDS = 7 * 24 * 3600  # a week
MAX_LIST_VALUES = 100
MAX_VALUE_LENGTH = 320
TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

KIND_NOUN = {
    "severity": "a severity of this organization",
    "status": "an incident status",
    "incident_type": "an incident type of this organization",
    "service": "a service of this organization",
    "team": "a team of this organization",
    "label": "a label of this organization's services",
    "alert_severity": "an alert severity",
    "priority": "a follow-up priority",
    "schedule": "a schedule of this organization",
}


class _Errors:
    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    def raise_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | str):
        text = str(value).strip()
        return text if 0 < len(text) <= MAX_VALUE_LENGTH else None
    return None


def _window(value: Any, key: str, errors: _Errors) -> dict | None:
    if not isinstance(value, dict):
        errors.add(key, 'Give a window: {"start": "HH:MM", "end": "HH:MM", "timezone": "Europe/Paris"}.')
        return None
    cleaned: dict[str, Any] = {}
    ok = True
    for part in ("start", "end"):
        text = value.get(part)
        if not isinstance(text, str) or not TIME_RE.match(text.strip()):
            errors.add(f"{key}.{part}", f"“{str(text)[:20]}” is not a time of day (HH:MM, 00:00 to 23:59).")
            ok = False
        else:
            cleaned[part] = text.strip()
    zone = value.get("timezone") or "UTC"
    if not isinstance(zone, str) or len(zone) > 64 or zone not in _zones():
        errors.add(f"{key}.timezone", f"“{str(zone)[:64]}” is not a time zone (for example Europe/Paris).")
        ok = False
    else:
        try:
            ZoneInfo(zone)
            cleaned["timezone"] = zone
        except (ZoneInfoNotFoundError, ValueError):
            errors.add(f"{key}.timezone", f"“{zone}” is not a time zone (for example Europe/Paris).")
            ok = False
    days = value.get("days")
    if days not in (None, [], ()):
        if not isinstance(days, list | tuple) or not all(
            isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in days
        ):
            errors.add(f"{key}.days", "Days are numbers from 0 (Monday) to 6 (Sunday).")
            ok = False
        else:
            cleaned["days"] = sorted(set(days))
    extra = set(value) - {"start", "end", "timezone", "days"}
    if extra:
        errors.add(key, f"Unknown part of a time window: {', '.join(sorted(map(str, extra)))[:100]}.")
        ok = False
    return cleaned if ok else None


_ZONES: frozenset[str] | None = None


def _zones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones()) | {"UTC"}
    return _ZONES


def _condition_value(
    field: cond.Field, operator: str, value: Any, key: str, known: dict[str, list], errors: _Errors
) -> Any:
    """The cleaned value of a condition, or None with an error recorded."""
    if operator in cond.NO_VALUE_OPERATORS:
        return None
    if field.kind == "time_window":
        return _window(value, key, errors)
    if field.kind == "bool":
        flag = _bool(value)
        if flag is None:
            errors.add(key, f"“{str(value)[:40]}” is not true or false.")
        return flag
    allowed = known[field.kind]
    noun = KIND_NOUN.get(field.kind, "a known value")

    def one(item: Any) -> Any:
        text = _text(item)
        if text is None:
            errors.add(key, f"“{str(item)[:40]}” is not {noun}.")
            return None
        if field.kind == "severity":  # SEV1 / sev1: the org's own spelling
            match = next((name for name in allowed if name.lower() == text.lower()), None)
        else:
            match = text if text in allowed else None
        if match is None:
            errors.add(key, f"{text} is not {noun}.")
        return match

    if operator in cond.LIST_OPERATORS:
        items = value if isinstance(value, list | tuple) else [value]
        if not items or value in (None, ""):
            errors.add(key, "Choose at least one value.")
            return None
        if len(items) > MAX_LIST_VALUES:
            errors.add(key, f"At most {MAX_LIST_VALUES} values.")
            return None
        cleaned = [one(item) for item in items]
        if any(item is None for item in cleaned):
            return None
        return list(dict.fromkeys(cleaned))
    if isinstance(value, list | tuple | dict):
        errors.add(key, "Choose one value.")
        return None
    return one(value)


def conditions_validate(organization: Any, trigger: str, conditions: Any, errors: _Errors) -> list[dict]:
    if conditions in (None, ""):
        return []
    if not isinstance(conditions, list | tuple):
        errors.add("conditions", "Conditions are a list of {field, operator, value}.")
        return []
    if len(conditions) > MAX_CONDITIONS:
        errors.add("conditions", f"At most {MAX_CONDITIONS} conditions.")
        return []
    offered = cond.TRIGGER_FIELDS.get(trigger, ())
    known: dict[str, list] | None = None
    cleaned = []
    for index, condition in enumerate(conditions):
        key = f"conditions[{index}]"
        if not isinstance(condition, dict):
            errors.add(key, "A condition is {field, operator, value}.")
            continue
        name, operator = condition.get("field"), condition.get("operator")
        field = cond.FIELDS.get(name) if isinstance(name, str) else None
        if field is None:
            errors.add(f"{key}.field", f"“{str(name)[:40]}” is not a condition field.")
            continue
        if trigger and name not in offered:
            label = Trigger(trigger).label if trigger in Trigger.values else trigger
            errors.add(f"{key}.field", f"{field.label} cannot be tested on “{label}”.")
            continue
        if operator not in field.operators:
            allowed = ", ".join(field.operators)
            errors.add(f"{key}.operator", f"“{str(operator)[:40]}” is not an operator of {name} ({allowed}).")
            continue
        if known is None:
            known = cond.org_values(organization)
        before = len(errors.errors)
        value = _condition_value(field, operator, condition.get("value"), f"{key}.value", known, errors)
        if len(errors.errors) == before:
            cleaned.append({"field": name, "operator": operator, "value": value})
    return cleaned


def actions_validate(organization: Any, actions: Any, errors: _Errors) -> list[dict]:
    from workflows.steps import ACTIONS

    if actions in (None, ""):
        return []
    if not isinstance(actions, list | tuple):
        errors.add("actions", "Actions are a list of {action, params, delay_seconds, enabled}.")
        return []
    if len(actions) > MAX_ACTIONS:
        errors.add("actions", f"At most {MAX_ACTIONS} actions.")
        return []
    cleaned = []
    for index, item in enumerate(actions):
        key = f"actions[{index}]"
        if not isinstance(item, dict):
            errors.add(key, "An action is {action, params, delay_seconds, enabled}.")
            continue
        name = item.get("action")
        action = ACTIONS.get(name) if isinstance(name, str) else None
        if action is None:
            errors.add(f"{key}.action", f"“{str(name)[:40]}” is not an action.")
            continue
        delay = item.get("delay_seconds", 0) or 0
        if isinstance(delay, str) and delay.strip().isdigit():
            delay = int(delay.strip())
        if isinstance(delay, bool) or not isinstance(delay, int) or not 0 <= delay <= MAX_DELAY_SECONDS:
            errors.add(
                f"{key}.delay_seconds", f"“{str(delay)[:20]}” is not a delay (0 to {MAX_DELAY_SECONDS} seconds)."
            )
            continue
        enabled = _bool(item.get("enabled", True))
        if enabled is None:
            errors.add(f"{key}.enabled", "Enabled is true or false.")
            continue
        params = item.get("params") or {}
        if not isinstance(params, dict):
            errors.add(f"{key}.params", "Params are an object.")
            continue
        try:
            params = action.validate(organization, params)
        except ValidationError as error:
            if not enabled:
                # A disabled step may wait for its configuration ("disabled until configured"): kept as written,
                # checked again when it is enabled.
                params = item.get("params") or {}
            else:
                if hasattr(error, "error_dict"):
                    for param, messages in error.message_dict.items():
                        for message in messages:
                            errors.add(f"{key}.params.{param}", message)
                else:
                    for message in error.messages:
                        errors.add(f"{key}.params", message)
                continue
        cleaned.append({"action": name, "params": params, "delay_seconds": delay, "enabled": enabled})
    return cleaned


def workflow_validate(*, organization: Any, data: dict) -> dict:
    """The cleaned {trigger, condition_mode, conditions, actions} of a workflow definition; raises a
    ValidationError naming every bad part (keys like ``conditions[0].value``, ``actions[2].params.role``)."""
    errors = _Errors()
    trigger = data.get("trigger")
    if trigger not in Trigger.values:
        errors.add("trigger", f"“{str(trigger)[:40]}” is not a trigger.")
        trigger = ""
    mode = data.get("condition_mode") or ConditionMode.ALL
    if mode not in ConditionMode.values:
        errors.add("condition_mode", f"“{str(mode)[:20]}” is not all or any.")
    cleaned_conditions = conditions_validate(organization, trigger, data.get("conditions"), errors)
    cleaned_actions = actions_validate(organization, data.get("actions"), errors)
    errors.raise_any()
    return {
        "trigger": trigger,
        "condition_mode": str(mode),
        "conditions": cleaned_conditions,
        "actions": cleaned_actions,
    }

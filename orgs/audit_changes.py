"""The audit log's "changes" for people: one line per field, its name in words and its value before → after.

Actions record `changes` as JSON in a few shapes: `{field: {"before": b, "after": a}}` (most), `{"from": x,
"to": y}`, and `{field: value}` facts (a title, a list of alert groups). Values are shown the way the rest
of the app shows them: times in the one format (core.timefmt), yes/no, lists joined, an object by its title
or name, and anything long cut short with the whole text on hover. Never a Python repr.
"""

import re
from dataclasses import dataclass
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from core import timefmt

MAX_TEXT = 80
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CHOICE_VALUE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")  # partial_outage, contributing_factors
NONE = mark_safe('<span class="muted">none</span>')
# An object in a list or a value is named by the first of these it has.
NAME_KEYS = ("title", "name", "reference", "email", "slug")


@dataclass(frozen=True)
class ChangeLine:
    label: str
    before: SafeString | None  # None: nothing before (a creation or a plain fact)
    after: SafeString


def field_label(field: str) -> str:
    """escalation_policy → Escalation policy; silenced_until → Silenced until; due_at → Due."""
    words = str(field).replace("_", " ").replace("-", " ").strip().removesuffix(" at")
    return words[:1].upper() + words[1:] if words else "Change"


def plain_text(value: Any) -> str:
    """A value as words, for lists and objects (times in the one format, in UTC, spelled out as such)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        if ISO_DATETIME.match(value) and timefmt.as_utc(value) is not None:
            return timefmt.display_text(value)
        if ISO_DATE.match(value) and timefmt.as_date(value) is not None:
            return timefmt.display_text(value, "date")
        return value.replace("_", " ") if CHOICE_VALUE.match(value) else value
    if isinstance(value, dict):
        return ", ".join(f"{field_label(k).lower()}: {plain_text(v)}" for k, v in value.items()) or "none"
    if isinstance(value, (list, tuple)):
        return ", ".join(short_name(item) for item in value) or "none"
    return str(value)


def short_name(value: Any) -> str:
    """An object by its name (an alert group by its title); anything else as words."""
    if isinstance(value, dict):
        for key in NAME_KEYS:
            if value.get(key):
                return str(value[key])
    return plain_text(value)


def shortened(text: str) -> str:
    """At most MAX_TEXT characters, cut after a whole word when there is one in the second half."""
    cut = text[: MAX_TEXT - 1]
    if " " in cut[MAX_TEXT // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


def value_html(value: Any) -> SafeString:
    """One value of a change: a `<time>` for a time, the words for anything else, cut at MAX_TEXT."""
    if value is None or value == [] or value == {}:
        return NONE
    if isinstance(value, str) and ISO_DATETIME.match(value) and timefmt.as_utc(value) is not None:
        return timefmt.time_html(value)
    if isinstance(value, str) and ISO_DATE.match(value) and timefmt.as_date(value) is not None:
        return timefmt.time_html(value)
    short = short_name(value) if isinstance(value, (dict, list, tuple)) else plain_text(value)
    full = plain_text(value)
    if isinstance(value, list) and any(isinstance(item, dict) for item in value):
        full = "; ".join(plain_text(item) for item in value)
    if len(short) > MAX_TEXT:
        short = shortened(short)
    if short != full:
        return format_html('<span title="{}">{}</span>', full, short)
    return format_html("{}", short)


def change_lines(changes: Any) -> list[ChangeLine]:
    """The lines the audit log shows for one event's `changes`."""
    if not isinstance(changes, dict):
        return [] if changes in (None, "", []) else [ChangeLine("Change", None, value_html(changes))]
    if set(changes) == {"from", "to"}:
        return [ChangeLine("Changed", value_html(changes["from"]), value_html(changes["to"]))]
    lines = []
    # By field name: PostgreSQL's jsonb keeps no key order, and an order that changes with the database helps nobody.
    for field, change in sorted(changes.items()):
        if field == "path" and isinstance(change, str) and change.startswith("/") and not change.startswith("//"):
            lines.append(ChangeLine("Page", None, format_html('<a href="{}">{}</a>', change, change)))
        elif isinstance(change, dict) and set(change) == {"before", "after"}:
            before = None if change["before"] in (None, "", []) else value_html(change["before"])
            lines.append(ChangeLine(field_label(field), before, value_html(change["after"])))
        else:
            lines.append(ChangeLine(field_label(field), None, value_html(change)))
    return lines

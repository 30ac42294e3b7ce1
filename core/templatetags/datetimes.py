"""`{% datetime value [style] %}`: every date and time on a page (core.timefmt has the format and the why).

A built-in library (config/settings.py TEMPLATES builtins), so templates need no `{% load %}`:
    {% datetime incident.declared_at %}             Dec 6, 20:55 UTC → Dec 6, 21:55 in Europe/Paris
    {% datetime group.last_seen "relative" %}       12 min ago
    {% datetime event.occurred_at "time" %}         20:55
    {% datetime follow_up.due_date %}               Dec 6, 2026 (a date is never shifted)
    {% datetime member.created_at "date" %}         Dec 6, 2026 (the day in the viewer's zone)
`|datetime_text` gives the same fallback text without markup, for attributes and option labels.
"""

from typing import Any

from django import template
from django.utils.safestring import SafeString

from core import timefmt

register = template.Library()


@register.simple_tag(name="datetime")
def datetime_tag(value: Any, style: str = "datetime") -> SafeString:
    return timefmt.time_html(value, style)


@register.filter
def datetime_text(value: Any, style: str = "datetime") -> str:
    return timefmt.display_text(value, style)

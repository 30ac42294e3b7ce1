"""Times on the public status page: in the page's time zone (the view renders under it), written by the server,
since the page has no script to rewrite them in the visitor's zone; the format is core.timefmt's."""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from core import timefmt

register = template.Library()


@register.simple_tag(name="page_time")
def page_time(value: datetime | None) -> SafeString | str:
    """`<time>` of an instant in the current (page's) zone, with its zone's abbreviation and the UTC time on hover."""
    moment = timefmt.as_utc(value)
    if moment is None:
        return "—"
    local = moment.astimezone(timezone.get_current_timezone())
    text = f"{timefmt.datetime_text(local, now=timezone.now())} {local.tzname()}"
    return format_html(
        '<time datetime="{}" title="{}">{}</time>', timefmt.iso_utc(moment), timefmt.exact_utc(moment), text
    )

"""Badges and durations of the drills pages."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from drills.views import common

register = template.Library()


@register.simple_tag
def run_badge(run: object) -> SafeString:
    status = getattr(run, "status", "")
    return format_html(
        '<span class="badge {}">{}</span>', common.RUN_BADGES.get(status, "badge-neutral"), run.get_status_display()
    )


@register.simple_tag
def scenario_badge(scenario: object) -> SafeString:
    status = getattr(scenario, "status", "")
    return format_html(
        '<span class="badge {}">{}</span>',
        common.SCENARIO_BADGES.get(status, "badge-neutral"),
        scenario.get_status_display(),
    )


@register.simple_tag
def result_badge(result: str) -> SafeString:
    return format_html(
        '<span class="badge {}">{}</span>',
        common.RESULT_BADGES.get(result, "badge-neutral"),
        common.RESULT_WORDS.get(result, result),
    )


@register.filter
def duration(seconds: int | None) -> str:
    return common.duration_text(seconds)

"""The retros app's panel on the incident page (templates/incidents/incident_detail.html side column)."""

from typing import Any

from django import template
from django.utils import timezone

from retros import selectors

register = template.Library()


@register.inclusion_tag("retros/partials/_incident_panel.html", takes_context=True)
def retros_incident_panel(context: template.Context, incident: Any) -> dict[str, Any]:
    """Context for the panel: the incident's retrospective (if any), whether policy asks for one, and the role."""
    retrospective = selectors.retrospective_for_incident(incident=incident)
    return {
        "incident": incident,
        "retrospective": retrospective,
        "overdue": retrospective is not None
        and not retrospective.is_published
        and retrospective.due_at is not None
        and retrospective.due_at < timezone.now(),
        "needs_one": retrospective is None and selectors.incident_needs_retrospective(incident=incident),
        "current_org": context.get("current_org"),
        "can_respond": context.get("can_respond", False),
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }

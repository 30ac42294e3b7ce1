"""The ticketing app's panel on the incident page (templates/incidents/incident_detail.html side column)."""

from typing import Any

from django import template

from ticketing import selectors
from ticketing.models import FollowUpPriority

register = template.Library()


@register.inclusion_tag("ticketing/partials/_incident_panel.html", takes_context=True)
def ticketing_incident_panel(context: template.Context, incident: Any) -> dict[str, Any]:
    """Context for the panel: the incident's follow-ups (overdue first) and, for responders, the quick add."""
    follow_ups = selectors.follow_ups_of_incident(incident=incident)
    return {
        "incident": incident,
        "follow_ups": follow_ups,
        "open_count": sum(1 for f in follow_ups if f.is_open),
        "members": context.get("members", []),
        "priorities": FollowUpPriority.choices,
        "current_org": context.get("current_org"),
        "can_respond": context.get("can_respond", False),
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }

"""The oncall app's panel on the incident page (templates/incidents/incident_detail.html side column)."""

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("oncall/partials/_incident_panel.html", takes_context=True)
def oncall_incident_panel(context: template.Context, incident: Any) -> dict[str, Any]:
    """Context for the panel: the incident, the org and whether the viewer may act (can_respond)."""
    return {
        "incident": incident,
        "current_org": context.get("current_org"),
        "can_respond": context.get("can_respond", False),
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }

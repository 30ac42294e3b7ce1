"""The stakeholder-updates panel on the incident page (templates/incidents/incident_detail.html side column)."""

from typing import Any

from django import template

from statuspage.stakeholders import panels as stakeholder_panels

register = template.Library()


@register.inclusion_tag("statuspage/stakeholders/_incident_panel.html", takes_context=True)
def stakeholders_incident_panel(context: template.Context, incident: Any) -> dict[str, Any]:
    """Stakeholder updates: what was sent to whom and how each delivery went; for responders, the send form."""
    request = context.get("request")
    return {
        **stakeholder_panels.incident_panel_context(request, incident),
        "current_org": context.get("current_org"),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }

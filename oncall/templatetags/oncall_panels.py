"""The oncall app's panel on the incident page (templates/incidents/incident_detail.html side column)."""

from typing import Any

from django import template
from django.utils import timezone

from notifications import selectors as notification_selectors
from oncall.forms.policies import PageForm
from oncall.selectors import policies as policy_selectors

register = template.Library()

RECENT_PAGES = 10


@register.inclusion_tag("oncall/partials/_incident_panel.html", takes_context=True)
def oncall_incident_panel(context: template.Context, incident: Any) -> dict[str, Any]:
    """Context for the panel: who is on call for the affected services now, recent pages and the page form."""
    can_respond = context.get("can_respond", False)
    now = timezone.now()
    oncall = []
    for link in incident.service_links.all():
        service = link.service
        users = policy_selectors.service_oncall_now(service=service, at=now) if service.escalation_policy_id else []
        oncall.append((service, users))
    notifications = notification_selectors.notification_list(organization=incident.organization, incident=incident)
    return {
        "incident": incident,
        "current_org": context.get("current_org"),
        "can_respond": can_respond,
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
        "oncall": oncall,
        "notifications": list(notifications.select_related("user")[:RECENT_PAGES]),
        "page_form": PageForm(organization=incident.organization, auto_id="id_page_%s") if can_respond else None,
    }

"""The "Stakeholder updates" panel on the incident page (templates/incidents/incident_detail.html side column,
through the inclusion tag in statuspage/templatetags/stakeholder_panels.py, like every newer app's panel)."""

from typing import Any

from django.http import HttpRequest

from incidents.models import Incident
from orgs.permissions import ADMIN, RESPONDER
from statuspage.stakeholders import selectors
from statuspage.stakeholders.forms import StakeholderSendForm

FORM_PREFIX = "stakeholders"


def incident_panel_context(request: HttpRequest | None, incident: Incident, form: Any = None) -> dict[str, Any]:
    """The incident's latest updates with each audience's delivery status; for responders the send form."""
    membership = getattr(request, "membership", None)
    can_send = bool(membership and membership.has_role(RESPONDER))
    context: dict[str, Any] = {
        "incident": incident,
        "updates": selectors.updates_of_incident(incident=incident),
        "can_send": can_send,
        "can_configure": bool(membership and membership.has_role(ADMIN)),
    }
    if can_send:
        context["send_form"] = form or StakeholderSendForm(organization=incident.organization, prefix=FORM_PREFIX)
    return context

"""What the retros app does when other apps' domain events happen (registered in RetrosConfig.ready())."""

from core import events
from incidents.events import IncidentStatusChanged
from incidents.models import Incident
from retros import actions


def retrospective_on_resolve(event: IncidentStatusChanged) -> None:
    """An incident that needs a retrospective resolved: open it, in the status change's transaction."""
    incident = Incident.objects.select_related("organization", "severity").get(pk=event.incident_id)
    actions.retrospective_open_on_resolve(incident=incident, before=event.before, actor=event.actor)


def register() -> None:
    events.subscribe(IncidentStatusChanged, retrospective_on_resolve, when="in_transaction")

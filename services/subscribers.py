"""What the service catalog does when other apps' domain events happen (registered in ServicesConfig.ready()).

Services sits below incidents, so it subscribes by event name and reads only these fields of the event:
``incident_id``, ``is_drill``, ``service_ids``, ``removed_service_ids`` and ``services_health`` (what the
incident now does to those services; see incidents/events.py). Drills never move a service's health.
"""

from typing import Any

from core import events
from services import actions

IMPACT_EVENTS = ("incident.declared", "incident.status_changed", "incident.updated")


def health_follow_incident(event: Any) -> None:
    """Record the incident's impact on its services and move their health to the worst impact left."""
    if event.is_drill:
        return
    actions.service_impacts_record(
        organization_id=event.organization_id,
        incident_id=event.incident_id,
        service_ids=list(event.service_ids),
        removed_service_ids=list(event.removed_service_ids),
        health=event.services_health,
        actor=event.actor,
    )


def register() -> None:
    for name in IMPACT_EVENTS:
        events.subscribe(name, health_follow_incident, when="in_transaction")

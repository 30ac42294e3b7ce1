"""What the statuspage app does when other apps' domain events happen (registered in StatuspageConfig.ready()).

Public incidents follow incidents (statuspage/publishing.py): an external status update publishes, a status
change resolves or reopens, an edit of title, severity or services carries over. All in the incident's
transaction, so the public record commits (or rolls back) with the change it reflects. Drills are skipped here
and again in publishing."""

from core import events
from incidents.events import IncidentStatusChanged, IncidentUpdated, StatusUpdatePosted
from incidents.models import StatusUpdateVisibility
from statuspage import publishing

FOLLOWED_FIELDS = ("title", "severity", "services")


def public_update_on_status_update(event: StatusUpdatePosted) -> None:
    """An external status update of an incident goes on its status page."""
    if event.visibility != StatusUpdateVisibility.EXTERNAL:
        return
    publishing.public_update_publish(status_update_id=event.status_update_id, actor=event.actor)


def public_incident_on_status_change(event: IncidentStatusChanged) -> None:
    """A published incident's status moves its public record (resolved, reopened, monitoring)."""
    if event.is_drill:
        return
    publishing.public_incident_follow(incident_id=event.incident_id, actor=event.actor, status=event.after)


def public_incident_on_update(event: IncidentUpdated) -> None:
    """A published incident's new title, severity or services carry over (unless overridden on the page)."""
    if event.is_drill or not set(event.changed) & set(FOLLOWED_FIELDS):
        return
    publishing.public_incident_follow(incident_id=event.incident_id, actor=event.actor)


def register() -> None:
    """Subscribe the status page's handlers (public incidents follow external status updates)."""
    events.subscribe(StatusUpdatePosted, public_update_on_status_update, when="in_transaction")
    events.subscribe(IncidentStatusChanged, public_incident_on_status_change, when="in_transaction")
    events.subscribe(IncidentUpdated, public_incident_on_update, when="in_transaction")

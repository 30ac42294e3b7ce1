"""Live push: after commit, render viewer-independent HTML fragments and send them to the groups
that browsers joined through the consumers. htmx's ws extension swaps them in (hx-swap-oob)."""

import logging

from django.template.loader import render_to_string

from incidents.models import TimelineEvent
from orgs.live import send_many as _send_many

logger = logging.getLogger(__name__)


def incident_group(incident_id: int) -> str:
    return f"incident.{incident_id}"


def org_incidents_group(organization_id: int) -> str:
    return f"org.{organization_id}.incidents"


def render_timeline_message(event: TimelineEvent) -> str:
    """The websocket message for one event: the event itself plus the incident's refreshed summary."""
    return render_to_string(
        "incidents/partials/_live_timeline_message.html", {"event": event, "incident": event.incident}
    )


def _send(group: str, message: dict) -> None:
    _send_many([(group, message)])


def timeline_broadcast(*, event_id: int) -> None:
    """Push one timeline event to every browser that has its incident open (called after commit)."""
    event = (
        TimelineEvent.objects.select_related(
            "incident__severity", "incident__incident_type", "incident__organization", "actor_user"
        )
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return
    html = render_timeline_message(event)
    _send(incident_group(event.incident_id), {"type": "timeline.event", "html": html, "event_id": event.pk})


def incident_list_broadcast(*, incident_id: int, created: bool = False) -> None:
    """Push an incident's row to every browser on the org's incident list (after commit): a new incident's
    row goes on top, a changed one replaces its row in place; the org's incident count comes with it (a
    filtered list counts its matches again instead, see firebreak-live.js)."""
    from incidents import selectors

    incident = selectors.incident_list_queryset().filter(pk=incident_id).first()
    if incident is None:
        return
    total = selectors.incident_list(organization=incident.organization).count()
    context = {"incident": incident, "created": created, "total": total}
    html = render_to_string("incidents/partials/_live_incident_row.html", context)
    _send(org_incidents_group(incident.organization_id), {"type": "incident.row", "html": html})

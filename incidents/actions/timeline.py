"""The incident timeline: every write records a TimelineEvent (and an AuditEvent) through `timeline_event_add`;
notes, pins and attached alert groups."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import events, markdown
from incidents.events import TimelineEventAdded, TimelineEventPinned
from incidents.models import Incident, TimelineEvent, TimelineKind
from orgs import actions as org_actions
from orgs.tenancy import Actor


def timeline_event_add(
    *,
    incident: Incident,
    kind: str,
    actor: Actor,
    payload: dict[str, Any] | None = None,
    body: str = "",
    occurred_at: datetime | None = None,
    audit_action: str | None = None,
) -> TimelineEvent:
    """Record what happened (caller holds the incident's transaction); pushed live after commit."""
    event = TimelineEvent.objects.create(
        organization_id=incident.organization_id,
        incident=incident,
        kind=kind,
        actor_user=actor.user,
        actor_label=actor.user.display_name if actor.user else actor.label,
        occurred_at=occurred_at or timezone.now(),
        payload=payload or {},
        body=body,
        body_html=markdown.render(body) if body else "",
    )
    org_actions.audit_record(
        organization=incident.organization,
        actor=actor,
        action=audit_action or f"incident.{kind}",
        target_type="incident",
        target_id=str(incident.number),
        target_label=f"{incident.reference} {incident.title}",
        changes=payload or {},
    )
    events.publish(
        TimelineEventAdded(
            organization_id=incident.organization_id,
            actor=actor,
            incident_id=incident.pk,
            timeline_event_id=event.pk,
            kind=kind,
            occurred_at=event.occurred_at,
        )
    )
    return event


@transaction.atomic
def note_add(*, incident: Incident, body: str, actor: Actor) -> TimelineEvent:
    """Add a Markdown note to the timeline (stored as source, rendered sanitized)."""
    if not (body or "").strip():
        raise ValidationError({"body": "Write something first."})
    return timeline_event_add(incident=incident, kind=TimelineKind.NOTE, actor=actor, body=body.strip())


@transaction.atomic
def timeline_event_pin(*, event: TimelineEvent, pinned: bool, actor: Actor) -> TimelineEvent:
    """Pin (or unpin) a timeline event so it shows on top."""
    event = TimelineEvent.objects.select_for_update(of=("self",)).select_related("incident").get(pk=event.pk)
    if event.is_pinned == pinned:
        return event
    event.is_pinned = pinned
    event.save(update_fields=["is_pinned", "updated_at"])
    org_actions.audit_record(
        organization=event.incident.organization,
        actor=actor,
        action="incident.event_pinned" if pinned else "incident.event_unpinned",
        target_type="incident",
        target_id=str(event.incident.number),
        target_label=event.incident.reference,
        changes={"event": event.pk},
    )
    events.publish(
        TimelineEventPinned(
            organization_id=event.organization_id,
            actor=actor,
            incident_id=event.incident_id,
            timeline_event_id=event.pk,
            is_pinned=pinned,
        )
    )
    return event


@transaction.atomic
def incident_alerts_attached(*, incident: Incident, groups: list[dict[str, Any]], actor: Actor) -> TimelineEvent:
    """Record on the timeline that alert groups were attached (the alerting app owns the link itself).

    `groups` are plain summaries: {"id", "title", "severity", "service", "alert_count"}.
    """
    return timeline_event_add(
        incident=incident, kind=TimelineKind.ALERT_ATTACHED, actor=actor, payload={"groups": groups}
    )

"""An incident's life after declaration: status transitions (milestones stamped), field edits, milestone
corrections and stakeholder status updates."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import events
from incidents.actions.common import _check_services, _impact, _lock
from incidents.actions.timeline import timeline_event_add
from incidents.events import IncidentSeverityChanged, IncidentStatusChanged, IncidentUpdated, StatusUpdatePosted
from incidents.models import (
    FORWARD,
    MILESTONES,
    Incident,
    IncidentService,
    IncidentStatus,
    IncidentTask,
    IncidentType,
    StatusUpdate,
    StatusUpdateVisibility,
    TimelineKind,
    allowed_transitions,
)
from orgs.tenancy import Actor


def _check_merge_target(incident: Incident, target: Incident | None) -> None:
    if target is None:
        raise ValidationError({"merged_into": "Choose the incident this one merges into."})
    if target.organization_id != incident.organization_id:
        raise ValidationError({"merged_into": "Choose an incident of this organization."})
    if target.pk == incident.pk:
        raise ValidationError({"merged_into": "An incident cannot merge into itself."})
    if not target.is_open:
        raise ValidationError({"merged_into": f"{target.reference} is {target.status}; merge into an open incident."})


@transaction.atomic
def incident_transition(
    *, incident: Incident, status: str, actor: Actor, merged_into: Incident | None = None
) -> Incident:
    """Move to `status` under DESIGN.md's rules, stamping milestones; illegal moves name the allowed ones.

    Moving to `merged` needs `merged_into`, an open incident of the same org; its timeline records it.
    """
    incident = _lock(incident)
    if status == incident.status:
        return incident
    allowed = allowed_transitions(incident.status)
    if status not in allowed:
        label = IncidentStatus(incident.status).label.lower()
        allowed_text = ", ".join(allowed) if allowed else "none (this incident is finished)"
        raise ValidationError({"status": f"Cannot move from {label} to {status}. Allowed next: {allowed_text}."})
    if status == IncidentStatus.MERGED:
        if merged_into is not None:
            merged_into = Incident.objects.select_related("organization").get(pk=merged_into.pk)  # its status now
        _check_merge_target(incident, merged_into)
        incident.merged_into = merged_into
    now = timezone.now()
    before = incident.status
    fields = ["status", "updated_at"]
    if before == IncidentStatus.RESOLVED and status == IncidentStatus.INVESTIGATING:
        incident.resolved_at = None
        fields.append("resolved_at")
    elif status in FORWARD:
        stamps = {
            IncidentStatus.IDENTIFIED: "identified_at",
            IncidentStatus.MONITORING: "mitigated_at",
            IncidentStatus.RESOLVED: "resolved_at",
            IncidentStatus.CLOSED: "closed_at",
        }
        reached = FORWARD.index(IncidentStatus(status))
        for step, field in stamps.items():
            if FORWARD.index(step) <= reached and getattr(incident, field) is None:
                setattr(incident, field, now)
                fields.append(field)
        if incident.acknowledged_at is None and (actor.user is not None or actor.token is not None):
            # Someone (a person or their API client) moving it on has seen it; the system does not (MTTA).
            incident.acknowledged_at = now
            fields.append("acknowledged_at")
    incident.status = status
    payload = {"from": before, "to": status}
    if status == IncidentStatus.MERGED:
        fields.append("merged_into")
        payload["into"] = merged_into.reference
    incident.save(update_fields=fields)
    entry = timeline_event_add(incident=incident, kind=TimelineKind.STATUS_CHANGED, actor=actor, payload=payload)
    if status == IncidentStatus.MERGED:
        timeline_event_add(
            incident=merged_into,
            kind=TimelineKind.INCIDENT_MERGED,
            actor=actor,
            payload={"incident": incident.reference, "title": incident.title, "number": incident.number},
        )
    events.publish(
        IncidentStatusChanged(
            organization_id=incident.organization_id,
            actor=actor,
            **_impact(incident),
            number=incident.number,
            before=before,
            after=status,
            merged_into_id=incident.merged_into_id if status == IncidentStatus.MERGED else None,
            timeline_event_id=entry.pk,
        )
    )
    return incident


def _pk(obj: Any) -> int | None:
    return None if obj is None else obj.pk


def _type_change(incident: Incident, incident_type: IncidentType | None, actor: Actor) -> dict[str, Any]:
    """Set the incident's type (the caller saves) and add the new type's checklist items it does not have as
    tasks yet; returns the change for the timeline."""
    if incident_type is not None and incident_type.organization_id != incident.organization_id:
        raise ValidationError({"incident_type": "Choose an incident type of this organization."})
    before = incident.incident_type.name if incident.incident_type_id else None
    incident.incident_type = incident_type
    added = 0
    if incident_type is not None:
        existing = set(IncidentTask.objects.filter(incident=incident).values_list("title", flat=True))
        new_items = [item for item in dict.fromkeys(incident_type.checklist) if item not in existing]
        IncidentTask.objects.bulk_create(
            IncidentTask(organization=incident.organization, incident=incident, title=item, created_by=actor.user)
            for item in new_items
        )
        added = len(new_items)
    return {"before": before, "after": incident_type.name if incident_type else None, "tasks_added": added}


@transaction.atomic
def incident_update(*, incident: Incident, actor: Actor, **fields: Any) -> Incident:
    """Edit title, summary, customer impact, severity, incident type or affected services; each kind of change is
    one event. A new type's checklist items that the incident does not have as tasks yet are added."""
    allowed = {"title", "summary", "customer_impact", "severity", "incident_type", "services"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Unknown incident fields: {sorted(unknown)}")
    incident = _lock(incident)
    organization = incident.organization
    changed: list[str] = []
    removed: list[int] = []
    if "severity" in fields and fields["severity"].pk != incident.severity_id:
        severity = fields["severity"]
        if severity.organization_id != organization.pk:
            raise ValidationError({"severity": "Choose a severity of this organization."})
        before = incident.severity.name
        incident.severity = severity
        incident.save(update_fields=["severity", "updated_at"])
        entry = timeline_event_add(
            incident=incident,
            kind=TimelineKind.SEVERITY_CHANGED,
            actor=actor,
            payload={"from": before, "to": severity.name},
        )
        events.publish(
            IncidentSeverityChanged(
                organization_id=organization.pk,
                actor=actor,
                incident_id=incident.pk,
                number=incident.number,
                before=before,
                after=severity.name,
                timeline_event_id=entry.pk,
            )
        )
        changed.append("severity")
    text_changes = {}
    for field in ("title", "summary", "customer_impact"):
        if field in fields and (fields[field] or "").strip() != getattr(incident, field):
            value = (fields[field] or "").strip()
            if field == "title" and not value:
                raise ValidationError({"title": "Give the incident a short title."})
            text_changes[field] = {"before": getattr(incident, field), "after": value}
            setattr(incident, field, value)
    if "incident_type" in fields and _pk(fields["incident_type"]) != incident.incident_type_id:
        text_changes["incident_type"] = _type_change(incident, fields["incident_type"], actor)
    if text_changes:
        incident.save(update_fields=[*text_changes, "updated_at"])
        timeline_event_add(incident=incident, kind=TimelineKind.FIELDS_CHANGED, actor=actor, payload=text_changes)
        changed += list(text_changes)
    if "services" in fields:
        services = list(fields["services"] or [])
        _check_services(organization, services)
        current = {link.service_id: link.service for link in incident.service_links.select_related("service")}
        wanted = {service.pk: service for service in services}
        if set(current) != set(wanted):
            IncidentService.objects.filter(incident=incident).exclude(service_id__in=wanted).delete()
            IncidentService.objects.bulk_create(
                IncidentService(organization=organization, incident=incident, service=service)
                for pk, service in wanted.items()
                if pk not in current
            )
            timeline_event_add(
                incident=incident,
                kind=TimelineKind.SERVICES_CHANGED,
                actor=actor,
                payload={
                    "added": sorted(s.slug for pk, s in wanted.items() if pk not in current),
                    "removed": sorted(s.slug for pk, s in current.items() if pk not in wanted),
                },
            )
            removed = [pk for pk in current if pk not in wanted]
            changed.append("services")
    if changed:
        # Service health moves only with the severity or the services; other edits state no impact.
        moved = "severity" in changed or "services" in changed
        impact = _impact(incident, None if moved else [], removed)
        events.publish(
            IncidentUpdated(
                organization_id=organization.pk, actor=actor, **impact, number=incident.number, changed=tuple(changed)
            )
        )
    return incident


@transaction.atomic
def incident_milestones_update(*, incident: Incident, actor: Actor, reason: str, **milestones: Any) -> Incident:
    """Correct milestone times with a reason; `started_at` may never be later than any other milestone."""
    unknown = set(milestones) - set(MILESTONES)
    if unknown:
        raise ValueError(f"Unknown milestones: {sorted(unknown)}")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the times change (it goes in the timeline)."})
    incident = _lock(incident)
    now = timezone.now()
    changes = {}
    for field, value in milestones.items():
        if value is None and field in ("started_at", "declared_at"):
            raise ValidationError({field: "This milestone cannot be empty."})
        if value is not None and value > now:
            raise ValidationError({field: "Milestones cannot be in the future."})
        if value != getattr(incident, field):
            changes[field] = {
                "before": getattr(incident, field).isoformat() if getattr(incident, field) else None,
                "after": value.isoformat() if value else None,
            }
            setattr(incident, field, value)
    later = [
        f for f in MILESTONES[1:] if getattr(incident, f) is not None and getattr(incident, f) < incident.started_at
    ]
    if later:
        raise ValidationError(
            {"started_at": f"Impact cannot start after {', '.join(f.removesuffix('_at') for f in later)}."}
        )
    if not changes:
        return incident
    incident.save(update_fields=[*changes, "updated_at"])
    timeline_event_add(
        incident=incident,
        kind=TimelineKind.MILESTONE_CHANGED,
        actor=actor,
        payload={"changes": changes, "reason": reason.strip()},
    )
    return incident


@transaction.atomic
def status_update_post(
    *,
    incident: Incident,
    message: str,
    actor: Actor,
    visibility: str = StatusUpdateVisibility.INTERNAL,
    status: str | None = None,
) -> StatusUpdate:
    """Post a stakeholder update; with `status` it also moves the incident there."""
    if not (message or "").strip():
        raise ValidationError({"message": "Write the update."})
    if visibility not in StatusUpdateVisibility.values:
        raise ValidationError({"visibility": "Choose internal or external."})
    if incident.is_drill and visibility == StatusUpdateVisibility.EXTERNAL:
        raise ValidationError({"visibility": "Drills never publish external updates."})
    incident = _lock(incident)  # the update records the status as it is now, not as a caller last loaded it
    if status and status != incident.status:
        incident = incident_transition(incident=incident, status=status, actor=actor)
    update = StatusUpdate.objects.create(
        organization_id=incident.organization_id,
        incident=incident,
        message=message.strip(),
        status=incident.status,
        visibility=visibility,
        author=actor.user,
    )
    timeline_event_add(
        incident=incident,
        kind=TimelineKind.STATUS_UPDATE,
        actor=actor,
        payload={"visibility": visibility, "status": incident.status},
        body=update.message,
    )
    events.publish(
        StatusUpdatePosted(
            organization_id=incident.organization_id,
            actor=actor,
            incident_id=incident.pk,
            status_update_id=update.pk,
            visibility=visibility,
            status=incident.status,
        )
    )
    return update

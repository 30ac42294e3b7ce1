"""Writes of the incidents app. Every change writes a TimelineEvent (and an AuditEvent) in the same
transaction and publishes a domain event (incidents/events.py): the live pushes, service health, retrospectives
and the alert groups of a merged incident follow it by subscription."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import events, markdown
from incidents import defaults
from incidents.events import (
    IncidentDeclared,
    IncidentRoleAssigned,
    IncidentSeverityChanged,
    IncidentStatusChanged,
    IncidentUpdated,
    StatusUpdatePosted,
    TimelineEventAdded,
    TimelineEventPinned,
)
from incidents.models import (
    FORWARD,
    MILESTONES,
    Incident,
    IncidentRole,
    IncidentService,
    IncidentStatus,
    IncidentTask,
    IncidentType,
    RoleAssignment,
    Severity,
    StatusUpdate,
    StatusUpdateVisibility,
    TimelineEvent,
    TimelineKind,
    allowed_transitions,
)
from orgs import actions as org_actions
from orgs.models import Membership, Organization, User
from orgs.tenancy import Actor
from services.models import Service, ServiceHealth

# --- configuration --------------------------------------------------------------------------------


def organization_defaults_ensure(*, organization: Organization) -> None:
    """Give an org the default severities and roles if it has none (idempotent; runs when an org is created)."""
    with transaction.atomic():
        if not Severity.objects.for_org(organization).exists():
            Severity.objects.bulk_create(
                Severity(organization=organization, name=name, rank=rank, description=description, is_major=major)
                for name, rank, description, major in defaults.SEVERITIES
            )
        if not IncidentRole.objects.for_org(organization).exists():
            IncidentRole.objects.bulk_create(
                IncidentRole(
                    organization=organization,
                    name=name,
                    slug=slug,
                    description=description,
                    instructions=instructions,
                    checklist=checklist,
                    position=position,
                    is_commander=commander,
                )
                for position, (name, slug, description, instructions, checklist, commander) in enumerate(defaults.ROLES)
            )


# --- timeline -------------------------------------------------------------------------------------


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


def _lock(incident: Incident) -> Incident:
    return (
        Incident.objects.select_for_update(of=("self",)).select_related("organization", "severity").get(pk=incident.pk)
    )


# --- service health -------------------------------------------------------------------------------


def _health_for(rank: int) -> str:
    if rank <= 1:
        return ServiceHealth.MAJOR_OUTAGE
    if rank == 2:
        return ServiceHealth.PARTIAL_OUTAGE
    return ServiceHealth.DEGRADED_PERFORMANCE


def _impact(incident: Incident, service_ids: list[int] | None = None, removed: list[int] | None = None) -> dict:
    """The fields of an event that tell services what this incident does to its services' health now (services
    keeps one impact per incident and service; a service's health follows the worst)."""
    if service_ids is None:
        service_ids = list(IncidentService.objects.filter(incident=incident).values_list("service_id", flat=True))
    impacting = incident.is_open and not incident.is_drill
    return {
        "incident_id": incident.pk,
        "is_drill": incident.is_drill,
        "service_ids": tuple(sorted(service_ids)),
        "removed_service_ids": tuple(sorted(removed or ())),
        "services_health": _health_for(incident.severity.rank) if impacting else ServiceHealth.OPERATIONAL,
    }


# --- declare ----------------------------------------------------------------------------------------


def _check_member(organization: Organization, user: User | None, field: str) -> None:
    if user is not None and not Membership.objects.filter(organization=organization, user=user).exists():
        raise ValidationError({field: "Choose a member of this organization."})


def _check_services(organization: Organization, services: list[Service]) -> None:
    if any(service.organization_id != organization.pk for service in services):
        raise ValidationError({"services": "Services must belong to this organization."})


@transaction.atomic
def incident_declare(
    *,
    organization: Organization,
    actor: Actor,
    title: str,
    severity: Severity,
    services: list[Service] | None = None,
    summary: str = "",
    customer_impact: str = "",
    started_at: datetime | None = None,
    is_drill: bool = False,
    commander: User | None = None,
    status: str = IncidentStatus.INVESTIGATING,
    incident_type: IncidentType | None = None,
    detected_at: datetime | None = None,
) -> Incident:
    """Declare an incident with the next per-org number; the declarer (or `commander`) becomes IC and gets the
    checklist of the `incident_type`, if any, as tasks."""
    services = list(services or [])
    now = timezone.now()
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Give the incident a short title."})
    if severity.organization_id != organization.pk:
        raise ValidationError({"severity": "Choose a severity of this organization."})
    if incident_type is not None and incident_type.organization_id != organization.pk:
        raise ValidationError({"incident_type": "Choose an incident type of this organization."})
    if status not in (IncidentStatus.TRIAGE, IncidentStatus.INVESTIGATING):
        raise ValidationError({"status": "A new incident starts in triage or investigating."})
    if started_at is not None and started_at > now:
        raise ValidationError({"started_at": "The impact cannot start in the future."})
    if detected_at is not None and (detected_at > now or (started_at is not None and detected_at < started_at)):
        raise ValidationError({"detected_at": "Detection must be between the impact start and now."})
    _check_services(organization, services)
    commander = commander or actor.user
    _check_member(organization, commander, "commander")
    number = org_actions.counter_next(organization=organization, name="incident")
    incident = Incident.objects.create(
        organization=organization,
        number=number,
        title=title,
        severity=severity,
        incident_type=incident_type,
        status=status,
        summary=summary,
        customer_impact=customer_impact,
        is_drill=is_drill,
        declared_by=actor.user,
        started_at=started_at or now,
        detected_at=detected_at or now,
        declared_at=now,
        acknowledged_at=now if actor.user is not None else None,
    )
    IncidentService.objects.bulk_create(
        IncidentService(organization=organization, incident=incident, service=service) for service in services
    )
    timeline_event_add(
        incident=incident,
        kind=TimelineKind.DECLARED,
        actor=actor,
        payload={
            "title": title,
            "severity": severity.name,
            "type": incident_type.name if incident_type else None,
            "status": status,
            "is_drill": is_drill,
            "services": sorted(service.slug for service in services),
        },
        occurred_at=now,
    )
    if commander is not None:
        role = IncidentRole.objects.for_org(organization).filter(is_commander=True).first()
        if role is not None:
            role_assign(incident=incident, role=role, user=commander, actor=actor)
    if incident_type is not None:
        IncidentTask.objects.bulk_create(
            IncidentTask(
                organization=organization, incident=incident, title=item, assignee=commander, created_by=actor.user
            )
            for item in incident_type.checklist
        )
    events.publish(
        IncidentDeclared(
            organization_id=organization.pk,
            actor=actor,
            **_impact(incident, [service.pk for service in services]),
            number=incident.number,
            title=title,
            severity=severity.name,
            status=status,
        )
    )
    return incident


# --- lifecycle ----------------------------------------------------------------------------------


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
    timeline_event_add(incident=incident, kind=TimelineKind.STATUS_CHANGED, actor=actor, payload=payload)
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
        timeline_event_add(
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


# --- roles and tasks ----------------------------------------------------------------------------


@transaction.atomic
def role_assign(*, incident: Incident, role: IncidentRole, user: User, actor: Actor) -> RoleAssignment:
    """Give `user` the role (handing it over from the current holder); the checklist becomes their tasks."""
    incident = _lock(incident)
    if role.organization_id != incident.organization_id:
        raise ValidationError({"role": "Choose a role of this organization."})
    _check_member(incident.organization, user, "user")
    now = timezone.now()
    current = RoleAssignment.objects.filter(incident=incident, role=role, released_at=None).select_related("user")
    previous = current.first()
    if previous is not None and previous.user_id == user.pk:
        return previous
    if previous is not None:
        previous.released_at = now
        previous.save(update_fields=["released_at", "updated_at"])
    assignment = RoleAssignment.objects.create(
        organization_id=incident.organization_id,
        incident=incident,
        role=role,
        user=user,
        assigned_by=actor.user,
        assigned_at=now,
    )
    open_role_tasks = IncidentTask.objects.filter(incident=incident, role=role, completed_at=None)
    if IncidentTask.objects.filter(incident=incident, role=role).exists():
        open_role_tasks.update(assignee=user, updated_at=now)
    else:
        IncidentTask.objects.bulk_create(
            IncidentTask(
                organization_id=incident.organization_id,
                incident=incident,
                title=item,
                assignee=user,
                role=role,
                created_by=actor.user,
            )
            for item in role.checklist
        )
    timeline_event_add(
        incident=incident,
        kind=TimelineKind.ROLE_ASSIGNED,
        actor=actor,
        payload={
            "role": role.name,
            "user": user.display_name,
            "previous": previous.user.display_name if previous else None,
        },
    )
    events.publish(
        IncidentRoleAssigned(
            organization_id=incident.organization_id,
            actor=actor,
            incident_id=incident.pk,
            role_id=role.pk,
            role=role.name,
            user_id=user.pk,
            previous_user_id=previous.user_id if previous else None,
        )
    )
    return assignment


@transaction.atomic
def role_release(*, incident: Incident, role: IncidentRole, actor: Actor) -> None:
    """Leave the role unassigned (history stays)."""
    incident = _lock(incident)
    current = (
        RoleAssignment.objects.filter(incident=incident, role=role, released_at=None).select_related("user").first()
    )
    if current is None:
        return
    current.released_at = timezone.now()
    current.save(update_fields=["released_at", "updated_at"])
    timeline_event_add(
        incident=incident,
        kind=TimelineKind.ROLE_RELEASED,
        actor=actor,
        payload={"role": role.name, "user": current.user.display_name},
    )


@transaction.atomic
def task_add(*, incident: Incident, title: str, actor: Actor, assignee: User | None = None) -> IncidentTask:
    """Add a task to the incident, optionally assigned to a member."""
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Describe the task."})
    _check_member(incident.organization, assignee, "assignee")
    task = IncidentTask.objects.create(
        organization_id=incident.organization_id,
        incident=incident,
        title=title,
        assignee=assignee,
        created_by=actor.user,
    )
    timeline_event_add(
        incident=incident,
        kind=TimelineKind.TASK_ADDED,
        actor=actor,
        payload={"task": title, "assignee": assignee.display_name if assignee else None},
    )
    return task


@transaction.atomic
def task_complete(*, task: IncidentTask, actor: Actor, completed: bool = True) -> IncidentTask:
    """Mark a task done (or not done again); idempotent."""
    task = IncidentTask.objects.select_for_update(of=("self",)).select_related("incident").get(pk=task.pk)
    if (task.completed_at is not None) == completed:
        return task
    task.completed_at = timezone.now() if completed else None
    task.completed_by = actor.user if completed else None
    task.save(update_fields=["completed_at", "completed_by", "updated_at"])
    timeline_event_add(
        incident=task.incident,
        kind=TimelineKind.TASK_COMPLETED if completed else TimelineKind.TASK_REOPENED,
        actor=actor,
        payload={"task": task.title},
    )
    return task


@transaction.atomic
def task_assign(*, task: IncidentTask, assignee: User | None, actor: Actor) -> IncidentTask:
    """Give a task to a member (or nobody); a no-op when nothing changes."""
    task = IncidentTask.objects.select_for_update(of=("self",)).select_related("incident", "assignee").get(pk=task.pk)
    _check_member(task.incident.organization, assignee, "assignee")
    if task.assignee_id == (assignee.pk if assignee else None):
        return task
    previous = task.assignee
    task.assignee = assignee
    task.save(update_fields=["assignee", "updated_at"])
    timeline_event_add(
        incident=task.incident,
        kind=TimelineKind.TASK_ASSIGNED,
        actor=actor,
        payload={
            "task": task.title,
            "assignee": assignee.display_name if assignee else None,
            "previous": previous.display_name if previous else None,
        },
    )
    return task


# --- notes and status updates ------------------------------------------------------------------------


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


@transaction.atomic
def incident_alerts_attached(*, incident: Incident, groups: list[dict[str, Any]], actor: Actor) -> TimelineEvent:
    """Record on the timeline that alert groups were attached (the alerting app owns the link itself).

    `groups` are plain summaries: {"id", "title", "severity", "service", "alert_count"}.
    """
    return timeline_event_add(
        incident=incident, kind=TimelineKind.ALERT_ATTACHED, actor=actor, payload={"groups": groups}
    )

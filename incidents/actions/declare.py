"""Declaring an incident: the next per-org number, its services, its commander and its type's checklist."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import events
from incidents.actions.common import _check_member, _check_services, _impact
from incidents.actions.roles import role_assign
from incidents.actions.timeline import timeline_event_add
from incidents.events import IncidentDeclared
from incidents.models import (
    Incident,
    IncidentRole,
    IncidentService,
    IncidentStatus,
    IncidentTask,
    IncidentType,
    Severity,
    TimelineKind,
)
from orgs import actions as org_actions
from orgs.models import Organization, User
from orgs.tenancy import Actor
from services.models import Service


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

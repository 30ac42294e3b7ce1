"""Alert groups and incidents: attaching groups to an incident (the timeline records it through
`alert_group.attached`), following an incident that merged, and declaring an incident from a group."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alerting.actions.groups import group_audit, groups_changed
from alerting.actions.triage import alert_group_acknowledge
from alerting.events import AlertGroupsAttached, AttachedGroup
from alerting.models import AlertGroup
from core import events
from incidents import actions as incident_actions
from incidents.models import Incident, IncidentStatus, Severity
from orgs.tenancy import Actor

ALERT_TO_INCIDENT_SEVERITY = {"critical": "SEV1", "error": "SEV2", "warning": "SEV3", "info": "SEV4"}


def _group_summary(group: AlertGroup) -> AttachedGroup:
    return AttachedGroup(
        id=str(group.uuid),
        title=group.title,
        severity=group.severity,
        service=group.service.slug,
        alert_count=group.alert_count,
        path=f"/o/{group.organization.slug}/alerts/{group.uuid}/",
    )


def incident_severity_for(*, group: AlertGroup) -> Severity | None:
    """The org's incident severity that matches the group's alert severity (SEV1 for critical, …)."""
    severities = {s.name: s for s in Severity.objects.for_org(group.organization_id)}
    return severities.get(ALERT_TO_INCIDENT_SEVERITY.get(group.severity, "SEV3")) or next(
        iter(sorted(severities.values(), key=lambda s: -s.rank)), None
    )


@transaction.atomic
def alert_group_attach(*, group: AlertGroup, incident: Incident, actor: Actor) -> AlertGroup:
    """Attach a group to an open incident of the same org; the incident's timeline records it."""
    group = (
        AlertGroup.objects.select_for_update(of=("self",)).select_related("organization", "service").get(pk=group.pk)
    )
    if incident.organization_id != group.organization_id:
        raise ValidationError({"incident": "Choose an incident of this organization."})
    if not incident.is_open:
        raise ValidationError({"incident": f"{incident.reference} is {incident.status}; attach to an open incident."})
    if group.incident_id == incident.pk:
        return group
    group.incident = incident
    group.save(update_fields=["incident", "updated_at"])
    group_audit(group, actor, "attached", {"incident": {"before": None, "after": incident.reference}})
    events.publish(
        AlertGroupsAttached(
            organization_id=group.organization_id, actor=actor, incident_id=incident.pk, groups=(_group_summary(group),)
        )
    )
    groups_changed([group], actor=actor)
    return group


def alert_groups_follow_merge(*, incident: Incident, actor: Actor) -> None:
    """When an incident merges into another, its alert groups move with it, so the incident people keep working
    shows every alert behind it (its timeline records them as attached). Runs in the merge's transaction."""
    if incident.status != IncidentStatus.MERGED or incident.merged_into_id is None:
        return
    groups = list(
        AlertGroup.objects.select_for_update(of=("self",))
        .select_related("organization", "service")
        .filter(incident=incident)
        .order_by("pk")
    )
    if not groups:
        return
    target = incident.merged_into
    AlertGroup.objects.filter(pk__in=[g.pk for g in groups]).update(incident=target, updated_at=timezone.now())
    change = {"incident": {"before": incident.reference, "after": target.reference}}
    for group in groups:
        group_audit(group, actor, "attached", change)
    events.publish(
        AlertGroupsAttached(
            organization_id=incident.organization_id,
            actor=actor,
            incident_id=target.pk,
            previous_incident_id=incident.pk,
            groups=tuple(_group_summary(g) for g in groups),
        )
    )
    groups_changed(groups, actor=actor)


@transaction.atomic
def alert_group_escalate(
    *, group: AlertGroup, actor: Actor, title: str | None = None, severity: Severity | None = None
) -> Incident:
    """Declare an incident from a group: title from its summary, severity mapped, its service, and
    `started_at`/`detected_at` from the first alert; the group is attached and acknowledged. A group of a drill
    integration declares a drill incident."""
    group = AlertGroup.objects.select_related("organization", "service", "integration").get(pk=group.pk)
    if group.incident_id is not None:
        raise ValidationError({"group": f"This alert group is already on {group.incident.reference}."})
    severity = severity or incident_severity_for(group=group)
    if severity is None:
        raise ValidationError({"severity": "This organization has no incident severities yet."})
    incident = incident_actions.incident_declare(
        organization=group.organization,
        actor=actor,
        title=(title or group.title)[:200],
        severity=severity,
        services=[group.service],
        started_at=group.first_seen,
        detected_at=group.first_seen,
        is_drill=group.integration.is_drill,
    )
    alert_group_attach(group=group, incident=incident, actor=actor)
    # Someone is on it now: paging for the group stops.
    alert_group_acknowledge(group=group, actor=actor)
    return incident

"""Public incidents follow their incidents (called by statuspage/subscribers.py, in the incident's transaction,
which holds the incident's row lock): an external status update of a non-drill incident publishes a PublicUpdate
on the org's default page, making the PublicIncident on the first one; status, title, impact and affected
components follow the incident until someone overrides title or impact. Drills never publish anything."""

from django.db import transaction
from django.utils import timezone

from core import events
from incidents.models import Incident, StatusUpdate, StatusUpdateVisibility
from orgs.tenancy import Actor
from statuspage import rules
from statuspage.events import PublicIncidentChanged, PublicUpdatePosted
from statuspage.models import (
    Component,
    PublicIncident,
    PublicIncidentComponent,
    PublicIncidentStatus,
    PublicUpdate,
    PublicUpdateComponent,
    StatusPage,
)


def _incident_impact(incident: Incident) -> str:
    return rules.impact_for_severity(rank=incident.severity.rank, is_major=incident.severity.is_major)


def _incident_component_ids(*, incident: Incident, page: StatusPage) -> set[int]:
    """The page's components of the incident's services."""
    service_ids = incident.services.values("pk")
    return set(Component.objects.filter(page=page, service__in=service_ids).values_list("pk", flat=True))


def _status_apply(public: PublicIncident, status: str) -> list[str]:
    """Move a public incident to `status`, stamping monitoring/resolved times; the fields that changed."""
    if public.status == status:
        return []
    now = timezone.now()
    public.status = status
    changed = ["status"]
    if status == PublicIncidentStatus.MONITORING and public.monitoring_at is None:
        public.monitoring_at = now
        changed.append("monitoring_at")
    if status in (PublicIncidentStatus.RESOLVED, PublicIncidentStatus.POSTMORTEM):
        if public.resolved_at is None:
            public.resolved_at = now
            changed.append("resolved_at")
    elif public.resolved_at is not None:  # reopened
        public.resolved_at = None
        changed.append("resolved_at")
    return changed


def _follow_incident(public: PublicIncident, incident: Incident) -> list[str]:
    """Copy what the public record takes from its incident (title, impact, components); the fields that changed."""
    changed = []
    if not public.title_overridden and public.title != incident.title:
        public.title = incident.title
        changed.append("title")
    impact = _incident_impact(incident)
    if not public.impact_overridden and public.impact != impact:
        public.impact = impact
        changed.append("impact")
    wanted = _incident_component_ids(incident=incident, page=public.page)
    have = set(public.component_links.values_list("component_id", flat=True))
    if wanted - have:
        PublicIncidentComponent.objects.bulk_create(
            PublicIncidentComponent(organization_id=public.organization_id, public_incident=public, component_id=pk)
            for pk in sorted(wanted - have)
        )
        changed.append("components")
    # A component the incident no longer affects stays listed: the public record says what was affected.
    return changed


@transaction.atomic
def public_update_publish(*, status_update_id: int, actor: Actor | None) -> PublicUpdate | None:
    """Publish an external status update on the org's default page (idempotent: once per status update).
    Nothing for an internal update, a drill, or an org without a default page."""
    update = StatusUpdate.objects.select_related("incident__severity").get(pk=status_update_id)
    incident = update.incident
    if update.visibility != StatusUpdateVisibility.EXTERNAL or incident.is_drill:
        return None
    existing = PublicUpdate.objects.filter(status_update=update).first()
    if existing is not None:
        return existing
    public = (
        PublicIncident.objects.select_for_update()
        .select_related("page")
        .filter(organization_id=incident.organization_id, incident=incident)
        .order_by("pk")
        .first()
    )
    created = public is None
    status = rules.public_status(update.status)
    if public is None:
        page = StatusPage.objects.filter(organization_id=incident.organization_id, is_default=True).first()
        if page is None:
            return None
        public = PublicIncident.objects.create(
            organization_id=incident.organization_id,
            page=page,
            incident=incident,
            title=incident.title,
            impact=_incident_impact(incident),
            status=PublicIncidentStatus.INVESTIGATING,
            started_at=update.created_at,
        )
        _follow_incident(public, incident)
        changed = _status_apply(public, status)
    else:
        changed = _follow_incident(public, incident) + _status_apply(public, status)
    public.save()
    public_update = PublicUpdate.objects.create(
        organization_id=public.organization_id,
        public_incident=public,
        status=status,
        body=update.message,
        status_update=update,
        display_at=update.created_at,
    )
    component_status = (
        rules.ComponentStatus.OPERATIONAL
        if status not in rules.OPEN_PUBLIC_STATUSES
        else rules.IMPACT_COMPONENT_STATUS[public.impact]
    )
    PublicUpdateComponent.objects.bulk_create(
        PublicUpdateComponent(
            organization_id=public.organization_id,
            public_update=public_update,
            component_id=pk,
            status=component_status,
        )
        for pk in public.component_links.order_by("pk").values_list("component_id", flat=True)
    )
    events.publish(
        PublicUpdatePosted(
            organization_id=public.organization_id,
            actor=actor,
            public_incident_id=public.pk,
            public_update_id=public_update.pk,
            page_id=public.page_id,
            status=status,
        )
    )
    if changed and not created:
        _changed_publish(public, changed, actor)
    return public_update


def _changed_publish(public: PublicIncident, changed: list[str], actor: Actor | None) -> None:
    events.publish(
        PublicIncidentChanged(
            organization_id=public.organization_id,
            actor=actor,
            public_incident_id=public.pk,
            page_id=public.page_id,
            fields=tuple(dict.fromkeys(changed)),
        )
    )


@transaction.atomic
def public_incident_follow(*, incident_id: int, actor: Actor | None, status: str | None = None) -> list[PublicIncident]:
    """Bring the public records of an incident in line with it (its status when `status` is given, title, impact,
    components); no-op for an incident that was never published."""
    publics = list(
        PublicIncident.objects.select_for_update().select_related("page").filter(incident_id=incident_id).order_by("pk")
    )
    if not publics:
        return []
    incident = Incident.objects.select_related("severity").get(pk=incident_id)
    if incident.is_drill:
        return []
    for public in publics:
        changed = _follow_incident(public, incident)
        if status is not None:
            changed += _status_apply(public, rules.public_status(status))
        if changed:
            public.save()
            _changed_publish(public, changed, actor)
    return publics

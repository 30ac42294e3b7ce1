"""A status page with something of everything the public side shows, built through the real actions where they
exist: a group of two components and one ungrouped, an open and a resolved public incident (from external status
updates), a maintenance in progress and one upcoming, and a drill with an external update."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from core import events
from incidents import actions as incident_actions
from incidents.events import StatusUpdatePosted
from incidents.models import Incident, IncidentStatus, StatusUpdateVisibility
from orgs.models import Membership
from orgs.tenancy import Actor
from statuspage.models import Component, ComponentGroup, Maintenance, MaintenanceStatus, StatusPage
from tests.factories import (
    ComponentFactory,
    ComponentGroupFactory,
    IncidentFactory,
    MaintenanceComponentFactory,
    MaintenanceFactory,
    MaintenanceUpdateFactory,
    PublicIncidentComponentFactory,
    PublicIncidentFactory,
    PublicUpdateFactory,
    ServiceFactory,
    SeverityFactory,
    StatusPageFactory,
    StatusUpdateFactory,
)

EXTERNAL = StatusUpdateVisibility.EXTERNAL
DRILL_TEXT = "DRILL-checkout-exercise"


@dataclass
class World:
    page: StatusPage
    group: ComponentGroup
    api: Component
    web: Component
    docs: Component
    open_incident: Incident
    resolved_incident: Incident
    drill: Incident
    active: Maintenance
    upcoming: Maintenance


def build(member: Membership) -> World:
    org = member.organization
    actor = Actor(user=member.user)
    page = StatusPageFactory(organization=org, slug="acme", title="Acme status", is_default=True)
    group = ComponentGroupFactory(page=page, organization=org, name="Core platform", position=1)
    api_service = ServiceFactory(organization=org, name="API")
    web_service = ServiceFactory(organization=org, name="Web")
    api = ComponentFactory(page=page, organization=org, group=group, service=api_service, name="API", position=1)
    web = ComponentFactory(page=page, organization=org, group=group, service=web_service, name="Web app", position=2)
    docs = ComponentFactory(page=page, organization=org, name="Docs", position=0, description="Product docs")
    sev2 = SeverityFactory(organization=org, name="SEV2", rank=2, is_major=True)
    sev3 = SeverityFactory(organization=org, name="SEV3", rank=3, is_major=False)

    resolved = IncidentFactory(organization=org, severity=sev3, services=[web_service], title="Slow web app")
    incident_actions.status_update_post(incident=resolved, message="Web app is slow.", actor=actor, visibility=EXTERNAL)
    incident_actions.status_update_post(
        incident=resolved, message="Fixed.", actor=actor, visibility=EXTERNAL, status=IncidentStatus.RESOLVED
    )
    open_incident = IncidentFactory(organization=org, severity=sev2, services=[api_service], title="API errors")
    incident_actions.status_update_post(
        incident=open_incident, message="We see API errors.", actor=actor, visibility=EXTERNAL
    )
    incident_actions.status_update_post(
        incident=open_incident,
        message="A bad deploy; rolling back.",
        actor=actor,
        visibility=EXTERNAL,
        status=IncidentStatus.IDENTIFIED,
    )

    drill = IncidentFactory(organization=org, severity=sev2, services=[api_service], title=DRILL_TEXT, is_drill=True)
    update = StatusUpdateFactory(incident=drill, visibility=EXTERNAL, message=DRILL_TEXT)
    events.publish(
        StatusUpdatePosted(
            organization_id=org.pk,
            actor=actor,
            incident_id=drill.pk,
            status_update_id=update.pk,
            visibility=EXTERNAL,
            status=drill.status,
        )
    )
    # Even a public row for a drill made behind the actions' back is never shown.
    rogue = PublicIncidentFactory(page=page, organization=org, incident=drill, title=DRILL_TEXT)
    PublicUpdateFactory(public_incident=rogue, organization=org, body=DRILL_TEXT)
    PublicIncidentComponentFactory(public_incident=rogue, organization=org, component=api)

    now = timezone.now()
    active = MaintenanceFactory(
        page=page,
        organization=org,
        title="Docs hosting move",
        status=MaintenanceStatus.IN_PROGRESS,
        scheduled_for=now - timedelta(hours=1),
        scheduled_until=now + timedelta(hours=1),
        started_at=now - timedelta(hours=1),
    )
    MaintenanceComponentFactory(maintenance=active, organization=org, component=docs)
    MaintenanceUpdateFactory(maintenance=active, organization=org, body="Moving docs now.")
    upcoming = MaintenanceFactory(page=page, organization=org, title="Database upgrade")
    MaintenanceComponentFactory(maintenance=upcoming, organization=org, component=api)
    MaintenanceUpdateFactory(maintenance=upcoming, organization=org, body="Scheduled for tomorrow.")
    return World(page, group, api, web, docs, open_incident, resolved, drill, active, upcoming)

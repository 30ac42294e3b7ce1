"""Demo data of the statuspage app for `seed_demo` (idempotent): the demo org's default status page with one
group of components (its production services), the live incident's external update published on it through the
real path, a past resolved public incident with two updates, and a maintenance announced for later this week."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from incidents.models import Incident, StatusUpdate, StatusUpdateVisibility
from orgs.models import Organization
from orgs.tenancy import Actor
from services.models import Service
from statuspage import actions, publishing
from statuspage.models import (
    Component,
    PublicIncident,
    PublicIncidentComponent,
    PublicIncidentImpact,
    PublicIncidentStatus,
    PublicUpdate,
    PublicUpdateComponent,
    StatusPage,
)
from statuspage.rules import IMPACT_COMPONENT_STATUS

DEMO_ORDER = 75  # after the incidents (30) whose external updates it publishes, before retros (core.demo)

COMPONENTS = ["web", "api-gateway", "checkout", "payments", "search", "notifications", "billing", "postgres"]
PAST_TITLE = "Card processor timeouts"


@transaction.atomic
def seed_demo(*, organization: Organization) -> None:
    """Add this app's demo rows to the demo organization; running it twice changes nothing."""
    if StatusPage.objects.for_org(organization).exists():
        return
    actor = Actor.system()
    page = actions.status_page_create(
        organization=organization,
        actor=actor,
        title=f"{organization.name} status",
        slug="status",
        description="Live status of our customer-facing services.",
        is_default=True,
    )
    group = actions.component_group_create(page=page, actor=actor, name="Platform")
    services = {s.slug: s for s in Service.objects.for_org(organization).filter(slug__in=COMPONENTS)}
    components = {}
    for slug in COMPONENTS:
        if slug in services:
            service = services[slug]
            components[slug] = actions.component_create(
                page=page, actor=actor, name=service.name, service=service, group=group
            )

    # The live incident's external updates were posted before the page existed: publish them the real way.
    for update_id in (
        StatusUpdate.objects.for_org(organization)
        .filter(visibility=StatusUpdateVisibility.EXTERNAL, incident__is_drill=False)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    ):
        publishing.public_update_publish(status_update_id=update_id, actor=actor)

    past = Incident.objects.for_org(organization).filter(title=PAST_TITLE).prefetch_related("services").first()
    if past is not None and past.resolved_at is not None:
        _past_incident(
            page=page, incident=past, components=[c for c in components.values() if c.service in past.services.all()]
        )

    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    start = now + timedelta(days=3)
    actions.maintenance_schedule(
        page=page,
        actor=actor,
        title="Database upgrade to PostgreSQL 17",
        scheduled_for=start,
        scheduled_until=start + timedelta(hours=2),
        body="Checkout and billing may be read-only for up to 10 minutes during the switch-over.",
        components=[components[s] for s in ("postgres", "checkout", "billing") if s in components],
    )


def _past_incident(*, page: StatusPage, incident: Incident, components: list[Component]) -> None:
    """A resolved public incident, back-dated to when the demo incident happened (demo only: the real path is
    publishing.public_update_publish, at the time of each external update)."""
    org = page.organization
    impact = PublicIncidentImpact.MAJOR
    public = PublicIncident.objects.create(
        organization=org,
        page=page,
        incident=incident,
        title="Card payments failing for some customers",
        title_overridden=True,
        impact=impact,
        status=PublicIncidentStatus.RESOLVED,
        started_at=incident.started_at,
        monitoring_at=incident.mitigated_at,
        resolved_at=incident.resolved_at,
    )
    PublicIncidentComponent.objects.bulk_create(
        PublicIncidentComponent(organization=org, public_incident=public, component=c) for c in components
    )
    updates = [
        (PublicIncidentStatus.INVESTIGATING, incident.detected_at or incident.started_at,
         "Some card payments are timing out. We are investigating.", IMPACT_COMPONENT_STATUS[impact]),
        (PublicIncidentStatus.RESOLVED, incident.resolved_at,
         "Our card processor's latency is back to normal and payments succeed again. We are sorry for the trouble.",
         "operational"),
    ]  # fmt: skip
    for status, at, body, component_status in updates:
        update = PublicUpdate.objects.create(
            organization=org, public_incident=public, status=status, body=body, display_at=at
        )
        PublicUpdateComponent.objects.bulk_create(
            PublicUpdateComponent(organization=org, public_update=update, component=c, status=component_status)
            for c in components
        )

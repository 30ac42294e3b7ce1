"""Public incidents follow incidents through domain events: an external status update of a non-drill incident is
published on the org's default page; internal updates, drills and orgs without a page publish nothing."""

import pytest

from core import events
from incidents import actions as incident_actions
from incidents.events import StatusUpdatePosted
from incidents.models import IncidentStatus, StatusUpdateVisibility
from orgs.tenancy import Actor
from statuspage.models import (
    ComponentStatus,
    PublicIncident,
    PublicIncidentImpact,
    PublicIncidentStatus,
    PublicUpdate,
    PublicUpdateComponent,
)
from tests.factories import (
    ComponentFactory,
    IncidentFactory,
    ServiceFactory,
    SeverityFactory,
    StatusPageFactory,
    StatusUpdateFactory,
)

pytestmark = pytest.mark.django_db

EXTERNAL = StatusUpdateVisibility.EXTERNAL


@pytest.fixture
def page(org):
    return StatusPageFactory(organization=org, slug="acme", title="Acme status", is_default=True)


@pytest.fixture
def checkout(org, page):
    service = ServiceFactory(organization=org, name="Checkout")
    return ComponentFactory(page=page, organization=org, service=service, name="Checkout")


def declared(org, *, services=(), rank=2, is_major=True, is_drill=False, title="Checkout errors"):
    severity = SeverityFactory(organization=org, name=f"SEV{rank}", rank=rank, is_major=is_major)
    return IncidentFactory(organization=org, severity=severity, services=list(services), is_drill=is_drill, title=title)


def post(incident, member, message="We are investigating.", visibility=EXTERNAL, status=None):
    return incident_actions.status_update_post(
        incident=incident, message=message, actor=Actor(user=member.user), visibility=visibility, status=status
    )


def test_first_external_update_makes_the_public_incident_with_its_components(org, member, checkout, published):
    incident = declared(org, services=[checkout.service])

    update = post(incident, member)

    public = PublicIncident.objects.get()
    assert (public.page.slug, public.incident, public.title) == ("acme", incident, "Checkout errors")
    assert (public.impact, public.status, public.resolved_at) == ("major", "investigating", None)
    assert list(public.components.all()) == [checkout]
    assert list(public.updates.values_list("body", "status", "status_update")) == [
        ("We are investigating.", "investigating", update.pk)
    ]
    assert list(PublicUpdateComponent.objects.values_list("component", "status")) == [
        (checkout.pk, ComponentStatus.PARTIAL_OUTAGE)
    ]
    assert [e.name for e in published if e.name.startswith("public_")] == ["public_update.posted"]


def test_each_external_update_adds_one_public_update_and_moves_the_status(org, member, checkout):
    incident = declared(org, services=[checkout.service])
    post(incident, member)

    post(incident, member, "Found it: a bad deploy.", status=IncidentStatus.IDENTIFIED)
    post(incident, member, "Internal chatter", visibility=StatusUpdateVisibility.INTERNAL)
    post(incident, member, "Fixed.", status=IncidentStatus.RESOLVED)

    public = PublicIncident.objects.get()
    assert list(public.updates.order_by("pk").values_list("status", "body")) == [
        ("investigating", "We are investigating."),
        ("identified", "Found it: a bad deploy."),
        ("resolved", "Fixed."),
    ]
    assert public.status == PublicIncidentStatus.RESOLVED
    assert public.resolved_at is not None


def test_the_same_status_update_event_twice_publishes_once(org, member, checkout):
    incident = declared(org, services=[checkout.service])
    update = post(incident, member)
    event = StatusUpdatePosted(
        organization_id=org.pk,
        actor=None,
        incident_id=incident.pk,
        status_update_id=update.pk,
        visibility=EXTERNAL,
        status=incident.status,
    )

    events.publish(event)

    assert PublicUpdate.objects.count() == 1


def test_status_change_without_an_update_resolves_and_reopens_the_public_incident(org, member, checkout):
    incident = declared(org, services=[checkout.service])
    post(incident, member)
    actor = Actor(user=member.user)

    incident_actions.incident_transition(incident=incident, status=IncidentStatus.RESOLVED, actor=actor)
    resolved = PublicIncident.objects.get()
    incident_actions.incident_transition(incident=incident, status=IncidentStatus.INVESTIGATING, actor=actor)
    reopened = PublicIncident.objects.get()

    assert (resolved.status, resolved.resolved_at is not None) == ("resolved", True)
    assert (reopened.status, reopened.resolved_at) == ("investigating", None)


def test_title_and_severity_follow_the_incident_unless_overridden(org, member, checkout):
    incident = declared(org, services=[checkout.service])
    post(incident, member)
    sev1 = SeverityFactory(organization=org, name="SEV1", rank=1, is_major=True)

    incident_actions.incident_update(
        incident=incident, actor=Actor(user=member.user), title="Checkout down", severity=sev1
    )
    followed = PublicIncident.objects.get()
    PublicIncident.objects.update(title="Payments degraded", title_overridden=True)
    incident_actions.incident_update(incident=incident, actor=Actor(user=member.user), title="Checkout back")

    assert (followed.title, followed.impact) == ("Checkout down", PublicIncidentImpact.CRITICAL)
    assert PublicIncident.objects.get().title == "Payments degraded"


@pytest.mark.parametrize(
    ("rank", "is_major", "impact"),
    [(1, True, "critical"), (2, True, "major"), (3, False, "minor"), (5, False, "minor")],
)
def test_impact_follows_the_severity_rule(org, member, page, rank, is_major, impact):
    post(declared(org, rank=rank, is_major=is_major), member)

    assert PublicIncident.objects.get().impact == impact


def test_a_drill_never_publishes_even_with_external_updates(org, member, checkout):
    drill = declared(org, services=[checkout.service], is_drill=True)
    update = StatusUpdateFactory(incident=drill, visibility=EXTERNAL, message="Drill: checkout down")

    events.publish(
        StatusUpdatePosted(
            organization_id=org.pk,
            actor=None,
            incident_id=drill.pk,
            status_update_id=update.pk,
            visibility=EXTERNAL,
            status=drill.status,
        )
    )
    incident_actions.incident_transition(incident=drill, status=IncidentStatus.RESOLVED, actor=Actor(user=member.user))

    assert PublicIncident.objects.exists() is False
    assert PublicUpdate.objects.exists() is False


def test_internal_updates_and_orgs_without_a_default_page_publish_nothing(org, member):
    incident = declared(org)

    post(incident, member, visibility=StatusUpdateVisibility.INTERNAL)
    post(incident, member)

    assert PublicIncident.objects.exists() is False

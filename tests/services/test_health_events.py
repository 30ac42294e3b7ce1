"""Service health follows incidents by subscription: services (below incidents) subscribes to the incident events
by name, keeps one impact per incident and service (ServiceImpact) and moves each service to its worst impact.
The end-to-end behaviour through incident actions is in tests/incidents/test_actions.py ("service health")."""

from types import SimpleNamespace

import pytest

from core import events
from orgs.models import AuditEvent
from orgs.tenancy import Actor
from services import actions, subscribers
from services.models import Service, ServiceImpact
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system()


def incident_event(name: str, org, incident_id: int, services, health: str, removed=(), is_drill=False):
    """An incident event as services sees it: only the fields it reads (it never imports incidents)."""
    return SimpleNamespace(
        name=name,
        organization_id=org.pk,
        actor=SYSTEM,
        incident_id=incident_id,
        is_drill=is_drill,
        service_ids=tuple(s.pk for s in services),
        removed_service_ids=tuple(s.pk for s in removed),
        services_health=health,
    )


@pytest.fixture
def only_services_subscribed():
    """Publish to services' subscribers alone: the other apps' would expect real incident events."""
    with events.isolated_subscriptions():
        subscribers.register()
        yield


def health(*services: Service) -> list[str]:
    return [Service.objects.get(pk=s.pk).health for s in services]


def impacts(org) -> list[tuple[str, int, str]]:
    rows = ServiceImpact.objects.for_org(org).order_by("service__slug", "incident_id")
    return list(rows.values_list("service__slug", "incident_id", "health"))


def test_services_subscribes_by_name_to_the_events_that_move_health():
    assert sorted(
        (s.event_name, s.when) for s in events.subscriptions() if s.handler is subscribers.health_follow_incident
    ) == [
        ("incident.declared", "in_transaction"),
        ("incident.status_changed", "in_transaction"),
        ("incident.updated", "in_transaction"),
    ]


def test_the_worst_impact_wins_and_the_last_one_gone_restores_operational(org, only_services_subscribed):
    api, web = ServiceFactory(organization=org, slug="api"), ServiceFactory(organization=org, slug="web")

    events.publish(incident_event("incident.declared", org, 7, [api], "degraded_performance"))
    events.publish(incident_event("incident.declared", org, 8, [api, web], "major_outage"))
    assert health(api, web) == ["major_outage", "major_outage"]
    assert impacts(org) == [
        ("api", 7, "degraded_performance"),
        ("api", 8, "major_outage"),
        ("web", 8, "major_outage"),
    ]

    events.publish(incident_event("incident.updated", org, 8, [web], "partial_outage", removed=[api]))
    assert health(api, web) == ["degraded_performance", "partial_outage"]

    events.publish(incident_event("incident.status_changed", org, 8, [web], "operational"))
    events.publish(incident_event("incident.status_changed", org, 7, [api], "operational"))
    assert health(api, web) == ["operational", "operational"]
    assert impacts(org) == []


def test_an_event_stating_no_services_touches_nothing_and_drills_are_ignored(org, only_services_subscribed):
    api = ServiceFactory(organization=org, slug="api", health="under_maintenance")  # set by hand

    events.publish(incident_event("incident.updated", org, 7, [], "major_outage"))
    events.publish(incident_event("incident.declared", org, 8, [api], "major_outage", is_drill=True))

    assert health(api) == ["under_maintenance"]
    assert impacts(org) == []
    assert AuditEvent.objects.filter(action="service.updated").exists() is False


def test_a_health_change_is_audited_as_the_incident_actor_and_repeats_change_nothing(org):
    api = ServiceFactory(organization=org, slug="api")

    for _ in range(2):
        actions.service_impacts_record(
            organization_id=org.pk,
            incident_id=7,
            service_ids=[api.pk],
            removed_service_ids=[],
            health="partial_outage",
            actor=SYSTEM,
        )

    assert list(AuditEvent.objects.filter(action="service.updated").values_list("target_id", "changes")) == [
        ("api", {"health": {"before": "operational", "after": "partial_outage"}})
    ]
    assert impacts(org) == [("api", 7, "partial_outage")]


def test_another_orgs_services_are_never_touched(org, other_org, only_services_subscribed):
    theirs = ServiceFactory(organization=other_org, slug="api")

    events.publish(incident_event("incident.declared", org, 7, [theirs], "major_outage"))

    assert health(theirs) == ["operational"]
    assert ServiceImpact.objects.exists() is False

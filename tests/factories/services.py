"""Factories of the service catalog. `ServiceFactory` also takes the catalog's sets (labels, links, responding
teams, dependencies) in the shapes `service_create` takes them."""

from typing import Any

import factory
from django.utils.text import slugify
from factory.django import DjangoModelFactory

from services.models import (
    Service,
    ServiceDependency,
    ServiceHealth,
    ServiceImpact,
    ServiceLabel,
    ServiceLink,
    ServiceLinkKind,
    ServiceRespondingTeam,
)
from tests.factories.orgs import OrganizationFactory, TeamFactory


class ServiceFactory(DjangoModelFactory[Service]):
    """A catalog service, slugged from its name as `service_create` does; writes no audit event."""

    class Meta:
        model = Service
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Service {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))

    @factory.post_generation
    def labels(obj: Service, create: bool, extracted: dict[str, str] | None, **kwargs: Any) -> None:
        for key, value in (extracted or {}).items():
            ServiceLabelFactory(service=obj, key=key, value=value)

    @factory.post_generation
    def links(obj: Service, create: bool, extracted: list[dict[str, str]] | None, **kwargs: Any) -> None:
        for link in extracted or []:
            ServiceLinkFactory(service=obj, **{"title": "", **link})

    @factory.post_generation
    def responding_teams(obj: Service, create: bool, extracted: list | None, **kwargs: Any) -> None:
        for team in extracted or []:
            ServiceRespondingTeamFactory(service=obj, team=team)

    @factory.post_generation
    def dependencies(obj: Service, create: bool, extracted: list[Service] | None, **kwargs: Any) -> None:
        for other in extracted or []:
            ServiceDependencyFactory(service=obj, depends_on=other)


class ServiceRespondingTeamFactory(DjangoModelFactory[ServiceRespondingTeam]):
    class Meta:
        model = ServiceRespondingTeam

    service = factory.SubFactory(ServiceFactory)
    organization = factory.LazyAttribute(lambda o: o.service.organization)
    team = factory.SubFactory(TeamFactory, organization=factory.SelfAttribute("..organization"))


class ServiceLinkFactory(DjangoModelFactory[ServiceLink]):
    class Meta:
        model = ServiceLink

    service = factory.SubFactory(ServiceFactory)
    organization = factory.LazyAttribute(lambda o: o.service.organization)
    kind = ServiceLinkKind.RUNBOOK
    title = "Runbook"
    url = factory.Sequence(lambda n: f"https://runbooks.example.com/{n}")


class ServiceLabelFactory(DjangoModelFactory[ServiceLabel]):
    class Meta:
        model = ServiceLabel

    service = factory.SubFactory(ServiceFactory)
    organization = factory.LazyAttribute(lambda o: o.service.organization)
    key = factory.Sequence(lambda n: f"label-{n}")
    value = "yes"


class ServiceDependencyFactory(DjangoModelFactory[ServiceDependency]):
    class Meta:
        model = ServiceDependency

    service = factory.SubFactory(ServiceFactory)
    organization = factory.LazyAttribute(lambda o: o.service.organization)
    depends_on = factory.SubFactory(ServiceFactory, organization=factory.SelfAttribute("..organization"))


class ServiceImpactFactory(DjangoModelFactory[ServiceImpact]):
    """What an open incident does to a service's health, as services records it from incident events."""

    class Meta:
        model = ServiceImpact

    service = factory.SubFactory(ServiceFactory)
    organization = factory.LazyAttribute(lambda o: o.service.organization)
    incident_id = factory.Sequence(lambda n: n + 1)
    health = ServiceHealth.DEGRADED_PERFORMANCE

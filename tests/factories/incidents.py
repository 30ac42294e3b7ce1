"""Factories of the incidents app. Incidents are numbered through the org's real counter (`counter_next`), as
`incident_declare` numbers them, so INC numbers follow production's; nothing here writes timeline or audit
rows — tests about declaring call `incident_declare` itself."""

from datetime import datetime, timedelta
from typing import Any

import factory
from django.db.models import Max
from django.utils import timezone
from factory.django import DjangoModelFactory

from incidents.models import (
    Incident,
    IncidentRole,
    IncidentService,
    IncidentStatus,
    IncidentTask,
    IncidentType,
    RoleAssignment,
    Severity,
    StatusUpdate,
    TimelineEvent,
    TimelineKind,
)
from orgs import actions as org_actions
from tests.factories.orgs import OrganizationFactory, UserFactory
from tests.factories.services import ServiceFactory


def _next_rank(organization: Any) -> int:
    return (Severity.objects.filter(organization=organization).aggregate(Max("rank"))["rank__max"] or 0) + 1


class SeverityFactory(DjangoModelFactory[Severity]):
    """A severity; asking for a name the org has (its default SEV1..SEV5) returns that one."""

    class Meta:
        model = Severity
        django_get_or_create = ("organization", "name")

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Level {n}")
    rank = factory.LazyAttribute(lambda o: _next_rank(o.organization))
    description = "How bad it is."


class IncidentRoleFactory(DjangoModelFactory[IncidentRole]):
    """A role; asking for a slug the org has (a default role) returns that one."""

    class Meta:
        model = IncidentRole
        django_get_or_create = ("organization", "slug")

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Role {n}")
    slug = factory.Sequence(lambda n: f"role-{n}")


class IncidentTypeFactory(DjangoModelFactory[IncidentType]):
    class Meta:
        model = IncidentType

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Type {n}")
    slug = factory.Sequence(lambda n: f"type-{n}")


class IncidentFactory(DjangoModelFactory[Incident]):
    """An incident row numbered by the org's counter; `services=[...]` links affected services."""

    class Meta:
        model = Incident
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    number = None  # allocated in _create, like incident_declare
    title = None  # "Incident <number>" unless given
    severity = factory.SubFactory(SeverityFactory, organization=factory.SelfAttribute("..organization"), name="SEV2")
    status = IncidentStatus.INVESTIGATING
    declared_at = factory.LazyFunction(lambda: timezone.now())
    started_at = factory.SelfAttribute("declared_at")
    detected_at = factory.SelfAttribute("started_at")

    @classmethod
    def _create(cls, model_class: type[Incident], *args: Any, **kwargs: Any) -> Incident:
        if kwargs.get("number") is None:
            kwargs["number"] = org_actions.counter_next(organization=kwargs["organization"], name="incident")
        if kwargs.get("title") is None:
            kwargs["title"] = f"Incident {kwargs['number']}"
        return super()._create(model_class, *args, **kwargs)

    @factory.post_generation
    def services(obj: Incident, create: bool, extracted: list | None, **kwargs: Any) -> None:
        for service in extracted or []:
            IncidentServiceFactory(incident=obj, service=service)


def _minutes_after(start: datetime, minutes: float | None) -> datetime | None:
    return None if minutes is None else start + timedelta(minutes=minutes)


class TimedIncidentFactory(IncidentFactory):
    """An incident with known timestamps, for analytics: `detect`, `ack`, `mitigate` and `resolve` are minutes
    after `started_at` (one not given was never reached; declared when detected); resolved unless told otherwise."""

    class Params:
        detect: float | None = None
        ack: float | None = None
        mitigate: float | None = None
        resolve: float | None = None

    status = IncidentStatus.RESOLVED
    started_at = factory.LazyFunction(lambda: timezone.now())
    declared_at = factory.LazyAttribute(lambda o: _minutes_after(o.started_at, o.detect) or o.started_at)
    detected_at = factory.LazyAttribute(lambda o: _minutes_after(o.started_at, o.detect))
    acknowledged_at = factory.LazyAttribute(lambda o: _minutes_after(o.started_at, o.ack))
    mitigated_at = factory.LazyAttribute(lambda o: _minutes_after(o.started_at, o.mitigate))
    resolved_at = factory.LazyAttribute(lambda o: _minutes_after(o.started_at, o.resolve))


class IncidentServiceFactory(DjangoModelFactory[IncidentService]):
    class Meta:
        model = IncidentService

    incident = factory.SubFactory(IncidentFactory)
    organization = factory.LazyAttribute(lambda o: o.incident.organization)
    service = factory.SubFactory(ServiceFactory, organization=factory.SelfAttribute("..organization"))


class RoleAssignmentFactory(DjangoModelFactory[RoleAssignment]):
    class Meta:
        model = RoleAssignment

    incident = factory.SubFactory(IncidentFactory)
    organization = factory.LazyAttribute(lambda o: o.incident.organization)
    role = factory.SubFactory(IncidentRoleFactory, organization=factory.SelfAttribute("..organization"))
    user = factory.SubFactory(UserFactory)
    assigned_at = factory.LazyFunction(lambda: timezone.now())


class IncidentTaskFactory(DjangoModelFactory[IncidentTask]):
    class Meta:
        model = IncidentTask

    incident = factory.SubFactory(IncidentFactory)
    organization = factory.LazyAttribute(lambda o: o.incident.organization)
    title = factory.Sequence(lambda n: f"Task {n}")


class TimelineEventFactory(DjangoModelFactory[TimelineEvent]):
    class Meta:
        model = TimelineEvent

    incident = factory.SubFactory(IncidentFactory)
    organization = factory.LazyAttribute(lambda o: o.incident.organization)
    kind = TimelineKind.NOTE
    actor_label = "system"
    occurred_at = factory.LazyFunction(lambda: timezone.now())
    body = "A note."
    body_html = "<p>A note.</p>"


class StatusUpdateFactory(DjangoModelFactory[StatusUpdate]):
    class Meta:
        model = StatusUpdate

    incident = factory.SubFactory(IncidentFactory)
    organization = factory.LazyAttribute(lambda o: o.incident.organization)
    message = "We are looking into it."
    status = factory.SelfAttribute("incident.status")

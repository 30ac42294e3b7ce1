"""Factories of the drills app. Child rows take their organization from their parent; runs are numbered through
the org's real counter ("drill_run"), as `run_create` numbers them. A drill integration key holds the raw key of a
real integration (made and hashed as the alerting actions make it)."""

from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from drills.models import (
    DrillInject,
    DrillIntegrationKey,
    DrillLink,
    DrillRun,
    DrillRunObserver,
    DrillRunTeam,
    InjectStatus,
    Scenario,
    ScenarioService,
)
from orgs import actions as org_actions
from tests.factories.alerting import AlertGroupFactory, IntegrationFactory
from tests.factories.orgs import OrganizationFactory, TeamFactory, UserFactory
from tests.factories.services import ServiceFactory


class ScenarioFactory(DjangoModelFactory[Scenario]):
    """A draft scenario with one hint inject and one expected response (no services needed)."""

    class Meta:
        model = Scenario
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Scenario {n}")
    hypothesis = "Responders acknowledge a checkout outage within five minutes."
    injects = factory.LazyFunction(lambda: [{"offset_seconds": 0, "kind": "hint", "text": "Check the dashboards"}])
    expected_responses = factory.LazyFunction(lambda: [{"kind": "acknowledge", "target_seconds": 300}])

    @factory.post_generation
    def services(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.services.set(extracted)


class DrillRunFactory(DjangoModelFactory[DrillRun]):
    """A scheduled run of a scenario (its org), numbered by the org's counter like `run_create`."""

    class Meta:
        model = DrillRun

    scenario = factory.SubFactory(ScenarioFactory)
    organization = factory.LazyAttribute(lambda o: o.scenario.organization)
    number = None

    @classmethod
    def _create(cls, model_class: type[DrillRun], *args: Any, **kwargs: Any) -> DrillRun:
        if kwargs.get("number") is None:
            kwargs["number"] = org_actions.counter_next(organization=kwargs["organization"], name="drill_run")
        return super()._create(model_class, *args, **kwargs)


class DrillInjectFactory(DjangoModelFactory[DrillInject]):
    """A pending hint inject of a run, due now."""

    class Meta:
        model = DrillInject

    run = factory.SubFactory(DrillRunFactory)
    organization = factory.LazyAttribute(lambda o: o.run.organization)
    position = factory.Sequence(lambda n: n)
    kind = "hint"
    text = "Look at the error rate"
    status = InjectStatus.PENDING
    due_at = factory.LazyFunction(lambda: timezone.now())


class DrillLinkFactory(DjangoModelFactory[DrillLink]):
    """A run's link to an alert group of its org."""

    class Meta:
        model = DrillLink

    run = factory.SubFactory(DrillRunFactory)
    organization = factory.LazyAttribute(lambda o: o.run.organization)
    alert_group = factory.SubFactory(
        AlertGroupFactory, integration__service__organization=factory.SelfAttribute("....organization")
    )
    linked_at = factory.LazyFunction(lambda: timezone.now())


class DrillIntegrationKeyFactory(DjangoModelFactory[DrillIntegrationKey]):
    """The stored raw key of a drill integration."""

    class Meta:
        model = DrillIntegrationKey

    integration = factory.SubFactory(IntegrationFactory, name="Drill")
    organization = factory.LazyAttribute(lambda o: o.integration.organization)
    key = factory.LazyAttribute(lambda o: o.integration.raw_key)


class ScenarioServiceFactory(DjangoModelFactory[ScenarioService]):
    class Meta:
        model = ScenarioService

    scenario = factory.SubFactory(ScenarioFactory)
    organization = factory.LazyAttribute(lambda o: o.scenario.organization)
    service = factory.SubFactory(ServiceFactory, organization=factory.SelfAttribute("..organization"))


class DrillRunTeamFactory(DjangoModelFactory[DrillRunTeam]):
    class Meta:
        model = DrillRunTeam

    run = factory.SubFactory(DrillRunFactory)
    organization = factory.LazyAttribute(lambda o: o.run.organization)
    team = factory.SubFactory(TeamFactory, organization=factory.SelfAttribute("..organization"))


class DrillRunObserverFactory(DjangoModelFactory[DrillRunObserver]):
    class Meta:
        model = DrillRunObserver

    run = factory.SubFactory(DrillRunFactory)
    organization = factory.LazyAttribute(lambda o: o.run.organization)
    user = factory.SubFactory(UserFactory)

"""Factories of the retros app: the org's retro policy, templates and factor taxonomy, and retrospectives with
their sections, reviewers and factors (each taking the organization of its retrospective)."""

import factory
from factory.django import DjangoModelFactory

from retros.models import (
    ContributingFactor,
    RetroFactor,
    RetroReviewer,
    RetroSection,
    RetroSettings,
    Retrospective,
    RetroTemplate,
)
from tests.factories.incidents import IncidentFactory
from tests.factories.orgs import OrganizationFactory, UserFactory


class RetroSettingsFactory(DjangoModelFactory[RetroSettings]):
    """The org's one retro policy row (returned if it has one)."""

    class Meta:
        model = RetroSettings
        django_get_or_create = ("organization",)

    organization = factory.SubFactory(OrganizationFactory)


class RetroTemplateFactory(DjangoModelFactory[RetroTemplate]):
    class Meta:
        model = RetroTemplate

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Template {n}")
    slug = factory.Sequence(lambda n: f"template-{n}")
    sections = factory.LazyFunction(lambda: [{"key": "summary", "title": "Summary", "prompt": "What happened?"}])


class ContributingFactorFactory(DjangoModelFactory[ContributingFactor]):
    class Meta:
        model = ContributingFactor

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Factor {n}")
    slug = factory.Sequence(lambda n: f"factor-{n}")


class RetrospectiveFactory(DjangoModelFactory[Retrospective]):
    """A draft retrospective of an incident, titled as the incident is (as `retrospective_create` titles it)."""

    class Meta:
        model = Retrospective

    incident = factory.SubFactory(IncidentFactory)
    organization = factory.LazyAttribute(lambda o: o.incident.organization)
    title = factory.SelfAttribute("incident.title")


class RetroSectionFactory(DjangoModelFactory[RetroSection]):
    class Meta:
        model = RetroSection

    retrospective = factory.SubFactory(RetrospectiveFactory)
    organization = factory.LazyAttribute(lambda o: o.retrospective.organization)
    key = factory.Sequence(lambda n: f"section-{n}")
    title = factory.Sequence(lambda n: f"Section {n}")
    position = factory.LazyAttribute(lambda o: RetroSection.objects.filter(retrospective=o.retrospective).count())


class RetroReviewerFactory(DjangoModelFactory[RetroReviewer]):
    class Meta:
        model = RetroReviewer

    retrospective = factory.SubFactory(RetrospectiveFactory)
    organization = factory.LazyAttribute(lambda o: o.retrospective.organization)
    user = factory.SubFactory(UserFactory)


class RetroFactorFactory(DjangoModelFactory[RetroFactor]):
    class Meta:
        model = RetroFactor

    retrospective = factory.SubFactory(RetrospectiveFactory)
    organization = factory.LazyAttribute(lambda o: o.retrospective.organization)
    factor = factory.SubFactory(ContributingFactorFactory, organization=factory.SelfAttribute("..organization"))

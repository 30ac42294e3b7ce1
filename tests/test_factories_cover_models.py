"""Every model of Firebreak's own apps has a factory in tests/factories, so a new model gets one; each factory
makes a row whose related rows all belong to the row's organization, and numbered rows take the org's next
number the way the real actions do."""

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from factory.django import DjangoModelFactory

import tests.factories
from alerting import actions as alerting_actions
from incidents import actions as incident_actions
from orgs import actions as org_actions
from orgs.tenancy import Actor
from tests.factories import (
    ApiTokenFactory,
    FollowUpFactory,
    IncidentFactory,
    IntegrationFactory,
    OrganizationFactory,
    SeverityFactory,
)


def firebreak_models() -> list[type[models.Model]]:
    """The concrete models of the apps that live in this repository (not Django's or a library's)."""
    base = Path(settings.BASE_DIR).resolve()
    return [
        model
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == base
        for model in config.get_models()
    ]


def factories() -> dict[type[models.Model], type[DjangoModelFactory]]:
    found = {}
    for value in vars(tests.factories).values():
        if isinstance(value, type) and issubclass(value, DjangoModelFactory) and value._meta.model is not None:
            found[value._meta.model] = value
    return found


def test_every_model_has_a_factory():
    missing = sorted(model._meta.label for model in firebreak_models() if model not in factories())

    assert missing == [], f"Add a factory to tests/factories/ (and export it from __init__) for {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize("factory", sorted(factories().values(), key=lambda f: f.__name__), ids=lambda f: f.__name__)
def test_a_factory_row_and_its_related_rows_share_one_organization(factory):
    row = factory()

    organization_id = getattr(row, "organization_id", None)
    foreign = {
        field.name: related.organization_id
        for field in row._meta.concrete_fields
        if field.is_relation
        and (related := getattr(row, field.name)) is not None
        and hasattr(related, "organization_id")
    }
    assert type(row).objects.filter(pk=row.pk).exists() is True
    assert foreign == dict.fromkeys(foreign, organization_id)


@pytest.mark.django_db
def test_incidents_and_follow_ups_take_the_next_number_of_their_org_shared_with_the_actions():
    acme, globex = OrganizationFactory(), OrganizationFactory()
    incident_actions.organization_defaults_ensure(organization=acme)

    first, second = IncidentFactory(organization=acme), IncidentFactory(organization=acme)
    declared = incident_actions.incident_declare(
        organization=acme, actor=Actor.system(), title="Checkout is down", severity=SeverityFactory(organization=acme)
    )
    after = IncidentFactory(organization=acme)

    assert [first.number, second.number, declared.number, after.number] == [1, 2, 3, 4]
    assert IncidentFactory(organization=globex).number == 1
    assert [FollowUpFactory(incident=first).number, FollowUpFactory(incident=first).number] == [1, 2]


@pytest.mark.django_db
def test_secrets_are_made_like_the_actions_make_them_and_authenticate():
    integration = IntegrationFactory()
    token = ApiTokenFactory()

    assert alerting_actions.integration_authenticate(key=integration.raw_key) == integration
    assert org_actions.api_token_authenticate(raw=token.raw) == token

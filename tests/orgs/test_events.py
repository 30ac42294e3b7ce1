"""organization.created: orgs publishes it when an org is made; incidents gives the org its default severities and
roles in the same transaction (orgs never calls incidents by name)."""

import pytest

from incidents.models import IncidentRole, Severity
from orgs import actions
from orgs.events import OrganizationCreated
from orgs.models import AuditEvent
from orgs.tenancy import Actor
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_creating_an_org_publishes_it_and_the_defaults_come_with_it(published):
    user = UserFactory()

    organization = actions.organization_create(name="Initech", slug="", owner=user, actor=Actor(user=user))

    assert [e for e in published if isinstance(e, OrganizationCreated)] == [
        OrganizationCreated(organization_id=organization.pk, slug="initech")
    ]
    assert list(Severity.objects.for_org(organization).order_by("rank").values_list("name", flat=True)) == [
        "SEV1", "SEV2", "SEV3", "SEV4", "SEV5",
    ]  # fmt: skip
    assert list(IncidentRole.objects.for_org(organization).values_list("slug", flat=True)) == [
        "incident-commander", "communications-lead", "scribe", "operations-lead",
    ]  # fmt: skip
    assert list(AuditEvent.objects.for_org(organization).order_by("id").values_list("action", flat=True)) == [
        "organization.created", "member.added",
    ]  # fmt: skip

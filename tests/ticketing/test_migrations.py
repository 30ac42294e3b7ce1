"""The migration that turned FollowUp.retrospective (a foreign key up to the retros app) into `source`: existing
action items become source="retrospective" follow-ups of their retrospective's incident, and it reverses."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import IncidentFactory, OrganizationFactory, RetrospectiveFactory
from ticketing.models import FollowUp

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("ticketing", "0001_initial")]


def migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)


def latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def at_0001():
    executor = migrate(BEFORE)
    try:
        yield executor.loader.project_state(BEFORE).apps
    finally:
        migrate(latest())


def test_action_items_keep_their_incident_and_become_retrospective_follow_ups(at_0001):
    OldFollowUp = at_0001.get_model("ticketing", "FollowUp")
    org = OrganizationFactory()
    incident, elsewhere = IncidentFactory(organization=org), IncidentFactory(organization=org)
    retrospective = RetrospectiveFactory(incident=incident)
    rows = [
        # an action item, one whose incident had drifted, and a plain follow-up
        dict(number=1, title="Add a canary", incident_id=incident.pk, retrospective_id=retrospective.pk),
        dict(number=2, title="Alert on 5xx", incident_id=None, retrospective_id=retrospective.pk),
        dict(number=3, title="Fix the runbook", incident_id=elsewhere.pk, retrospective_id=None),
    ]
    for row in rows:
        OldFollowUp.objects.create(organization_id=org.pk, **row)

    migrate(latest())

    assert list(FollowUp.objects.order_by("number").values_list("number", "incident_id", "source")) == [
        (1, incident.pk, "retrospective"),
        (2, incident.pk, "retrospective"),
        (3, elsewhere.pk, "direct"),
    ]
    assert [f.is_action_item for f in FollowUp.objects.order_by("number")] == [True, True, False]

    migrate(BEFORE)  # and back: the foreign key is filled from the incident's retrospective

    back = MigrationExecutor(connection).loader.project_state(BEFORE).apps.get_model("ticketing", "FollowUp")
    assert list(back.objects.order_by("number").values_list("number", "retrospective_id")) == [
        (1, retrospective.pk),
        (2, retrospective.pk),
        (3, None),
    ]

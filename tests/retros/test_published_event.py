"""retrospective.published: published with retrospective.status_changed each time a retrospective moves to
published, with how many times it has been (a re-publish after reopening is a new occurrence); the count of the
retrospectives published before the field existed comes from their incident's audit log."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from orgs.models import AuditEvent
from retros import actions
from retros.events import RetrospectivePublished, RetrospectiveStatusChanged
from retros.models import Retrospective

pytestmark = pytest.mark.django_db


def test_each_publication_is_published_with_its_count(scene, published):
    retrospective = scene.retro(scene.declare("Checkout failing", "SEV1"))
    rhea = scene.actor()
    published.clear()

    actions.retrospective_transition(retrospective=retrospective, status="published", actor=rhea)
    actions.retrospective_transition(retrospective=retrospective, status="published", actor=rhea)  # no move
    actions.retrospective_transition(retrospective=retrospective, status="draft", actor=rhea)
    actions.retrospective_transition(retrospective=retrospective, status="in_review", actor=rhea)
    actions.retrospective_transition(retrospective=retrospective, status="published", actor=rhea)

    path = f"/o/acme/retros/{retrospective.incident.number}/"
    moves = [e for e in published if isinstance(e, RetrospectiveStatusChanged | RetrospectivePublished)]
    assert [(type(e).__name__, getattr(e, "after", None)) for e in moves] == [
        ("RetrospectiveStatusChanged", "published"),
        ("RetrospectivePublished", None),
        ("RetrospectiveStatusChanged", "draft"),
        ("RetrospectiveStatusChanged", "in_review"),
        ("RetrospectiveStatusChanged", "published"),
        ("RetrospectivePublished", None),
    ]
    common = dict(
        organization_id=scene.org.pk,
        retrospective_id=retrospective.pk,
        incident_id=retrospective.incident_id,
        title="Checkout failing",
        path=path,
    )
    assert [e for e in moves if isinstance(e, RetrospectivePublished)] == [
        RetrospectivePublished(published_count=1, **common),
        RetrospectivePublished(published_count=2, **common),
    ]
    assert Retrospective.objects.get(pk=retrospective.pk).published_count == 2


def test_a_refused_publication_publishes_and_counts_nothing(scene, published):
    retrospective = scene.retro()
    rhea = scene.actor()
    actions.retrospective_update(retrospective=retrospective, actor=rhea, owner=None)
    published.clear()

    with pytest.raises(Exception, match="owner"):
        actions.retrospective_transition(retrospective=retrospective, status="published", actor=rhea)

    assert [e for e in published if isinstance(e, RetrospectivePublished)] == []
    assert Retrospective.objects.get(pk=retrospective.pk).published_count == 0


@pytest.mark.django_db(transaction=True)
def test_the_migration_counts_past_publications_from_the_audit_log(scene):
    rhea = scene.actor()
    twice = scene.retro(scene.declare("Twice"))
    for status in ("published", "draft", "published"):
        actions.retrospective_transition(retrospective=twice, status=status, actor=rhea)
    reopened = scene.retro(scene.declare("Reopened"))
    for status in ("published", "draft"):
        actions.retrospective_transition(retrospective=reopened, status=status, actor=rhea)
    never = scene.retro(scene.declare("Never"))
    unaudited = scene.retro(scene.declare("Published before the audit"))
    actions.retrospective_transition(retrospective=unaudited, status="published", actor=rhea)
    AuditEvent.objects.filter(target_id=str(unaudited.incident.number), action="retrospective.published").delete()

    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([("retros", "0001_initial")])
    MigrationExecutor(connection).migrate(leaves)

    counts = dict(Retrospective.objects.values_list("title", "published_count"))
    assert counts == {
        twice.title: 2,
        reopened.title: 1,
        never.title: 0,
        unaudited.title: 1,
    }

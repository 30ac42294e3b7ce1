"""The migration that turned Escalation.alert_group (a foreign key up to alerting) into a subject reference
(`subject_kind` + `subject_id`): every run keeps its group, forwards and back."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from oncall.models import Escalation
from tests.factories import AlertGroupFactory, EscalationPolicyFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("oncall", "0003_redriven_at")]


def migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)


def latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def at_0003():
    executor = migrate(BEFORE)
    try:
        yield executor.loader.project_state(BEFORE).apps
    finally:
        migrate(latest())


def test_runs_keep_their_alert_group_as_their_subject_and_back(at_0003):
    OldEscalation = at_0003.get_model("oncall", "Escalation")
    org = OrganizationFactory()
    policy = EscalationPolicyFactory(organization=org)
    first, second = AlertGroupFactory(organization=org), AlertGroupFactory(organization=org)
    now = timezone.now()
    for group, status in [(first, "resolved"), (first, "active"), (second, "unanswered")]:
        OldEscalation.objects.create(
            organization_id=org.pk,
            policy_id=policy.pk,
            alert_group_id=group.pk,
            status=status,
            started_at=now,
        )

    migrate(latest())

    assert list(Escalation.objects.order_by("pk").values_list("subject_kind", "subject_id", "status")) == [
        ("alert_group", first.pk, "resolved"),
        ("alert_group", first.pk, "active"),
        ("alert_group", second.pk, "unanswered"),
    ]
    # A run whose group went away once the key was gone (it no longer cascades)
    orphan = AlertGroupFactory(organization=org)
    Escalation.objects.create(
        organization=org, policy=policy, subject_kind="alert_group", subject_id=orphan.pk, started_at=now
    )
    orphan.delete()

    migrate(BEFORE)  # and back: the key is filled from the reference; the orphan goes, as the key would have had it

    back = MigrationExecutor(connection).loader.project_state(BEFORE).apps.get_model("oncall", "Escalation")
    assert list(back.objects.order_by("pk").values_list("alert_group_id", "status")) == [
        (first.pk, "resolved"),
        (first.pk, "active"),
        (second.pk, "unanswered"),
    ]

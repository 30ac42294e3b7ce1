"""seed_demo's escalation policies: one per team, on every demo service, the demo user reachable, idempotent."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from oncall.actions import policies as actions
from oncall.models import EscalationPolicy, EscalationStep
from oncall.selectors import policies as selectors
from orgs.models import AuditEvent, Organization
from services.models import Service

pytestmark = pytest.mark.django_db


def seed() -> Organization:
    call_command("seed_demo", stdout=StringIO())
    return Organization.objects.get(slug="demo")


def test_every_demo_service_has_a_policy_and_payments_starts_with_its_schedule():
    organization = seed()

    assert Service.objects.for_org(organization).filter(escalation_policy=None).exists() is False
    payments = selectors.policy_get(organization=organization, slug="payments-escalation")
    assert [(s.wait_minutes, [actions.target_label(t) for t in s.targets.all()]) for s in payments.steps.all()] == [
        (5, ["schedule:payments-primary"]),
        (10, ["user:demo@example.com"]),
        (15, ["team:payments"]),
    ]
    assert Service.objects.for_org(organization).get(slug="checkout").escalation_policy == payments
    assert selectors.services_unreachable(organization=organization, at=timezone.now()) == []


def test_seeding_twice_changes_no_policy():
    organization = seed()
    before = (
        list(EscalationPolicy.objects.for_org(organization).values_list("pk", "slug", "updated_at")),
        list(EscalationStep.objects.for_org(organization).values_list("pk", flat=True)),
        AuditEvent.objects.for_org(organization).filter(action__startswith="escalation_policy.").count(),
    )

    seed()

    after = (
        list(EscalationPolicy.objects.for_org(organization).values_list("pk", "slug", "updated_at")),
        list(EscalationStep.objects.for_org(organization).values_list("pk", flat=True)),
        AuditEvent.objects.for_org(organization).filter(action__startswith="escalation_policy.").count(),
    )
    assert after == before
    assert len(before[0]) == 4

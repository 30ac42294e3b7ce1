"""The drills demo step: an approved scenario (written by Alice, approved by Dana), a halted and a finished run with
frozen scorecards, ratings and notes, and the next run scheduled; running it again changes nothing."""

import pytest

from drills import demo
from drills.models import DrillInject, DrillRun, InjectStatus, RunStatus, Scenario, ScenarioStatus
from incidents import actions as incident_actions
from orgs.models import MembershipRole
from orgs.tenancy import Actor
from services import actions as service_actions

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_complete(org, make_member):
    incident_actions.organization_defaults_ensure(organization=org)
    alice = make_member(org, MembershipRole.ADMIN, email="alice@example.com").user
    dana = make_member(org, MembershipRole.OWNER, email="demo@example.com").user
    for name in ("Checkout", "Payments"):
        service_actions.service_create(organization=org, actor=Actor.system(), name=name)

    demo.seed_demo(organization=org)
    demo.seed_demo(organization=org)

    scenario = Scenario.objects.get(organization=org)
    assert (scenario.title, scenario.status, scenario.created_by, scenario.approved_by) == (
        "Checkout database failover",
        ScenarioStatus.APPROVED,
        alice,
        dana,
    )
    assert [(i["offset_seconds"], i["kind"]) for i in scenario.injects] == [
        (0, "alert"),
        (180, "hint"),
        (480, "prompt"),
        (600, "alert"),
    ]
    runs = list(DrillRun.objects.filter(organization=org).order_by("number"))
    assert [(r.reference, r.status) for r in runs] == [
        ("DR-1", RunStatus.HALTED),
        ("DR-2", RunStatus.FINISHED),
        ("DR-3", RunStatus.SCHEDULED),
    ]
    assert [row["result"] for row in runs[0].scorecard] == ["missed", "missed", "missed", "missed", "missed"]
    assert [(row["actual_seconds"], row["result"]) for row in runs[1].scorecard] == [
        (150, "met"),
        (420, "met"),
        (480, "met"),
        (840, "met"),
        (1560, "met"),
    ]
    assert runs[1].ratings == {"communication": 4, "coordination": 4, "technical": 5}
    assert runs[2].announced is False
    assert DrillInject.objects.filter(run__in=runs[:2], status=InjectStatus.SENT).count() == 8
    assert not DrillInject.objects.filter(run=runs[2]).exists()

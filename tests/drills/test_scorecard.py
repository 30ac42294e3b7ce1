"""The scorecard's arithmetic: whole seconds from the run's start to the first time each response happened in
what the run produced, met / missed / not_reached against each target, live while running and frozen at the end;
what another run or an unlinked incident did never counts."""

from datetime import UTC, datetime, timedelta

import pytest

from drills import scorecard
from drills.models import DrillRun, RunStatus, ScenarioStatus
from incidents.models import StatusUpdate
from tests.factories import (
    AlertGroupFactory,
    DrillLinkFactory,
    DrillRunFactory,
    IncidentFactory,
    IncidentRoleFactory,
    OrganizationFactory,
    RoleAssignmentFactory,
    ScenarioFactory,
    StatusUpdateFactory,
)

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 5, 10, 0, 0, tzinfo=UTC)
TARGETS = [
    {"kind": "acknowledge", "target_seconds": 120},
    {"kind": "declare", "target_seconds": 300},
    {"kind": "commander", "target_seconds": 360},
    {"kind": "first_update", "target_seconds": 600},
    {"kind": "mitigate", "target_seconds": 1800},
]


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


@pytest.fixture
def run() -> DrillRun:
    org = OrganizationFactory()
    scenario = ScenarioFactory(organization=org, expected_responses=TARGETS, status=ScenarioStatus.APPROVED)
    return DrillRunFactory(scenario=scenario, status=RunStatus.RUNNING, started_at=START)


def produced(run, *, ack=None, declared=None, incident_ack=None, commander=None, update=None, mitigated=None):
    """A linked alert group acknowledged at `ack` and, if `declared`, a linked incident with those times."""
    org = run.organization
    group = AlertGroupFactory(
        integration__service__organization=org, first_seen=at(0), acknowledged_at=at(ack) if ack is not None else None
    )
    DrillLinkFactory(run=run, alert_group=group)
    if declared is None:
        return None
    incident = IncidentFactory(
        organization=org,
        is_drill=True,
        started_at=at(0),
        declared_at=at(declared),
        acknowledged_at=at(incident_ack) if incident_ack is not None else None,
        mitigated_at=at(mitigated) if mitigated is not None else None,
    )
    DrillLinkFactory(run=run, alert_group=None, incident=incident)
    if commander is not None:
        role = IncidentRoleFactory(organization=org, slug="commander-test", is_commander=True)
        RoleAssignmentFactory(incident=incident, role=role, assigned_at=at(commander))
        RoleAssignmentFactory(incident=incident, role=IncidentRoleFactory(organization=org), assigned_at=at(1))
    if update is not None:
        StatusUpdate.objects.filter(pk=StatusUpdateFactory(incident=incident).pk).update(created_at=at(update))
    return incident


def table(rows):
    return [(r["kind"], r["target_seconds"], r["actual_seconds"], r["result"]) for r in rows]


def test_each_response_measured_in_exact_seconds_against_its_target(run):
    produced(run, ack=95.9, declared=301, commander=330, update=612, mitigated=1200)

    rows = scorecard.scorecard_rows(run, now=at(1300))

    assert table(rows) == [
        ("acknowledge", 120, 95, "met"),
        ("declare", 300, 301, "missed"),
        ("commander", 360, 330, "met"),
        ("first_update", 600, 612, "missed"),
        ("mitigate", 1800, 1200, "met"),
    ]
    assert rows[0]["label"] == "Acknowledged"
    assert rows[1]["reached_at"] == "2026-03-05T10:05:01+00:00"


def test_a_response_exactly_on_target_is_met(run):
    produced(run, ack=120, declared=300)

    assert table(scorecard.scorecard_rows(run, now=at(400)))[:2] == [
        ("acknowledge", 120, 120, "met"),
        ("declare", 300, 300, "met"),
    ]


def test_not_reached_while_time_is_left_missed_once_the_target_passed(run):
    produced(run)  # a group nobody acknowledged yet

    assert [r["result"] for r in scorecard.scorecard_rows(run, now=at(120))] == ["not_reached"] * 5
    assert [r["result"] for r in scorecard.scorecard_rows(run, now=at(121))] == ["missed"] + ["not_reached"] * 4
    assert [r["result"] for r in scorecard.scorecard_rows(run, now=at(1801))] == ["missed"] * 5


def test_the_earliest_acknowledgement_of_a_group_or_an_incident_counts(run):
    produced(run, ack=200, declared=30, incident_ack=45)
    produced(run, ack=150)

    assert table(scorecard.scorecard_rows(run, now=at(300)))[0] == ("acknowledge", 120, 45, "met")


def test_the_end_freezes_what_counts_and_a_target_after_the_end_was_not_reached(run):
    produced(run, ack=60, declared=100, mitigated=900)
    DrillRun.objects.filter(pk=run.pk).update(status=RunStatus.HALTED, ended_at=at(500))
    run.refresh_from_db()

    assert table(scorecard.scorecard_rows(run, now=at(5000))) == [
        ("acknowledge", 120, 60, "met"),
        ("declare", 300, 100, "met"),
        ("commander", 360, None, "missed"),
        ("first_update", 600, None, "not_reached"),
        ("mitigate", 1800, None, "not_reached"),  # mitigated after the halt: not part of the drill
    ]


def test_another_runs_or_an_unlinked_incidents_times_never_count(run):
    other = DrillRunFactory(scenario=run.scenario, status=RunStatus.RUNNING, started_at=START)
    produced(other, ack=10, declared=20, commander=30, update=40, mitigated=50)
    IncidentFactory(organization=run.organization, declared_at=at(5), mitigated_at=at(6), started_at=at(0))

    assert [r["actual_seconds"] for r in scorecard.scorecard_rows(run, now=at(60))] == [None] * 5


def test_a_run_not_started_has_rows_with_nothing_reached_and_an_ended_run_shows_its_snapshot(run):
    waiting = DrillRunFactory(scenario=run.scenario)
    assert table(scorecard.run_scorecard(waiting))[0] == ("acknowledge", 120, None, "not_reached")

    frozen = [{"kind": "acknowledge", "target_seconds": 120, "actual_seconds": 7, "result": "met"}]
    DrillRun.objects.filter(pk=run.pk).update(status=RunStatus.FINISHED, ended_at=at(100), scorecard=frozen)
    run.refresh_from_db()
    assert scorecard.run_scorecard(run) == frozen

"""Run actions: create (approved scenarios only), start (drill integrations made once and reused, inject rows at
start + offset, drill.started, injects enqueued after commit, the next recurring run), scheduled starts, finish,
cancel and the facilitator's review."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from alerting.models import AlertGroup, Integration
from drills import actions, injects
from drills.actions.runs import next_occurrence
from drills.events import DrillStarted
from drills.models import DrillInject, DrillIntegrationKey, DrillRun, InjectStatus, RunStatus, ScenarioStatus
from orgs.tenancy import Actor
from tests.drills.engine_support import AM_PAYLOAD, PD_PAYLOAD, approved_scenario, drill_org, inbound
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

__all__ = ["drill_org", "inbound"]


def make_run(env, scenario=None, **fields):
    return actions.run_create(
        organization=env.org, actor=Actor(user=env.olu), scenario=scenario or approved_scenario(env), **fields
    )


def test_a_run_needs_an_approved_scenario_and_is_numbered_per_org(drill_org):
    draft = actions.scenario_create(organization=drill_org.org, actor=Actor(user=drill_org.eve), title="Draft")
    with pytest.raises(ValidationError) as raised:
        make_run(drill_org, draft)
    assert raised.value.message_dict == {
        "scenario": ["The scenario must be approved (by someone other than its author) first."]
    }

    scenario = approved_scenario(drill_org)
    first, second = make_run(drill_org, scenario), make_run(drill_org, scenario)
    assert [first.reference, second.reference] == ["DR-1", "DR-2"]
    assert (first.status, first.facilitator, first.scheduled_for) == (RunStatus.SCHEDULED, drill_org.olu, None)


def test_starting_makes_drill_integrations_once_and_the_injects_due_at_their_offsets(
    drill_org, published, enqueued, django_capture_on_commit_callbacks
):
    scenario = approved_scenario(
        drill_org,
        injects=[
            {"offset_seconds": 0, "kind": "alert", "format": "pagerduty", "service": "checkout", "payload": PD_PAYLOAD},
            {
                "offset_seconds": 30,
                "kind": "alert",
                "format": "pagerduty",
                "service": "checkout",
                "payload": PD_PAYLOAD,
            },
            {
                "offset_seconds": 45,
                "kind": "alert",
                "format": "alertmanager",
                "service": "checkout",
                "payload": AM_PAYLOAD,
            },
            {"offset_seconds": 90, "kind": "prompt", "text": "Support asks what to tell customers"},
        ],
    )
    run = make_run(drill_org, scenario)

    with django_capture_on_commit_callbacks(execute=True):
        started = actions.run_start(run=run, actor=Actor(user=drill_org.olu))

    injects = list(DrillInject.objects.filter(run=run).order_by("position"))
    integrations = Integration.objects.filter(is_drill=True).order_by("pk")
    assert [(i.name, i.kind, i.service_id) for i in integrations] == [
        ("Drill: Checkout", "pagerduty_v2", drill_org.service.pk),
        ("Drill: Checkout", "alertmanager", drill_org.service.pk),
    ]
    assert DrillIntegrationKey.objects.count() == 2
    assert (started.status, started.started_at is not None) == (RunStatus.RUNNING, True)
    assert [(i.position, i.kind, (i.due_at - started.started_at).total_seconds(), i.status) for i in injects] == [
        (0, "alert", 0, "pending"),
        (1, "alert", 30, "pending"),
        (2, "alert", 45, "pending"),
        (3, "prompt", 90, "pending"),
    ]
    assert [i.integration.kind for i in injects[:3]] == ["pagerduty_v2", "pagerduty_v2", "alertmanager"]
    assert injects[0].dedup_key == f"drill-{run.uuid.hex[:12]}-0"
    assert [e for e in published if isinstance(e, DrillStarted)] == [
        DrillStarted(
            organization_id=drill_org.org.pk,
            drill_run_id=run.pk,
            scenario_id=scenario.pk,
            scenario="Checkout outage",
            incident_id=None,
        )
    ]
    assert [(name, args) for name, args, _ in enqueued.calls if name == "drills.tasks.drill_inject_send"] == [
        ("drills.tasks.drill_inject_send", (i.pk, str(i.task_token))) for i in injects
    ]
    etas = [
        options.get("eta")
        for (name, _, _), options in zip(enqueued.calls, enqueued.options, strict=True)
        if name.startswith("drills")
    ]
    assert etas[0] is None
    assert etas[1:] == [i.due_at for i in injects[1:]]

    second = make_run(drill_org, scenario)
    actions.run_start(run=second, actor=Actor(user=drill_org.olu))
    assert Integration.objects.filter(is_drill=True).count() == 2  # reused


def test_a_run_starts_once(drill_org, enqueued):
    run = make_run(drill_org)
    actions.run_start(run=run, actor=Actor(user=drill_org.olu))

    with pytest.raises(ValidationError) as raised:
        actions.run_start(run=run, actor=Actor(user=drill_org.olu))
    assert raised.value.message_dict == {"status": ["DR-1 is running; it cannot start."]}


def test_a_scenario_edited_after_the_run_was_created_must_be_approved_again(drill_org, enqueued):
    run = make_run(drill_org)
    actions.scenario_update(scenario=run.scenario, actor=Actor(user=drill_org.eve), hypothesis="Changed")

    with pytest.raises(ValidationError) as raised:
        actions.run_start(run=run, actor=Actor(user=drill_org.olu))
    assert raised.value.message_dict == {
        "scenario": ["The scenario changed since its approval; approve it again first."]
    }


def test_scheduled_runs_start_when_due_and_a_recurring_one_schedules_the_next(drill_org, enqueued):
    soon = timezone.now() + timedelta(minutes=5)
    team = TeamFactory(organization=drill_org.org)
    weekly = make_run(
        drill_org, scheduled_for=soon, recurrence="weekly", participants_teams=[team], observers=[drill_org.ana]
    )
    later = make_run(drill_org, weekly.scenario, scheduled_for=soon + timedelta(hours=1))

    assert actions.runs_due_start(now=soon - timedelta(seconds=1)) == 0
    assert actions.runs_due_start(now=soon) == 1

    weekly.refresh_from_db()
    following = DrillRun.objects.get(previous=weekly)
    assert weekly.status == RunStatus.RUNNING
    assert (following.reference, following.status, following.scheduled_for) == (
        "DR-3",
        RunStatus.SCHEDULED,
        soon + timedelta(weeks=1),
    )
    assert list(following.participants_teams.all()) == [team]
    assert list(following.observers.all()) == [drill_org.ana]
    assert DrillRun.objects.get(pk=later.pk).status == RunStatus.SCHEDULED


def test_a_scheduled_run_whose_scenario_went_back_to_draft_is_canceled_with_the_reason(drill_org, enqueued):
    soon = timezone.now() + timedelta(minutes=1)
    run = make_run(drill_org, scheduled_for=soon)
    actions.scenario_update(scenario=run.scenario, actor=Actor(user=drill_org.eve), hypothesis="Changed")

    assert actions.runs_due_start(now=soon) == 0
    run.refresh_from_db()
    assert (run.status, run.halt_reason) == (
        RunStatus.CANCELED,
        "The scenario changed since its approval; approve it again first.",
    )
    assert run.scenario.status == ScenarioStatus.DRAFT


@pytest.mark.parametrize(
    ("start", "recurrence", "expected"),
    [
        ("2026-01-31 09:00", "monthly", "2026-02-28 09:00"),
        ("2026-12-15 09:00", "monthly", "2027-01-15 09:00"),
        ("2026-03-01 09:00", "daily", "2026-03-02 09:00"),
        ("2026-03-01 09:00", "weekly", "2026-03-08 09:00"),
    ],
)
def test_next_occurrence(start, recurrence, expected):
    moment = datetime.fromisoformat(start).replace(tzinfo=UTC)

    assert next_occurrence(moment, recurrence) == datetime.fromisoformat(expected).replace(tzinfo=UTC)
    assert next_occurrence(moment, "none") is None


def test_finishing_by_hand_cancels_what_is_left_resolves_its_alerts_and_freezes_the_scorecard(
    drill_org, inbound, enqueued
):
    run = make_run(drill_org)
    actions.run_start(run=run, actor=Actor(user=drill_org.olu))
    alert = DrillInject.objects.get(run=run, position=0)
    injects.inject_send(inject_id=alert.pk, token=str(alert.task_token))

    finished = actions.run_finish(run=run, actor=Actor(user=drill_org.olu))

    assert finished.status == RunStatus.FINISHED
    assert list(DrillInject.objects.filter(run=run).order_by("position").values_list("status", flat=True)) == [
        InjectStatus.SENT,
        InjectStatus.CANCELED,
    ]
    assert list(AlertGroup.objects.values_list("status", flat=True)) == ["resolved"]
    assert [(row["kind"], row["actual_seconds"], row["result"]) for row in finished.scorecard] == [
        ("acknowledge", None, "not_reached"),
        ("declare", None, "not_reached"),
    ]


def test_only_a_scheduled_run_is_canceled(drill_org, enqueued):
    run = make_run(drill_org)
    assert actions.run_cancel(run=run, actor=Actor(user=drill_org.olu)).status == RunStatus.CANCELED
    with pytest.raises(ValidationError):
        actions.run_start(run=run, actor=Actor(user=drill_org.olu))


def test_the_facilitator_rates_from_one_to_five_and_writes_notes(drill_org):
    run = make_run(drill_org)

    reviewed = actions.run_review(
        run=run, actor=Actor(user=drill_org.olu), ratings={"communication": 4, "technical": 2}, notes=" Good calm. "
    )
    assert (reviewed.ratings, reviewed.notes) == ({"communication": 4, "technical": 2}, "Good calm.")
    for bad in ({"communication": 6}, {"communication": True}, {"mood": 3}):
        with pytest.raises(ValidationError):
            actions.run_review(run=run, actor=Actor(user=drill_org.olu), ratings=bad)
    assert DrillRun.objects.get(pk=run.pk).ratings == {"communication": 4, "technical": 2}

"""The drill run pages: creating a run (start now, or scheduled one-off or recurring), the facilitator's live view
(elapsed time, the injects' timeline with a hint's text only once it is due, what the run produced, the live
scorecard, the htmx poll every 5 s while it runs and none after), halting with a reason after a confirmation
(admins and the run's facilitator; others 403), the ratings and notes after the run, the scorecard page with its
badges and debrief link, and the scores over time on the drills home."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from drills.models import DrillInject, DrillRun, InjectStatus, Recurrence, RunStatus
from orgs.models import Membership, MembershipRole
from tests.drills.engine_support import approved_scenario, drill_org  # noqa: F401  (fixture)
from tests.factories import (
    DrillLinkFactory,
    DrillRunFactory,
    DrillRunTeamFactory,
    IncidentFactory,
    RetrospectiveFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db

BASE = "/o/acme/drills/"


def messages_of(response):
    return [m.message for m in get_messages(response.wsgi_request)]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture
def env(drill_org, client_for):  # noqa: F811
    def client_of(user):
        return client_for(Membership.objects.get(organization=drill_org.org, user=user))

    drill_org.client_of = client_of
    drill_org.scenario = approved_scenario(drill_org)
    return drill_org


def started_run(env, *, seconds_ago=90, facilitator=None):
    """A running run of the scenario started `seconds_ago` (its alert sent, its hint due at T+60 s)."""
    from drills import actions
    from orgs.tenancy import Actor

    run = actions.run_create(
        organization=env.org, actor=Actor(user=env.eve), scenario=env.scenario, facilitator=facilitator or env.eve
    )
    run = actions.run_start(run=run, actor=Actor(user=env.eve))
    start = timezone.now() - timedelta(seconds=seconds_ago)
    DrillRun.objects.filter(pk=run.pk).update(started_at=start)
    for inject in DrillInject.objects.filter(run=run):
        DrillInject.objects.filter(pk=inject.pk).update(due_at=start + timedelta(seconds=inject.offset_seconds))
    run.refresh_from_db()
    return run


def test_create_a_run_that_starts_now(env, enqueued):
    team = TeamFactory(organization=env.org, name="Payments", slug="payments")
    admin = env.client_of(env.eve)
    form = admin.get(BASE + f"runs/new/?scenario={env.scenario.uuid}").content.decode()
    assert f'<option value="{env.scenario.uuid}" selected>Checkout outage</option>' in form
    response = admin.post(
        BASE + "runs/new/",
        {
            "scenario": str(env.scenario.uuid),
            "when": "now",
            "recurrence": "none",
            "announced": "on",
            "facilitator": str(env.eve.uuid),
            "participants_teams": ["payments"],
            "observers": [str(env.olu.uuid)],
        },
    )
    run = DrillRun.objects.get(organization=env.org)
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}runs/{run.uuid}/"
    assert messages_of(response) == ["DR-1 started: its injects go out at their offsets."]
    assert (run.status, run.facilitator, run.announced) == (RunStatus.RUNNING, env.eve, True)
    assert list(run.participants_teams.all()) == [team]
    assert list(run.observers.all()) == [env.olu]
    assert list(DrillInject.objects.filter(run=run).values_list("kind", "status")) == [
        ("alert", InjectStatus.PENDING),
        ("hint", InjectStatus.PENDING),
    ]


def test_schedule_a_recurring_unannounced_run(env):
    admin = env.client_of(env.eve)
    at = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    response = admin.post(
        BASE + "runs/new/",
        {
            "scenario": str(env.scenario.uuid),
            "when": "later",
            "scheduled_for": at.strftime("%Y-%m-%dT%H:%M"),
            "recurrence": "weekly",
            "facilitator": str(env.eve.uuid),
        },
    )
    assert response.status_code == 302
    run = DrillRun.objects.get(organization=env.org)
    assert (run.status, run.scheduled_for, run.recurrence, run.announced) == (
        RunStatus.SCHEDULED,
        at,
        Recurrence.WEEKLY,
        False,
    )
    assert messages_of(response) == ["DR-1 scheduled."]
    home = text_of(admin.get(BASE).content.decode())
    assert "DR-1 Checkout outage" in home
    assert "Weekly" in home
    assert "Unannounced" in home


def test_run_form_errors_are_shown_and_nothing_is_created(env):
    admin = env.client_of(env.eve)
    response = admin.post(
        BASE + "runs/new/",
        {"scenario": str(env.scenario.uuid), "when": "later", "recurrence": "none", "facilitator": str(env.eve.uuid)},
    )
    assert response.status_code == 400
    assert "Choose when the drill starts." in response.content.decode()
    now_recurring = admin.post(
        BASE + "runs/new/",
        {"scenario": str(env.scenario.uuid), "when": "now", "recurrence": "daily", "facilitator": str(env.eve.uuid)},
    )
    assert now_recurring.status_code == 400
    assert "A recurring drill is scheduled: choose its first time." in now_recurring.content.decode()
    assert not DrillRun.objects.exists()


def test_facilitator_view_shows_the_timeline_and_polls_while_running(env):
    run = started_run(env, seconds_ago=30)
    admin = env.client_of(env.eve)
    html = admin.get(f"{BASE}runs/{run.uuid}/").content.decode()
    page = text_of(html)
    assert 'hx-trigger="every 5s"' in html
    # 30 s after the start (a few more while the test runs): the hint at T+1 min is still to come.
    assert re.search(r"Running T\+3\d s started", page)
    assert re.search(r"T\+1 min Hint Pending Shown here at T\+1 min \(in [12]\d s\)\.", page)
    assert "The load balancer logs show 502s" not in page  # the hint is not due yet
    assert "Next: Alert at T+0" in page
    assert "Halt drill" in page
    assert "Acknowledged 5 min — Not reached" in page

    # The hint comes due: its text shows at once, "Due now" until the worker marks it shown.
    hint = DrillInject.objects.get(run=run, kind="hint")
    DrillInject.objects.filter(pk=hint.pk).update(due_at=timezone.now() - timedelta(seconds=1))
    due = text_of(admin.get(f"{BASE}runs/{run.uuid}/").content.decode())
    assert "T+1 min Hint Due now The load balancer logs show 502s" in due
    # Marked shown.
    hint = DrillInject.objects.get(run=run, kind="hint")
    DrillInject.objects.filter(pk=hint.pk).update(
        status=InjectStatus.SENT, sent_at=timezone.now(), due_at=timezone.now() - timedelta(seconds=1)
    )
    fragment = admin.get(f"{BASE}runs/{run.uuid}/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="dr-live")
    fragment_html = fragment.content.decode()
    assert fragment_html.lstrip().startswith('<div id="dr-live"')
    assert "<html" not in fragment_html
    assert "The load balancer logs show 502s" in fragment_html
    assert "Shown" in text_of(fragment_html)


def test_produced_incidents_and_groups_are_linked(env):
    run = started_run(env)
    incident = IncidentFactory(organization=env.org, title="Checkout down (drill)", is_drill=True)
    DrillLinkFactory(run=run, organization=env.org, alert_group=None, incident=incident)
    link = DrillLinkFactory(run=run, organization=env.org)
    html = env.client_of(env.ana).get(f"{BASE}runs/{run.uuid}/").content.decode()
    assert f'href="/o/acme/incidents/{incident.number}/"' in html
    assert f'href="/o/acme/alerts/{link.alert_group.uuid}/"' in html
    assert "Halt drill" not in html  # Ana reads; she is not the facilitator


def test_halt_asks_the_reason_then_stops_the_run(env):
    run = started_run(env)
    admin = env.client_of(env.eve)
    confirm = text_of(admin.get(f"{BASE}runs/{run.uuid}/halt/").content.decode())
    assert "Halting stops the drill at once" in confirm
    assert "2 injects not sent yet are canceled" in confirm  # no worker here: the alert at T+0 is still pending
    missing = admin.post(f"{BASE}runs/{run.uuid}/halt/", {"reason": ""})
    assert missing.status_code == 400
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    response = admin.post(f"{BASE}runs/{run.uuid}/halt/", {"reason": "A real incident on checkout"})
    assert response.status_code == 302
    assert messages_of(response) == ["DR-1 halted: nothing more is sent, its incidents are closed."]
    run.refresh_from_db()
    assert (run.status, run.halt_reason, run.halted_by) == (RunStatus.HALTED, "A real incident on checkout", env.eve)
    assert set(DrillInject.objects.filter(run=run).values_list("status", flat=True)) == {InjectStatus.CANCELED}
    after = admin.get(f"{BASE}runs/{run.uuid}/").content.decode()
    assert 'hx-trigger="every 5s"' not in after
    assert "Halt reason: A real incident on checkout" in text_of(after)
    assert "Save ratings and notes" in after


def test_who_may_halt(env, make_member, client_for):
    run = started_run(env, facilitator=env.ana)
    viewer = client_for(make_member(env.org, MembershipRole.VIEWER, email="viewer@acme.test"))
    assert viewer.get(f"{BASE}runs/{run.uuid}/halt/").status_code == 403
    assert viewer.post(f"{BASE}runs/{run.uuid}/halt/", {"reason": "no"}).status_code == 403
    assert viewer.post(f"{BASE}runs/{run.uuid}/finish/").status_code == 403
    assert viewer.post(f"{BASE}runs/{run.uuid}/start/").status_code == 403
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    # Ana is a responder and the run's facilitator: she halts it.
    facilitator = env.client_of(env.ana)
    assert "Halt drill" in facilitator.get(f"{BASE}runs/{run.uuid}/").content.decode()
    facilitator.post(f"{BASE}runs/{run.uuid}/halt/", {"reason": "Real page"})
    run.refresh_from_db()
    assert run.status == RunStatus.HALTED


def test_ratings_and_notes_after_the_run_and_the_scorecard_page(env):
    run = started_run(env)
    incident = IncidentFactory(organization=env.org, title="Checkout down (drill)", is_drill=True)
    DrillLinkFactory(run=run, organization=env.org, alert_group=None, incident=incident)
    RetrospectiveFactory(organization=env.org, incident=incident)
    start = run.started_at
    DrillRun.objects.filter(pk=run.pk).update(
        status=RunStatus.FINISHED,
        ended_at=start + timedelta(minutes=20),
        scorecard=[
            {
                "kind": "acknowledge",
                "label": "Acknowledged",
                "target_seconds": 300,
                "actual_seconds": 250,
                "reached_at": None,
                "result": "met",
            },
            {
                "kind": "declare",
                "label": "Incident declared",
                "target_seconds": 600,
                "actual_seconds": 700,
                "reached_at": None,
                "result": "missed",
            },
        ],
    )
    admin = env.client_of(env.eve)
    response = admin.post(
        f"{BASE}runs/{run.uuid}/review/",
        {"communication": "4", "coordination": "", "technical": "5", "notes": "Good ack, slow declare."},
    )
    assert response["Location"] == f"{BASE}runs/{run.uuid}/scorecard/"
    run.refresh_from_db()
    assert (run.ratings, run.notes) == ({"communication": 4, "technical": 5}, "Good ack, slow declare.")
    bad = admin.post(f"{BASE}runs/{run.uuid}/review/", {"communication": "9"})
    assert messages_of(bad)[-1] == "Check the ratings (1 to 5) and the notes' length."

    page = text_of(env.client_of(env.ana).get(f"{BASE}runs/{run.uuid}/scorecard/").content.decode())
    assert "1 of 2 met" in page
    assert "Acknowledged 5 min 4 min 10 s Met" in page
    assert "Incident declared 10 min 11 min 40 s Missed" in page
    assert "Communication 4 /5 Coordination Not rated Technical 5 /5" in page
    assert "Good ack, slow declare." in page
    assert f"Retrospective of {incident.reference}" in page
    assert env.client_of(env.ana).post(f"{BASE}runs/{run.uuid}/review/", {"notes": "mine"}).status_code == 403


def test_home_scores_over_time_by_scenario_and_team(env):
    team = TeamFactory(organization=env.org, name="Payments", slug="payments")
    now = timezone.now()
    for days, ack in ((10, "missed"), (3, "met")):
        run = DrillRunFactory(
            organization=env.org,
            scenario=env.scenario,
            status=RunStatus.FINISHED,
            started_at=now - timedelta(days=days),
            ended_at=now - timedelta(days=days) + timedelta(minutes=30),
            scorecard=[
                {"kind": "acknowledge", "label": "Acknowledged", "target_seconds": 300, "result": ack},
                {"kind": "declare", "label": "Incident declared", "target_seconds": 600, "result": "met"},
            ],
        )
        DrillRunTeamFactory(run=run, organization=env.org, team=team)
    admin = env.client_of(env.eve)
    html = admin.get(BASE).content.decode()
    page = text_of(html)
    assert re.search(
        r"Checkout outage 2 runs Acknowledged DR-1: missed \(target 5 min\) DR-2: met \(target 5 min\) 1/2 ", page
    )
    assert "Incident declared DR-1: met (target 10 min) DR-2: met (target 10 min) 2/2" in page
    assert re.findall(r'class="dr-dot dr-dot-(\w+)" href="[^"]+" title="DR-\d: [^"]+"', html)[:2] == ["missed", "met"]
    by_team = text_of(admin.get(BASE + "?by=team").content.decode())
    assert "Payments 2 runs Acknowledged DR-1: missed (target 5 min) DR-2: met (target 5 min) 1/2" in by_team


def test_another_orgs_run_is_not_found(env, other_org):
    theirs = DrillRunFactory(organization=other_org, scenario__organization=other_org)
    admin = env.client_of(env.eve)
    assert admin.get(f"{BASE}runs/{theirs.uuid}/").status_code == 404
    assert admin.post(f"{BASE}runs/{theirs.uuid}/halt/", {"reason": "x"}).status_code == 404

"""Demo data of the drills app for `seed_demo` (idempotent): an approved scenario (a checkout database failover,
written by one admin and approved by another), two finished runs of it by the Payments team with their frozen
scorecards, ratings and notes (so the drills home has scores over time), and the next run scheduled next week.
The finished runs are recorded as they ended; nothing is sent (no inject goes through the pipeline here)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from drills import actions
from drills.models import DrillInject, DrillRun, InjectStatus, RunStatus, Scenario
from drills.scorecard import LABELS, result_of
from incidents.models import Severity
from orgs.models import Organization, Team, User
from orgs.tenancy import Actor
from services.models import Service

DEMO_ORDER = 95  # after workflows (90) and the status page (75): drills rehearse what they set up (core.demo)

TITLE = "Checkout database failover"
AUTHOR = "alice@example.com"
APPROVER = "demo@example.com"
PD = {
    "event_action": "trigger",
    "payload": {"summary": "Checkout: primary database unreachable", "source": "pg-checkout-1", "severity": "critical"},
}
AM = {
    "status": "firing",
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "PaymentsLatencyHigh", "severity": "warning"},
            "annotations": {"summary": "Payments p99 latency above 2 s"},
        }
    ],
}
RESPONSES = [
    {"kind": "acknowledge", "target_seconds": 300},
    {"kind": "declare", "target_seconds": 600},
    {"kind": "commander", "target_seconds": 720},
    {"kind": "first_update", "target_seconds": 900},
    {"kind": "mitigate", "target_seconds": 1800},
]
# Each finished run: days ago, seconds to each response (None: not reached), ratings, notes.
PAST_RUNS = [
    (
        16,
        {"acknowledge": 410, "declare": 780, "commander": 840, "first_update": 1320, "mitigate": None},
        {"communication": 2, "coordination": 3, "technical": 4},
        "Ack was late: the page went to a phone on silent. No stakeholder update until the CFO prompt. "
        "Failover itself went well once started; halted at 35 min before mitigation.",
    ),
    (
        3,
        {"acknowledge": 150, "declare": 420, "commander": 480, "first_update": 840, "mitigate": 1560},
        {"communication": 4, "coordination": 4, "technical": 5},
        "Much better: commander named within 8 min and the first update before the prompt. "
        "Next time: practice the replica promotion without the runbook.",
    ),
]


def _injects(services: set[str]) -> list[dict]:
    injects = [
        {"offset_seconds": 0, "kind": "alert", "format": "pagerduty", "service": "checkout", "payload": PD},
        {"offset_seconds": 180, "kind": "hint", "text": "The checkout service page links the failover runbook."},
        {
            "offset_seconds": 480,
            "kind": "prompt",
            "text": "Stakeholder prompt: the CFO asks in #exec whether card payments are affected and for an ETA.",
        },
    ]
    if "payments" in services:
        injects.append(
            {"offset_seconds": 600, "kind": "alert", "format": "alertmanager", "service": "payments", "payload": AM}
        )
    return injects


@transaction.atomic
def seed_demo(*, organization: Organization) -> None:
    """Add this app's demo rows to the demo organization; running it twice changes nothing."""
    if Scenario.objects.for_org(organization).filter(title=TITLE).exists():
        return
    people = {u.email: u for u in User.objects.filter(memberships__organization=organization)}
    author, approver = people.get(AUTHOR), people.get(APPROVER)
    slugs = set(Service.objects.for_org(organization).values_list("slug", flat=True))
    if author is None or approver is None or "checkout" not in slugs:
        return  # not the demo org's people and catalog
    scenario = actions.scenario_create(
        organization=organization,
        actor=Actor(user=author),
        title=TITLE,
        hypothesis="When the checkout primary database fails at night, the on-call acknowledges within 5 minutes, "
        "a commander is named within 12 and customers hear from us within 15.",
        learning_goals="Practice the database failover runbook; name a commander early; "
        "answer a stakeholder prompt without stopping the technical work.",
        severity=Severity.objects.for_org(organization).filter(name="SEV2").first(),
        services=list(Service.objects.for_org(organization).filter(slug="checkout")),
        injects=_injects(slugs),
        expected_responses=RESPONSES,
        abort_conditions="A real incident on checkout or payments is declared; real customers are affected; "
        "the on-call is already handling a page.",
    )
    scenario = actions.scenario_approve(scenario=scenario, actor=Actor(user=approver))
    team = Team.objects.for_org(organization).filter(name="Payments").first()
    now = timezone.now()
    for days_ago, reached, ratings, notes in PAST_RUNS:
        run = actions.run_create(
            organization=organization,
            actor=Actor(user=author),
            scenario=scenario,
            facilitator=author,
            participants_teams=[team] if team else [],
            observers=[approver],
        )
        started = (now - timedelta(days=days_ago)).replace(hour=14, minute=0, second=0, microsecond=0)
        halted = reached["mitigate"] is None
        ended = started + timedelta(seconds=2100 if halted else 1800 + 300)
        elapsed = int((ended - started).total_seconds())
        scorecard = []
        for item in RESPONSES:
            actual = reached[item["kind"]]
            scorecard.append(
                {
                    "kind": item["kind"],
                    "label": LABELS[item["kind"]],
                    "target_seconds": item["target_seconds"],
                    "actual_seconds": actual,
                    "reached_at": (started + timedelta(seconds=actual)).isoformat() if actual is not None else None,
                    "result": result_of(item["target_seconds"], actual, elapsed),
                }
            )
        DrillInject.objects.bulk_create(
            DrillInject(
                organization=organization,
                run=run,
                position=position,
                offset_seconds=inject["offset_seconds"],
                kind=inject["kind"],
                format=inject.get("format", ""),
                service=Service.objects.for_org(organization).filter(slug=inject.get("service", "")).first(),
                payload=inject.get("payload", {}),
                text=inject.get("text", ""),
                due_at=started + timedelta(seconds=inject["offset_seconds"]),
                status=InjectStatus.SENT,
                sent_at=started + timedelta(seconds=inject["offset_seconds"] + 1),
                attempts=1,
                response_status=202 if inject["kind"] == "alert" else None,
                dedup_key=f"drill-demo{run.number}-{position}" if inject["kind"] == "alert" else "",
            )
            for position, inject in enumerate(scenario.injects)
        )
        DrillRun.objects.filter(pk=run.pk).update(
            status=RunStatus.HALTED if halted else RunStatus.FINISHED,
            started_at=started,
            ended_at=ended,
            halted_by=author if halted else None,
            halt_reason="A real payments incident needed the on-call." if halted else "",
            scorecard=scorecard,
            ratings=ratings,
            notes=notes,
        )
    actions.run_create(
        organization=organization,
        actor=Actor(user=author),
        scenario=scenario,
        scheduled_for=(now + timedelta(days=7)).replace(hour=14, minute=0, second=0, microsecond=0),
        facilitator=author,
        announced=False,
        participants_teams=[team] if team else [],
    )

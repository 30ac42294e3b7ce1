"""The Drills section of the analytics page (registered through core.panels from drills' ready()): the drills
that ran in the dashboard's range, how many were halted, and per expected response how often its target was met."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from drills.models import RunStatus
from tests.factories import DrillRunFactory, ScenarioFactory

pytestmark = pytest.mark.django_db


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def scored_run(org, scenario, *, days_ago, status, ack, declare):
    start = timezone.now() - timedelta(days=days_ago)
    return DrillRunFactory(
        organization=org,
        scenario=scenario,
        status=status,
        started_at=start,
        ended_at=start + timedelta(minutes=30),
        scorecard=[
            {"kind": "acknowledge", "label": "Acknowledged", "target_seconds": 300, "result": ack},
            {"kind": "declare", "label": "Incident declared", "target_seconds": 600, "result": declare},
        ],
    )


def section(html: str) -> str:
    match = re.search(r'<section class="card an-card dr-analytics".*?</section>', html, re.S)
    assert match, "no Drills section"
    return text_of(match.group(0))


def test_drills_section_counts_the_runs_in_range(org, member_client):
    scenario = ScenarioFactory(organization=org)
    scored_run(org, scenario, days_ago=5, status=RunStatus.FINISHED, ack="met", declare="met")
    scored_run(org, scenario, days_ago=20, status=RunStatus.HALTED, ack="missed", declare="not_reached")
    scored_run(org, scenario, days_ago=200, status=RunStatus.FINISHED, ack="missed", declare="missed")  # outside
    DrillRunFactory(organization=org, scenario=scenario, status=RunStatus.SCHEDULED)
    html = member_client.get("/o/acme/analytics/").content.decode()
    assert section(html) == (
        "Drills Rehearsals in this range, scored against their targets. Drill incidents are not counted above. "
        "All drills 2 drills ran, 1 halted · 1 scheduled Response Target met Missed "
        "Acknowledged 1/2 1 Incident declared 1/2 0"
    )


def test_drills_section_without_runs(org, member_client):
    html = member_client.get("/o/acme/analytics/").content.decode()
    assert "No drill ran in this range." in section(html)

"""A schedule's page names its times in the app's one format (core.timefmt), in the schedule's own zone."""

from datetime import UTC, date, datetime, time

import pytest
import time_machine

from oncall.actions import schedules as actions
from orgs.models import MembershipRole
from orgs.tenancy import Actor

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)  # 11:00 in London (BST)


@pytest.fixture
def london_schedule(org, owner, make_member):
    first = make_member(org, MembershipRole.RESPONDER, email="rhea@acme.test").user
    second = make_member(org, MembershipRole.RESPONDER, email="ada@acme.test").user
    schedule = actions.schedule_create(
        organization=org, actor=Actor.system(), name="Payments primary", time_zone="Europe/London"
    )
    actions.layer_create(
        schedule=schedule,
        actor=Actor.system(),
        users=[first, second],
        name="Primary",
        rotation="weekly",
        handoff_time=time(9),
        start_date=date(2026, 6, 30),
    )
    return schedule


def test_hand_offs_and_shifts_read_in_the_one_format_in_the_schedule_zone(client_for, owner, london_schedule):
    with time_machine.travel(NOW, tick=False):
        body = client_for(owner).get("/o/acme/on-call/schedules/payments-primary/").content.decode()

    assert "First hand-off Jun 30, 2026 at 09:00" in body
    assert "until Jul 7, 09:00" in body  # 08:00 UTC: the shift ends at the schedule's 09:00
    assert "from Jul 7, 09:00" in body

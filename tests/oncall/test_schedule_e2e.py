"""In a browser: a responder covers a colleague's shift from the schedule's timeline in two clicks."""

import re
from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from oncall.actions import schedules as actions
from oncall.models import ScheduleOverride
from orgs.models import Organization
from orgs.tenancy import Actor
from tests.e2e.conftest import browser, page, sign_in  # noqa: F401 - fixtures
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_ill_cover_from_the_timeline_in_two_clicks(page):  # noqa: F811 - the page fixture
    # Given Olga on call today and tomorrow on a London schedule, and Sam, a responder, signed in
    org = Organization.objects.create(name="Acme", slug="acme")
    olga = MembershipFactory(
        organization=org, role="admin", user=UserFactory(email="olga@acme.test", full_name="Olga Oncall")
    ).user
    sam = MembershipFactory(
        organization=org, role="responder", user=UserFactory(email="sam@acme.test", full_name="Sam Ito")
    ).user
    schedule = actions.schedule_create(
        organization=org, actor=Actor.system(), name="Payments primary", time_zone="Europe/London"
    )
    today = timezone.now().astimezone(ZoneInfo("Europe/London")).date()
    actions.layer_create(
        schedule=schedule,
        actor=Actor.system(),
        users=[olga],
        name="Primary",
        rotation="weekly",
        handoff_time=time(0),
        start_date=today - timedelta(days=1),
    )
    sign_in(page, "sam@acme.test", "correct-horse-battery")

    # When Sam clicks Olga's shift in the On call row, then confirms the prefilled form
    page.goto("/o/acme/on-call/schedules/payments-primary/")
    page.locator(".st-final a.st-bar").first.click()
    page.wait_for_url(re.compile(r"/overrides/new/\?start="))
    page.get_by_role("button", name="Confirm: I'll cover").click()

    # Then Sam covers Olga from now on, and the schedule page says so
    page.wait_for_url(re.compile(r"/on-call/schedules/payments-primary/$"))
    override = ScheduleOverride.objects.get(schedule=schedule)
    assert (override.user, override.covers) == (sam, olga)
    assert page.locator(".message-success").inner_text().startswith("Sam Ito is on call instead of Olga Oncall, ")
    assert "Sam Ito" in page.locator(".oncall-slot").first.inner_text()

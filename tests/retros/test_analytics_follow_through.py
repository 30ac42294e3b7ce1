"""The "after the incident" figures: retrospectives published on time, follow-ups done and overdue, the top
contributing factors, over the incidents the filters select (drills and other orgs left out)."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from incidents import actions as incident_actions
from incidents.models import Incident
from orgs.models import Organization
from retros import analytics
from retros.models import ContributingFactor, RetroFactor, Retrospective, RetrospectiveStatus
from tests.factories import TimedIncidentFactory
from ticketing.models import FollowUp, FollowUpStatus

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MARCH = analytics.AnalyticsFilters(since=date(2026, 3, 1), until=date(2026, 3, 31))


@pytest.fixture
def acme(org: Organization) -> Organization:
    incident_actions.organization_defaults_ensure(organization=org)
    return org


@pytest.fixture
def globex(other_org: Organization) -> Organization:
    incident_actions.organization_defaults_ensure(organization=other_org)
    return other_org


def retro(incident: Incident, *, due: datetime | None, published: datetime | None = None) -> Retrospective:
    return Retrospective.objects.create(
        organization=incident.organization,
        incident=incident,
        title=f"Retro of {incident.title}",
        status=RetrospectiveStatus.PUBLISHED if published else RetrospectiveStatus.DRAFT,
        due_at=due,
        published_at=published,
    )


def follow_up(incident: Incident | None, status: str, due: date | None = None, **links: object) -> FollowUp:
    organization = incident.organization
    number = FollowUp.objects.filter(organization=organization).count() + 1
    return FollowUp.objects.create(
        organization=organization,
        number=number,
        title=f"FU {number}",
        status=status,
        due_date=due,
        incident=incident,
        **links,
    )


def tag(retrospective: Retrospective, name: str) -> None:
    factor, _ = ContributingFactor.objects.get_or_create(
        organization=retrospective.organization, slug=name.lower().replace(" ", "-"), defaults={"name": name}
    )
    RetroFactor.objects.create(organization=retrospective.organization, retrospective=retrospective, factor=factor)


def test_retrospectives_on_time_percentage(acme):
    due = NOW - timedelta(days=3)
    on_time, late, overdue, not_yet_due, undated = (
        TimedIncidentFactory(organization=acme, started_at=T0, resolve=10) for _ in range(5)
    )
    retro(on_time, due=due, published=due - timedelta(hours=1))
    retro(late, due=due, published=due + timedelta(hours=1))
    retro(overdue, due=due)
    retro(not_yet_due, due=NOW + timedelta(days=2))
    retro(undated, due=None, published=NOW)  # no due date: on time

    figures = analytics.analytics_follow_through(organization=acme, filters=MARCH, now=NOW).retros

    assert (figures.total, figures.published, figures.published_on_time, figures.published_late) == (5, 3, 2, 1)
    assert (figures.overdue, figures.not_yet_due) == (1, 1)
    assert figures.on_time_percent == 50.0  # 2 of the 4 published or overdue


def test_follow_ups_done_open_and_overdue(acme):
    first = TimedIncidentFactory(organization=acme, started_at=T0, resolve=10)
    second_retro = retro(TimedIncidentFactory(organization=acme, started_at=T0, resolve=10), due=None)
    follow_up(first, FollowUpStatus.DONE)
    follow_up(first, FollowUpStatus.OPEN, due=date(2026, 4, 9))  # overdue
    follow_up(first, FollowUpStatus.IN_PROGRESS, due=date(2026, 4, 10))  # due today: not overdue
    follow_up(second_retro.incident, FollowUpStatus.WONT_DO, source="retrospective")  # the retrospective's
    follow_up(second_retro.incident, FollowUpStatus.OPEN, source="retrospective")

    figures = analytics.analytics_follow_through(organization=acme, filters=MARCH, now=NOW).follow_ups

    assert figures == analytics.follow_through.FollowUpFigures(total=5, done=1, wont_do=1, open=3, overdue=1)


def test_top_contributing_factors(acme):
    retros = [retro(TimedIncidentFactory(organization=acme, started_at=T0, resolve=10), due=None) for _ in range(3)]
    tag(retros[0], "Config change")
    tag(retros[1], "Config change")
    tag(retros[2], "Config change")
    tag(retros[0], "Capacity")
    tag(retros[1], "Alert missing")

    factors = analytics.analytics_follow_through(organization=acme, filters=MARCH, now=NOW).factors

    assert [(f.slug, f.name, f.retrospectives) for f in factors] == [
        ("config-change", "Config change", 3),
        ("alert-missing", "Alert missing", 1),
        ("capacity", "Capacity", 1),
    ]


def test_only_the_selected_incidents_count(acme, globex):
    real = TimedIncidentFactory(organization=acme, started_at=T0, resolve=10)
    drill = TimedIncidentFactory(organization=acme, started_at=T0, resolve=10, is_drill=True)
    april = TimedIncidentFactory(organization=acme, started_at=T0 + timedelta(days=40), resolve=10)
    theirs = TimedIncidentFactory(organization=globex, started_at=T0, resolve=10)
    for incident in (real, drill, april, theirs):
        tag(retro(incident, due=None, published=NOW), "Config change")
        follow_up(incident, FollowUpStatus.DONE)

    figures = analytics.analytics_follow_through(organization=acme, filters=MARCH, now=NOW)
    with_drills = analytics.analytics_follow_through(
        organization=acme, filters=replace(MARCH, include_drills=True), now=NOW
    )

    assert (figures.retros.total, figures.follow_ups.total, figures.factors[0].retrospectives) == (1, 1, 1)
    assert (with_drills.retros.total, with_drills.follow_ups.total, with_drills.factors[0].retrospectives) == (2, 2, 2)


def test_nothing_yet_gives_zeros(acme):
    TimedIncidentFactory(organization=acme, started_at=T0, resolve=10)

    figures = analytics.analytics_follow_through(organization=acme, filters=MARCH, now=NOW)

    assert figures.retros.on_time_percent is None
    assert (figures.retros.total, figures.follow_ups.total, figures.factors) == (0, 0, [])

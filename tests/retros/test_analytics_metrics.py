"""Analytics figures on hand-built incidents with known timestamps: exact mean, median and p90 (linear
interpolation, like PostgreSQL's percentile_cont) on PostgreSQL and SQLite alike; drills, false alarms,
other orgs and other dates left out; a missing milestone leaves the incident out of that metric only."""

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError

from incidents import actions as incident_actions
from incidents.models import IncidentStatus, Severity
from orgs.models import Organization
from orgs.tenancy import Actor
from retros import analytics
from tests.factories import ServiceFactory, SeverityFactory, TeamFactory, TimedIncidentFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
SYSTEM = Actor.system()
RANGE = analytics.AnalyticsFilters(since=date(2026, 3, 1), until=date(2026, 3, 31))


@pytest.fixture
def acme(org: Organization) -> Organization:
    incident_actions.organization_defaults_ensure(organization=org)
    return org


@pytest.fixture
def globex(other_org: Organization) -> Organization:
    incident_actions.organization_defaults_ensure(organization=other_org)
    return other_org


def minutes(value: float) -> float:
    return value * 60.0


def test_summary_gives_exact_mean_median_and_p90(acme):
    # Given five resolved incidents resolving in 10, 20, 30, 40 and 100 minutes
    for resolve in (10, 20, 30, 40, 100):
        TimedIncidentFactory(organization=acme, started_at=T0, resolve=resolve)

    # When the summary is computed
    summary = analytics.analytics_summary(organization=acme, filters=RANGE)

    # Then mean 40 min, median 30 min, p90 at rank 0.9*4 = 3.6: 40 + 0.6*(100-40) = 76 min
    assert summary.incidents == 5
    assert summary.metrics["mttr"] == analytics.MetricStats(
        count=5, mean=minutes(40), median=minutes(30), p90=minutes(76)
    )


def test_even_count_median_interpolates_between_the_middle_two(acme):
    for ack in (1, 2, 4, 7):
        TimedIncidentFactory(organization=acme, started_at=T0, ack=ack)

    summary = analytics.analytics_summary(organization=acme, filters=RANGE)

    # median rank 1.5 -> 2 + 0.5*(4-2) = 3; p90 rank 2.7 -> 4 + 0.7*(7-4) = 6.1
    assert summary.metrics["mtta"] == analytics.MetricStats(
        count=4, mean=minutes(3.5), median=minutes(3), p90=minutes(6.1)
    )


def test_seconds_are_exact_to_the_millisecond(acme):
    TimedIncidentFactory(organization=acme, started_at=T0, detect=0.5)  # 30 s
    TimedIncidentFactory(organization=acme, started_at=T0, detect=1.25)  # 75 s
    TimedIncidentFactory(organization=acme, started_at=T0, detect=1 / 60 * 1.5)  # 1.5 s

    summary = analytics.analytics_summary(organization=acme, filters=RANGE)

    # sorted 1.5, 30, 75: mean 35.5; median 30; p90 rank 1.8 -> 30 + 0.8*45 = 66
    assert summary.metrics["mttd"] == analytics.MetricStats(count=3, mean=35.5, median=30.0, p90=66.0)


def test_missing_milestone_leaves_the_incident_out_of_that_metric_only(acme):
    # Given one incident acknowledged but never mitigated, and one mitigated but never acknowledged
    TimedIncidentFactory(organization=acme, started_at=T0, detect=1, ack=5, resolve=60)
    TimedIncidentFactory(organization=acme, started_at=T0, detect=3, mitigate=20, resolve=120)

    summary = analytics.analytics_summary(organization=acme, filters=RANGE)

    assert summary.incidents == 2
    assert summary.metrics == {
        "mttd": analytics.MetricStats(count=2, mean=minutes(2), median=minutes(2), p90=minutes(2.8)),
        "mtta": analytics.MetricStats(count=1, mean=minutes(5), median=minutes(5), p90=minutes(5)),
        "mttm": analytics.MetricStats(count=1, mean=minutes(20), median=minutes(20), p90=minutes(20)),
        "mttr": analytics.MetricStats(count=2, mean=minutes(90), median=minutes(90), p90=minutes(114)),
    }


def test_no_incidents_gives_zero_counts_and_no_figures(acme):
    summary = analytics.analytics_summary(organization=acme, filters=RANGE)

    assert summary.incidents == 0
    assert summary.metrics["mttr"] == analytics.MetricStats(count=0, mean=None, median=None, p90=None)


def test_drills_are_left_out_unless_included(acme):
    TimedIncidentFactory(organization=acme, started_at=T0, resolve=10)
    TimedIncidentFactory(organization=acme, started_at=T0, resolve=50, is_drill=True)

    without = analytics.analytics_summary(organization=acme, filters=RANGE)
    with_drills = analytics.analytics_summary(organization=acme, filters=replace(RANGE, include_drills=True))

    assert (without.incidents, without.metrics["mttr"].mean) == (1, minutes(10))
    assert (with_drills.incidents, with_drills.metrics["mttr"].mean) == (2, minutes(30))


def test_false_alarms_merged_and_canceled_incidents_do_not_count(acme):
    TimedIncidentFactory(organization=acme, started_at=T0, resolve=10)
    for status in (IncidentStatus.DECLINED, IncidentStatus.MERGED, IncidentStatus.CANCELED):
        TimedIncidentFactory(organization=acme, started_at=T0, resolve=500, status=status)
    # Open ones count.
    TimedIncidentFactory(organization=acme, started_at=T0, ack=4, status=IncidentStatus.INVESTIGATING)

    summary = analytics.analytics_summary(organization=acme, filters=RANGE)

    assert summary.incidents == 2
    assert summary.metrics["mttr"] == analytics.MetricStats(
        count=1, mean=minutes(10), median=minutes(10), p90=minutes(10)
    )


def test_range_is_on_started_at_both_days_inclusive(acme):
    # One before the range, one at its first moment, one on its last day, one after it.
    TimedIncidentFactory(organization=acme, started_at=datetime(2026, 2, 28, 23, 59, tzinfo=UTC), resolve=1)
    TimedIncidentFactory(organization=acme, started_at=datetime(2026, 3, 1, 0, 0, tzinfo=UTC), resolve=2)
    TimedIncidentFactory(organization=acme, started_at=datetime(2026, 3, 31, 23, 59, tzinfo=UTC), resolve=4)
    TimedIncidentFactory(organization=acme, started_at=datetime(2026, 4, 1, 0, 0, tzinfo=UTC), resolve=8)

    summary = analytics.analytics_summary(organization=acme, filters=RANGE)

    assert (summary.incidents, summary.metrics["mttr"].mean) == (2, minutes(3))


def test_another_orgs_incidents_never_count(acme, globex):
    TimedIncidentFactory(organization=acme, started_at=T0, resolve=10)
    TimedIncidentFactory(organization=globex, started_at=T0, resolve=1000)
    TimedIncidentFactory(
        organization=globex, started_at=T0, severity=SeverityFactory(organization=globex, name="SEV1"), resolve=2000
    )

    acme_summary = analytics.analytics_summary(organization=acme, filters=RANGE)
    acme_severities = analytics.analytics_breakdown(organization=acme, filters=RANGE, by="severity")
    acme_weeks = analytics.analytics_weekly(organization=acme, filters=RANGE)
    globex_summary = analytics.analytics_summary(organization=globex, filters=RANGE)

    assert (acme_summary.incidents, acme_summary.metrics["mttr"].p90) == (1, minutes(10))
    assert [(r.key, r.stats.incidents) for r in acme_severities] == [("SEV2", 1)]
    assert sum(w.stats.incidents for w in acme_weeks) == 1
    assert (globex_summary.incidents, globex_summary.metrics["mttr"].mean) == (2, minutes(1500))


def test_weekly_rows_cover_every_week_of_the_range_with_figures(acme):
    TimedIncidentFactory(organization=acme, started_at=datetime(2026, 3, 2, 10, tzinfo=UTC), resolve=10)
    # A Sunday: the same week as the Monday before.
    TimedIncidentFactory(organization=acme, started_at=datetime(2026, 3, 8, 23, tzinfo=UTC), resolve=30)
    TimedIncidentFactory(organization=acme, started_at=datetime(2026, 3, 23, 1, tzinfo=UTC), resolve=5)

    weeks = analytics.analytics_weekly(organization=acme, filters=RANGE)

    assert [(w.start, w.end, w.is_partial, w.stats.incidents, w.stats.metrics["mttr"].median) for w in weeks] == [
        (date(2026, 2, 23), date(2026, 3, 1), True, 0, None),
        (date(2026, 3, 2), date(2026, 3, 8), False, 2, minutes(20)),
        (date(2026, 3, 9), date(2026, 3, 15), False, 0, None),
        (date(2026, 3, 16), date(2026, 3, 22), False, 0, None),
        (date(2026, 3, 23), date(2026, 3, 29), False, 1, minutes(5)),
        (date(2026, 3, 30), date(2026, 4, 5), True, 0, None),
    ]


def test_breakdowns_by_severity_service_and_team(acme):
    payments = TeamFactory(organization=acme, name="Payments", slug="payments")
    api = ServiceFactory(organization=acme, name="API", owner_team=payments)
    ledger = ServiceFactory(organization=acme, name="Ledger", owner_team=payments)
    search = ServiceFactory(organization=acme, name="Search")
    # One team, two services.
    TimedIncidentFactory(
        organization=acme,
        started_at=T0,
        severity=SeverityFactory(organization=acme, name="SEV1"),
        services=(api, ledger),
        resolve=10,
    )
    TimedIncidentFactory(
        organization=acme,
        started_at=T0,
        severity=SeverityFactory(organization=acme, name="SEV1"),
        services=(api,),
        resolve=30,
    )
    TimedIncidentFactory(
        organization=acme,
        started_at=T0,
        severity=SeverityFactory(organization=acme, name="SEV3"),
        services=(search,),
        resolve=100,
    )
    TimedIncidentFactory(
        organization=acme, started_at=T0, severity=SeverityFactory(organization=acme, name="SEV3"), resolve=200
    )

    by_severity = analytics.analytics_breakdown(organization=acme, filters=RANGE, by="severity")
    by_service = analytics.analytics_breakdown(organization=acme, filters=RANGE, by="service")
    by_team = analytics.analytics_breakdown(organization=acme, filters=RANGE, by="team")

    def rows(breakdown: list) -> list:
        return [(r.key, r.label, r.stats.incidents, r.stats.metrics["mttr"].mean) for r in breakdown]

    assert rows(by_severity) == [("SEV1", "SEV1", 2, minutes(20)), ("SEV3", "SEV3", 2, minutes(150))]
    assert rows(by_service) == [
        ("api", "API", 2, minutes(20)),
        ("ledger", "Ledger", 1, minutes(10)),
        ("search", "Search", 1, minutes(100)),
        (None, "No service", 1, minutes(200)),
    ]
    # the first incident counts once for Payments although two of its services belong to it
    assert rows(by_team) == [("payments", "Payments", 2, minutes(20)), (None, "No owner team", 2, minutes(150))]


def test_filters_narrow_by_severity_service_team_and_type(acme):
    payments = TeamFactory(organization=acme, name="Payments", slug="payments")
    api = ServiceFactory(organization=acme, name="API", owner_team=payments)
    search = ServiceFactory(organization=acme, name="Search")
    TimedIncidentFactory(
        organization=acme,
        started_at=T0,
        severity=SeverityFactory(organization=acme, name="SEV1"),
        services=(api,),
        resolve=10,
    )
    TimedIncidentFactory(
        organization=acme,
        started_at=T0,
        severity=SeverityFactory(organization=acme, name="SEV1"),
        services=(search,),
        resolve=20,
    )
    TimedIncidentFactory(
        organization=acme,
        started_at=T0,
        severity=SeverityFactory(organization=acme, name="SEV2"),
        services=(api, search),
        resolve=40,
    )
    sev1 = Severity.objects.get(organization=acme, name="SEV1")

    def mean(**narrow: object) -> tuple[int, float | None]:
        summary = analytics.analytics_summary(organization=acme, filters=replace(RANGE, **narrow))
        return summary.incidents, summary.metrics["mttr"].mean

    assert mean(severity=sev1) == (2, minutes(15))
    assert mean(service=search) == (2, minutes(30))
    assert mean(team=payments) == (2, minutes(25))
    assert mean(severity=sev1, team=payments) == (1, minutes(10))


def test_filters_resolve_names_and_slugs_of_the_org_only(acme, globex):
    TeamFactory(organization=globex, name="Globex Ops", slug="globex-ops")

    with pytest.raises(ValidationError) as refused:
        analytics.analytics_filters_resolve(
            organization=acme, since=date(2026, 3, 1), until=date(2026, 2, 1), team="globex-ops", severity="SEV9"
        )

    assert refused.value.message_dict == {
        "until": ["The end date must be on or after the start date."],
        "team": ["No team of this organization is called “globex-ops”."],
        "severity": ["No severity of this organization is called “SEV9”."],
    }


def test_filters_refuse_a_range_over_two_years(acme):
    with pytest.raises(ValidationError) as refused:
        analytics.analytics_filters_resolve(organization=acme, since=date(2024, 1, 1), until=date(2026, 1, 2))

    assert refused.value.message_dict == {"since": ["Pick a range of at most 731 days (two years)."]}

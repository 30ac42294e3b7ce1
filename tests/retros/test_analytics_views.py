"""The analytics dashboard page and its CSV exports: figures of the member's org only, every member reads
(viewers too), filters validated with a 400 that says why, a labelled drill toggle, empty states, and a
number of queries that does not grow with the number of incidents."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from incidents import actions as incident_actions
from orgs.models import MembershipRole, Organization
from tests.factories import ServiceFactory, SeverityFactory, TeamFactory, TimedIncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(org: Organization) -> Organization:
    incident_actions.organization_defaults_ensure(organization=org)
    return org


@pytest.fixture
def globex(other_org: Organization) -> Organization:
    incident_actions.organization_defaults_ensure(organization=other_org)
    return other_org


URL = "/o/acme/analytics/"
MARCH = "since=2026-03-01&until=2026-03-31"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def viewer(acme, make_member):
    return make_member(acme, MembershipRole.VIEWER, email="viewer@acme.test")


@pytest.fixture
def march(acme):
    """Three March incidents: resolved in 30, 90 and 150 minutes; one of them a drill resolved in 10 h."""
    payments = TeamFactory(organization=acme, name="Acme Payments", slug="acme-payments")
    ledger = ServiceFactory(organization=acme, name="Acme Ledger", owner_team=payments)
    TimedIncidentFactory(
        organization=acme,
        started_at=T0,
        severity=SeverityFactory(organization=acme, name="SEV1"),
        services=(ledger,),
        detect=2,
        ack=4,
        mitigate=20,
        resolve=30,
    )
    TimedIncidentFactory(
        organization=acme,
        started_at=T0 + timedelta(days=7),
        severity=SeverityFactory(organization=acme, name="SEV2"),
        ack=10,
        resolve=90,
    )
    TimedIncidentFactory(
        organization=acme,
        started_at=T0 + timedelta(days=8),
        severity=SeverityFactory(organization=acme, name="SEV2"),
        resolve=150,
    )
    TimedIncidentFactory(organization=acme, started_at=T0 + timedelta(days=9), resolve=600, is_drill=True)
    return acme


def test_dashboard_shows_the_orgs_figures(march, owner, client_for):
    response = client_for(owner).get(f"{URL}?{MARCH}")

    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert dashboard.summary.incidents == 3
    assert [(c.label, c.value) for c in dashboard.headlines] == [
        ("Incidents", "3"),
        ("MTTD", "2m"),
        ("MTTA", "7m"),
        ("MTTM", "20m"),
        ("MTTR", "1h 30m"),
    ]
    assert [(w.start.isoformat(), w.stats.incidents) for w in dashboard.weeks] == [
        ("2026-02-23", 0),
        ("2026-03-02", 1),
        ("2026-03-09", 2),
        ("2026-03-16", 0),
        ("2026-03-23", 0),
        ("2026-03-30", 0),
    ]
    body = response.content.decode()
    assert "drills excluded" in body
    assert "Week of Mar 9 to Mar 15: 2 incidents" in body  # the bar's tooltip
    assert 'href="/o/acme/analytics/export/weekly.csv?since=2026-03-01&amp;until=2026-03-31"' in body


def test_viewer_reads_the_dashboard(march, viewer, client_for):
    response = client_for(viewer).get(f"{URL}?{MARCH}")

    assert response.status_code == 200
    assert response.context["dashboard"].summary.incidents == 3
    assert "Declare an incident" not in response.content.decode()


def test_drill_toggle_includes_drills_and_says_so(march, owner, client_for):
    response = client_for(owner).get(f"{URL}?{MARCH}&include_drills=true")

    assert response.context["dashboard"].summary.incidents == 4
    body = response.content.decode()
    assert "drills included" in body
    assert "Drill incidents are included in these figures." in body


def test_breakdown_tabs_and_statistic(march, owner, client_for):
    response = client_for(owner).get(f"{URL}?{MARCH}&by=team&stat=p90")

    lines = response.context["breakdown_lines"]
    assert [(line.row.label, line.row.stats.incidents, [c.text for c in line.cells]) for line in lines] == [
        ("Acme Payments", 1, ["2m", "4m", "20m", "30m"]),
        ("No owner team", 2, ["—", "10m", "—", "2h 24m"]),
    ]


def test_htmx_breakdown_answers_only_the_breakdown_card(march, owner, client_for):
    response = client_for(owner).get(
        f"{URL}?{MARCH}&by=service", headers={"HX-Request": "true", "HX-Target": "analytics-breakdown"}
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.strip().startswith('<section class="card an-card" id="analytics-breakdown"')
    assert "Acme Ledger" in body
    assert "Incidents per week" not in body


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("since=2026-03-31&until=2026-03-01", "The end date must be on or after the start date."),
        ("since=2026-13-01", "Enter a valid date."),
        ("service=globex-api", "No service of this organization is called “globex-api”."),
        ("since=2020-01-01&until=2026-01-01", "Pick a range of at most 731 days (two years)."),
        ("by=nothing", "Select a valid choice. nothing is not one of the available choices."),
    ],
)
def test_bad_filters_are_a_400_that_says_why(acme, globex, owner, client_for, query, error):
    ServiceFactory(organization=globex, name="Globex API")

    response = client_for(owner).get(f"{URL}?{query}")

    assert response.status_code == 400
    assert response.context["errors"] == [error]
    assert f"<li>{escape(error)}</li>" in response.content.decode()


def test_empty_range_says_how_to_widen_it(march, owner, client_for):
    response = client_for(owner).get(f"{URL}?since=2025-01-01&until=2025-01-31")

    body = response.content.decode()
    assert response.status_code == 200
    assert "No incidents in this range" in body
    assert "Incidents per week" not in body


def test_org_without_incidents_invites_to_declare(acme, owner, client_for):
    response = client_for(owner).get(URL)

    body = response.content.decode()
    assert "No incidents yet" in body
    assert 'href="/o/acme/incidents/declare/">Declare an incident</a>' in body


def test_default_range_is_the_last_90_days(acme, owner, client_for):
    TimedIncidentFactory(organization=acme, started_at=timezone.now() - timedelta(days=89), resolve=5)
    TimedIncidentFactory(organization=acme, started_at=timezone.now() - timedelta(days=91), resolve=5)

    response = client_for(owner).get(URL)

    filters = response.context["filters"]
    assert (filters.until - filters.since).days == 89
    assert filters.until == timezone.now().date()
    assert response.context["dashboard"].summary.incidents == 1


def test_another_orgs_member_gets_404(march, other_member, client_for):
    client = client_for(other_member)

    assert client.get(f"{URL}?{MARCH}").status_code == 404
    assert client.get(f"{URL}export/weekly.csv?{MARCH}").status_code == 404


def test_another_orgs_incidents_never_show(march, globex, owner, client_for):
    TimedIncidentFactory(organization=globex, started_at=T0, resolve=5000)

    response = client_for(owner).get(f"{URL}?{MARCH}")

    assert response.context["dashboard"].summary.incidents == 3
    assert response.context["dashboard"].summary.metrics["mttr"].p90 == 138 * 60.0


def test_page_refuses_post(march, owner, client_for):
    assert client_for(owner).post(URL).status_code == 405


def test_query_count_does_not_grow_with_incidents(acme, owner, client_for):
    client = client_for(owner)
    TimedIncidentFactory(organization=acme, started_at=T0, resolve=10)
    client.get(f"{URL}?{MARCH}")  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as few:
        client.get(f"{URL}?{MARCH}&by=team")
    for day in range(25):
        TimedIncidentFactory(
            organization=acme,
            started_at=T0 + timedelta(days=day),
            services=(ServiceFactory(organization=acme, name=f"S{day}"),),
            resolve=day,
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"{URL}?{MARCH}&by=team")

    assert response.context["dashboard"].summary.incidents == 26
    assert len(many) == len(few)


def test_weekly_csv(march, viewer, client_for):
    response = client_for(viewer).get(f"{URL}export/weekly.csv?{MARCH}")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="acme-analytics-weekly-2026-03-01-2026-03-31.csv"'
    lines = response.content.decode().splitlines()
    assert lines[0] == (
        "week_start,week_end,partial_week,incidents,"
        "mttd_count,mttd_mean_seconds,mttd_median_seconds,mttd_p90_seconds,"
        "mtta_count,mtta_mean_seconds,mtta_median_seconds,mtta_p90_seconds,"
        "mttm_count,mttm_mean_seconds,mttm_median_seconds,mttm_p90_seconds,"
        "mttr_count,mttr_mean_seconds,mttr_median_seconds,mttr_p90_seconds"
    )
    assert lines[1:4] == [
        "2026-02-23,2026-03-01,yes,0,0,,,,0,,,,0,,,,0,,,",
        "2026-03-02,2026-03-08,no,1,1,120.0,120.0,120.0,1,240.0,240.0,240.0,1,1200.0,1200.0,1200.0,1,1800.0,1800.0,1800.0",
        "2026-03-09,2026-03-15,no,2,0,,,,1,600.0,600.0,600.0,0,,,,2,7200.0,7200.0,8640.0",
    ]
    assert len(lines) == 7


def test_breakdown_and_summary_csv(march, owner, client_for):
    client = client_for(owner)

    team = client.get(f"{URL}export/team.csv?{MARCH}&include_drills=true").content.decode().splitlines()
    summary = client.get(f"{URL}export/summary.csv?{MARCH}").content.decode().splitlines()

    assert [line.split(",")[:3] for line in team] == [
        ["team", "label", "incidents"],
        ["acme-payments", "Acme Payments", "1"],
        ["", "No owner team", "3"],
    ]
    assert summary == [
        "metric,incidents,incidents_with_milestone,mean_seconds,median_seconds,p90_seconds",
        "mttd,3,1,120.0,120.0,120.0",
        "mtta,3,2,420.0,420.0,564.0",
        "mttm,3,1,1200.0,1200.0,1200.0",
        "mttr,3,3,5400.0,5400.0,8280.0",
    ]


def test_csv_of_an_unknown_chart_is_404_and_bad_filters_400(march, owner, client_for):
    client = client_for(owner)

    missing = client.get(f"{URL}export/pie.csv")
    bad = client.get(f"{URL}export/weekly.csv?team=nobody")

    assert missing.status_code == 404
    assert (bad.status_code, bad.content.decode()) == (400, "team: No team of this organization is called “nobody”.")

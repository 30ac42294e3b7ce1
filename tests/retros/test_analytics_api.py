"""/api/v1/analytics/: the dashboard's figures for the token's org (any role reads, nothing writes),
filters as query parameters with the standard 400 body, and never a row of another org."""

from datetime import UTC, datetime, timedelta

import pytest

from incidents import actions as incident_actions
from incidents.models import Incident
from orgs.models import Organization
from retros.models import ContributingFactor, RetroFactor, Retrospective, RetrospectiveStatus
from tests.factories import ServiceFactory, SeverityFactory, TeamFactory, TimedIncidentFactory
from ticketing.models import FollowUp

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(org: Organization) -> Organization:
    incident_actions.organization_defaults_ensure(organization=org)
    return org


@pytest.fixture
def globex(other_org: Organization) -> Organization:
    incident_actions.organization_defaults_ensure(organization=other_org)
    return other_org


MARCH = "since=2026-03-01&until=2026-03-31"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NO_FIGURE = {"count": 0, "mean_seconds": None, "median_seconds": None, "p90_seconds": None}


def figure(count: int, mean: float, median: float, p90: float) -> dict:
    return {"count": count, "mean_seconds": mean, "median_seconds": median, "p90_seconds": p90}


@pytest.fixture
def march(acme):
    payments = TeamFactory(organization=acme, name="Acme Payments", slug="acme-payments")
    ledger = ServiceFactory(organization=acme, name="Acme Ledger", owner_team=payments)
    TimedIncidentFactory(
        organization=acme,
        started_at=T0,
        severity=SeverityFactory(organization=acme, name="SEV1"),
        services=(ledger,),
        detect=2,
        ack=4,
        resolve=30,
    )
    TimedIncidentFactory(
        organization=acme,
        started_at=T0 + timedelta(days=7),
        severity=SeverityFactory(organization=acme, name="SEV2"),
        ack=10,
        resolve=90,
    )
    TimedIncidentFactory(organization=acme, started_at=T0 + timedelta(days=9), resolve=600, is_drill=True)
    TimedIncidentFactory(
        organization=acme, started_at=T0 - timedelta(days=10), resolve=60
    )  # February: the previous period
    return acme


def test_summary_with_the_previous_period(march, api_client_for):
    response = api_client_for(march, "viewer").get(f"/api/v1/analytics/summary/?{MARCH}")

    assert response.status_code == 200
    assert response.json() == {
        "organization": "acme",
        "filters": {
            "since": "2026-03-01",
            "until": "2026-03-31",
            "severity": None,
            "service": None,
            "team": None,
            "incident_type": None,
            "include_drills": False,
        },
        "figures": {
            "incidents": 2,
            "mttd": figure(1, 120.0, 120.0, 120.0),
            "mtta": figure(2, 420.0, 420.0, 564.0),
            "mttm": NO_FIGURE,
            "mttr": figure(2, 3600.0, 3600.0, 5040.0),
        },
        "previous_period": {
            "since": "2026-01-29",
            "until": "2026-02-28",
            "figures": {
                "incidents": 1,
                "mttd": NO_FIGURE,
                "mtta": NO_FIGURE,
                "mttm": NO_FIGURE,
                "mttr": figure(1, 3600.0, 3600.0, 3600.0),
            },
        },
    }


def test_weekly(march, api_client):
    response = api_client.get(f"/api/v1/analytics/weekly/?{MARCH}&include_drills=true")

    weeks = response.json()["weeks"]
    assert [(w["week_start"], w["week_end"], w["partial"], w["figures"]["incidents"]) for w in weeks] == [
        ("2026-02-23", "2026-03-01", True, 0),
        ("2026-03-02", "2026-03-08", False, 1),
        ("2026-03-09", "2026-03-15", False, 2),
        ("2026-03-16", "2026-03-22", False, 0),
        ("2026-03-23", "2026-03-29", False, 0),
        ("2026-03-30", "2026-04-05", True, 0),
    ]
    assert weeks[2]["figures"]["mttr"] == figure(2, 20700.0, 20700.0, 32940.0)
    assert response.json()["filters"]["include_drills"] is True


def test_breakdowns(march, api_client):
    severity = api_client.get(f"/api/v1/analytics/by-severity/?{MARCH}").json()["rows"]
    service_rows = api_client.get(f"/api/v1/analytics/by-service/?{MARCH}").json()["rows"]
    team = api_client.get(f"/api/v1/analytics/by-team/?{MARCH}").json()["rows"]

    def brief(rows: list) -> list:
        return [(r["key"], r["label"], r["figures"]["incidents"], r["figures"]["mttr"]["mean_seconds"]) for r in rows]

    assert brief(severity) == [("SEV1", "SEV1", 1, 1800.0), ("SEV2", "SEV2", 1, 5400.0)]
    assert brief(service_rows) == [("acme-ledger", "Acme Ledger", 1, 1800.0), (None, "No service", 1, 5400.0)]
    assert brief(team) == [("acme-payments", "Acme Payments", 1, 1800.0), (None, "No owner team", 1, 5400.0)]


def test_list_has_everything_the_dashboard_shows(march, api_client):
    response = api_client.get(f"/api/v1/analytics/?{MARCH}&severity=SEV1")

    data = response.json()
    assert sorted(data) == [
        "by_service",
        "by_severity",
        "by_team",
        "figures",
        "filters",
        "follow_through",
        "organization",
        "paging",
        "weeks",
    ]
    assert data["figures"]["incidents"] == 1
    assert data["filters"]["severity"] == "SEV1"
    assert [r["key"] for r in data["by_severity"]] == ["SEV1"]
    assert [r["key"] for r in data["by_team"]] == ["acme-payments"]
    assert len(data["weeks"]) == 6


def test_follow_through(march, api_client):
    incident = Incident.objects.get(organization=march, number=1)
    retrospective = Retrospective.objects.create(
        organization=march,
        incident=incident,
        title="Ledger retro",
        status=RetrospectiveStatus.PUBLISHED,
        due_at=T0 + timedelta(days=5),
        published_at=T0 + timedelta(days=4),
    )
    factor = ContributingFactor.objects.create(organization=march, name="Config change", slug="config-change")
    RetroFactor.objects.create(organization=march, retrospective=retrospective, factor=factor)
    FollowUp.objects.create(organization=march, number=1, title="Add a canary", incident=incident, status="done")

    response = api_client.get(f"/api/v1/analytics/follow-through/?{MARCH}")

    data = response.json()
    assert response.status_code == 200
    assert (data["organization"], data["filters"]["since"]) == ("acme", "2026-03-01")
    assert data["retrospectives"] == {
        "total": 1,
        "published": 1,
        "published_on_time": 1,
        "published_late": 0,
        "overdue": 0,
        "not_yet_due": 0,
        "on_time_percent": 100.0,
    }
    assert data["follow_ups"] == {"total": 1, "done": 1, "wont_do": 0, "open": 0, "overdue": 0}
    assert data["factors"] == [{"slug": "config-change", "name": "Config change", "retrospectives": 1}]


def test_filters_by_service_team_and_type(march, api_client):
    by_service = api_client.get(f"/api/v1/analytics/summary/?{MARCH}&service=acme-ledger").json()
    by_team = api_client.get(f"/api/v1/analytics/summary/?{MARCH}&team=acme-payments").json()

    assert (by_service["figures"]["incidents"], by_service["filters"]["service"]) == (1, "acme-ledger")
    assert (by_team["figures"]["incidents"], by_team["filters"]["team"]) == (1, "acme-payments")


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("since=2026-03-31&until=2026-03-01", {"until": ["The end date must be on or after the start date."]}),
        ("since=yesterday", {"since": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]}),
        ("team=globex-ops", {"team": ["No team of this organization is called “globex-ops”."]}),
        ("include_drills=maybe", {"include_drills": ["Must be a valid boolean."]}),
        (
            "severity=SEV9&incident_type=nope",
            {
                "severity": ["No severity of this organization is called “SEV9”."],
                "incident_type": ["No incident type of this organization is called “nope”."],
            },
        ),
    ],
)
def test_bad_filters_are_a_400_with_the_standard_body(acme, globex, api_client, query, fields):
    TeamFactory(organization=globex, name="Globex Ops", slug="globex-ops")

    response = api_client.get(f"/api/v1/analytics/summary/?{query}")

    assert response.status_code == 400
    assert response.json() == {
        "error": {"status": 400, "code": "invalid", "message": "The request is invalid.", "fields": fields}
    }


def test_another_orgs_token_sees_only_its_own_figures(march, globex, api_client_for):
    TimedIncidentFactory(organization=globex, started_at=T0, resolve=5)

    response = api_client_for(globex, "admin").get(f"/api/v1/analytics/?{MARCH}&include_drills=true")

    data = response.json()
    assert data["organization"] == "globex"
    assert data["figures"]["incidents"] == 1
    assert data["figures"]["mttr"] == figure(1, 300.0, 300.0, 300.0)
    assert [r["key"] for r in data["by_team"]] == [None]
    assert "acme" not in response.content.decode()


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_nothing_writes(march, api_client, method):
    response = getattr(api_client, method)("/api/v1/analytics/summary/", {}, format="json")

    assert response.status_code == 405


def test_needs_a_token(march):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/analytics/").status_code == 401


def test_schema_documents_the_routes_and_filters(db):
    from django.test import Client

    schema = Client().get("/api/schema/", {"format": "json"}).json()

    paths = {p for p in schema["paths"] if p.startswith("/api/v1/analytics/")}
    assert paths == {
        "/api/v1/analytics/",
        "/api/v1/analytics/by-service/",
        "/api/v1/analytics/by-severity/",
        "/api/v1/analytics/by-team/",
        "/api/v1/analytics/follow-through/",
        "/api/v1/analytics/paging/",
        "/api/v1/analytics/summary/",
        "/api/v1/analytics/weekly/",
    }
    everything = schema["paths"]["/api/v1/analytics/"]["get"]["responses"]["200"]["content"]["application/json"]
    assert everything["schema"] == {"$ref": "#/components/schemas/DashboardOutput"}  # one object, not a list
    parameters = [p["name"] for p in schema["paths"]["/api/v1/analytics/summary/"]["get"]["parameters"]]
    assert parameters == ["incident_type", "include_drills", "service", "severity", "since", "team", "until"]

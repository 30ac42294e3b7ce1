"""On-call load in analytics: pages per person split into business / off / sleep hours in each person's own time
zone (DST days, weekends and the 08:00 / 18:00 / 22:00 boundaries included), one page per person and step whatever
the number of channels, exact figures on PostgreSQL and SQLite alike, filters, drills, and never another org's
pages; then the same figures on the dashboard, in CSV and in the API."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from alerting.models import AlertGroup, Integration
from incidents import actions as incident_actions
from incidents.models import Incident, IncidentType
from notifications import actions as notification_actions
from notifications.models import ContactKind, ContactMethod, Notification, NotificationRule
from orgs.models import Membership, MembershipRole, Organization, TeamMembership, User
from retros import analytics
from retros.analytics.paging import hour_category
from services.models import Service
from tests.factories import MembershipFactory, ServiceFactory, SeverityFactory, TeamFactory, TimedIncidentFactory

pytestmark = pytest.mark.django_db

MARCH = analytics.AnalyticsFilters(since=date(2026, 3, 1), until=date(2026, 3, 31))
MARCH_QUERY = "since=2026-03-01&until=2026-03-31"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def person(organization: Organization, email: str, name: str, zone: str, role: str = "responder") -> User:
    membership = MembershipFactory(
        organization=organization, role=role, user__email=email, user__full_name=name, user__time_zone=zone
    )
    return membership.user


def page(
    who: User,
    when: str,
    *,
    deliveries: tuple[tuple[str, int, str], ...] = (("rule", 0, "sent"),),
    reason: str = "page",
    incident: Incident | None = None,
    alert_group: AlertGroup | None = None,
    base: str = "",
    organization: Organization | None = None,
) -> str:
    """One page as notifications.actions.user_notify writes it: a delivery per (suffix kind, delay minutes,
    status), keyed "<base>:rule:<uuid>", "<base>:method:<uuid>" or "<base>:account-email"."""
    organization = organization or Membership.objects.filter(user=who).first().organization
    if not base:
        base = f"esc:{uuid4()}:r0:s0:u{who.pk}" if reason == "page" else f"{reason}:{uuid4()}:{who.pk}"
    for kind, delay, status in deliveries:
        suffix = "account-email" if kind == "account-email" else f"{kind}:{uuid4()}"
        Notification.objects.create(
            organization=organization,
            idempotency_key=f"{base}:{suffix}",
            reason=reason,
            user=who,
            channel=ContactKind.EMAIL,
            address=who.email,
            subject="Paged",
            status=status,
            due_at=at(when) + timedelta(minutes=delay),
            incident=incident,
            alert_group=alert_group,
        )
    return base


def alert_group(organization: Organization, svc: Service, incident: Incident | None = None) -> AlertGroup:
    integration = Integration.objects.create(
        organization=organization,
        name=f"{svc.name} hooks",
        kind="webhook",
        service=svc,
        key_prefix=uuid4().hex[:8],
        key_hash="x" * 64,
    )
    return AlertGroup.objects.create(
        organization=organization,
        integration=integration,
        service=svc,
        dedup_key=uuid4().hex,
        title=f"{svc.name} is down",
        first_seen=at("2026-03-01 00:00"),
        last_seen=at("2026-03-01 00:00"),
        incident=incident,
    )


@pytest.fixture
def acme(org: Organization) -> Organization:
    incident_actions.organization_defaults_ensure(organization=org)
    return org


@pytest.fixture
def globex(other_org: Organization) -> Organization:
    incident_actions.organization_defaults_ensure(organization=other_org)
    return other_org


@pytest.fixture
def people(acme):
    return {
        "lena": person(acme, "lena@acme.test", "Lena London", "Europe/London"),
        "nate": person(acme, "nate@acme.test", "Nate New York", "America/New_York"),
        "kiran": person(acme, "kiran@acme.test", "Kiran Kolkata", "Asia/Kolkata"),
        "uma": person(acme, "uma@acme.test", "", "Mars/Olympus"),  # not a zone: counted as UTC
    }


@pytest.fixture
def paged(acme, globex, people):
    """March 2026 pages at known instants. London: GMT until Sun 29 March 01:00 UTC, then BST (UTC+1).
    New York: EST (UTC-5) until Sun 8 March 07:00 UTC, then EDT (UTC-4). Kolkata: UTC+5:30 all year."""
    lena, nate, kiran, uma = people["lena"], people["nate"], people["kiran"], people["uma"]
    # Lena, Europe/London: 4 business, 3 off, 3 sleep.
    page(lena, "2026-03-02 09:00", deliveries=(("rule", 0, "sent"), ("rule", 0, "failed"), ("rule", 5, "canceled")))
    page(lena, "2026-03-02 07:30")  # 07:30 local: sleep
    page(lena, "2026-03-02 22:30")  # 22:30: sleep
    page(lena, "2026-03-02 18:00")  # 18:00 sharp: off
    page(lena, "2026-03-02 17:59:59")  # business
    page(lena, "2026-03-07 12:00")  # Saturday noon: off
    page(lena, "2026-03-27 17:30")  # Friday 17:30 GMT: business
    page(lena, "2026-03-29 21:30")  # the DST day: 22:30 BST, sleep (UTC would say off)
    page(lena, "2026-03-30 07:30")  # 08:30 BST: business (UTC would say sleep)
    page(lena, "2026-03-30 17:30")  # 18:30 BST: off (UTC would say business)
    # Nate, America/New_York: 2 business, 3 off, 3 sleep.
    page(nate, "2026-03-02 13:00")  # Monday 08:00 EST sharp: business
    page(nate, "2026-03-02 23:00")  # 18:00 EST: off
    page(nate, "2026-03-03 03:30")  # Monday 22:30 EST: sleep
    page(nate, "2026-03-07 15:00")  # Saturday 10:00: off
    page(nate, "2026-03-08 06:30")  # the DST day, 01:30 EST: sleep
    page(nate, "2026-03-08 12:00")  # the DST day, 08:00 EDT Sunday: off (EST would say 07:00, sleep)
    page(nate, "2026-03-09 12:30")  # Monday 08:30 EDT: business (EST would say sleep)
    page(nate, "2026-03-04 12:30", reason="manual_page", deliveries=(("account-email", 0, "sent"),))  # 07:30 EST
    # Kiran, Asia/Kolkata (UTC+5:30): 2 business, 1 off, 1 sleep.
    page(kiran, "2026-03-02 02:15")  # 07:45 IST: sleep
    page(kiran, "2026-03-02 02:30")  # 08:00 IST: business
    page(kiran, "2026-03-02 12:29")  # 17:59 IST: business
    page(kiran, "2026-03-02 12:30", deliveries=(("method", 0, "sent"), ("method", 0, "sent")))  # 18:00 IST: off
    # Uma's zone is unknown: UTC, 07:30 is sleep.
    page(uma, "2026-03-02 07:30")
    # Not pages of March: a handoff, a page canceled before any delivery, February's, April's.
    page(lena, "2026-03-03 09:00", reason="handoff", base=f"handoff:{uuid4()}:{lena.pk}")
    page(lena, "2026-03-03 10:00", deliveries=(("rule", 0, "canceled"),))
    page(lena, "2026-02-28 23:58", deliveries=(("rule", 0, "sent"), ("rule", 5, "sent")))
    page(lena, "2026-04-01 00:00")
    # Drills: a manual page on a drill incident, an escalation page of a group escalated into a drill (Thursday
    # 10:00 and 11:00 GMT: business).
    drill = TimedIncidentFactory(organization=acme, started_at=at("2026-03-05 09:00"), is_drill=True)
    page(lena, "2026-03-05 10:00", reason="manual_page", incident=drill)
    page(
        lena,
        "2026-03-05 11:00",
        alert_group=alert_group(acme, ServiceFactory(organization=acme, name="Acme Drillbox"), incident=drill),
    )
    # Another org's member, paged in March.
    gina = person(globex, "gina@globex.test", "Gina Globex", "Europe/London", role="owner")
    page(gina, "2026-03-02 09:00", organization=globex)
    return people


def split(load: analytics.PagingLoad) -> list[tuple[str, str, int, int, int, int]]:
    return [(p.email, p.time_zone, p.pages, p.business, p.off_hours, p.sleep) for p in load.people]


@pytest.mark.parametrize(
    ("local", "category"),
    [
        ("2026-03-02 07:59", "sleep"),
        ("2026-03-02 08:00", "business"),
        ("2026-03-02 17:59", "business"),
        ("2026-03-02 18:00", "off_hours"),
        ("2026-03-02 21:59", "off_hours"),
        ("2026-03-02 22:00", "sleep"),
        ("2026-03-06 12:00", "business"),  # Friday
        ("2026-03-07 12:00", "off_hours"),  # Saturday
        ("2026-03-08 08:00", "off_hours"),  # Sunday
        ("2026-03-08 23:00", "sleep"),
    ],
)
def test_hour_categories(local, category):
    assert hour_category(datetime.fromisoformat(local)) == category


def test_pages_per_person_in_their_own_time_zone(paged, acme):
    load = analytics.analytics_paging(organization=acme, filters=MARCH)

    assert split(load) == [
        ("lena@acme.test", "Europe/London", 10, 4, 3, 3),
        ("nate@acme.test", "America/New_York", 8, 2, 3, 3),
        ("kiran@acme.test", "Asia/Kolkata", 4, 2, 1, 1),
        ("uma@acme.test", "UTC", 1, 0, 0, 1),
    ]
    assert (load.pages, len(load.people), load.business, load.off_hours, load.sleep) == (23, 4, 8, 7, 8)
    assert (load.business_percent, load.off_hours_percent, load.sleep_percent) == (34.8, 30.4, 34.8)


def test_drills_count_only_when_asked(paged, acme):
    load = analytics.analytics_paging(organization=acme, filters=replace(MARCH, include_drills=True))

    assert split(load)[0] == ("lena@acme.test", "Europe/London", 12, 6, 3, 3)
    assert load.pages == 25


def test_another_orgs_pages_never_count(paged, globex):
    load = analytics.analytics_paging(organization=globex, filters=MARCH)

    assert split(load) == [("gina@globex.test", "Europe/London", 1, 1, 0, 0)]


def test_range_is_on_the_pages_first_delivery(paged, acme):
    last_day = analytics.AnalyticsFilters(since=date(2026, 3, 30), until=date(2026, 3, 31))
    february_end = analytics.AnalyticsFilters(since=date(2026, 2, 28), until=date(2026, 2, 28))

    assert split(analytics.analytics_paging(organization=acme, filters=last_day)) == [
        ("lena@acme.test", "Europe/London", 2, 1, 1, 0)
    ]
    # 23:58 GMT on Saturday: sleep; its second delivery, in March, is the same page.
    assert split(analytics.analytics_paging(organization=acme, filters=february_end)) == [
        ("lena@acme.test", "Europe/London", 1, 0, 0, 1)
    ]


def test_no_pages_is_an_empty_load(acme):
    load = analytics.analytics_paging(organization=acme, filters=MARCH)

    assert (load.people, load.pages, load.business_percent, load.sleep_percent) == ([], 0, None, None)


@override_settings(ESCALATION_MINUTE_SECONDS=60)
def test_keys_as_user_notify_writes_them_make_one_page_per_call(acme, people):
    lena, nate = people["lena"], people["nate"]
    for kind, address, delay in (("email", "lena@pager.test", 0), ("sms", "+447700900123", 5)):
        method = ContactMethod.objects.create(
            organization=acme, user=lena, kind=kind, address=address, verified_at=at("2026-01-01 00:00")
        )
        NotificationRule.objects.create(organization=acme, user=lena, contact_method=method, delay_minutes=delay)

    def notify(user: User, base: str, when: str, reason: str = "page") -> None:
        notification_actions.user_notify(
            organization=acme,
            user=user,
            reason=reason,
            idempotency_base=base,
            subject="Paged",
            message="",
            now=at(when),
        )

    notify(lena, f"esc:{uuid4()}:r0:s0:u{lena.pk}", "2026-03-02 09:00")  # email now, SMS at 09:05: one page
    notify(lena, f"esc:{uuid4()}:r1:s0:u{lena.pk}", "2026-03-02 23:00")
    notify(nate, f"manual:{uuid4()}:{nate.pk}", "2026-03-02 15:00", reason="manual_page")  # account email only

    assert Notification.objects.filter(organization=acme).count() == 5
    assert split(analytics.analytics_paging(organization=acme, filters=MARCH)) == [
        ("lena@acme.test", "Europe/London", 2, 1, 0, 1),
        ("nate@acme.test", "America/New_York", 1, 1, 0, 0),
    ]


def test_team_filter_counts_the_teams_members(paged, acme, people):
    team = TeamFactory(organization=acme, name="Acme Night Shift", slug="acme-night")
    TeamMembership.objects.create(organization=acme, team=team, user=people["nate"])
    filters = analytics.analytics_filters_resolve(
        organization=acme, since=MARCH.since, until=MARCH.until, team="acme-night"
    )

    assert split(analytics.analytics_paging(organization=acme, filters=filters)) == [
        ("nate@acme.test", "America/New_York", 8, 2, 3, 3)
    ]


def test_service_severity_and_type_filters(acme, people):
    lena, nate = people["lena"], people["nate"]
    ledger, search = (
        ServiceFactory(organization=acme, name="Acme Ledger"),
        ServiceFactory(organization=acme, name="Acme Search"),
    )
    sev1 = TimedIncidentFactory(
        organization=acme,
        started_at=at("2026-03-10 09:00"),
        severity=SeverityFactory(organization=acme, name="SEV1"),
        services=(ledger,),
    )
    sev3 = TimedIncidentFactory(
        organization=acme,
        started_at=at("2026-03-11 09:00"),
        severity=SeverityFactory(organization=acme, name="SEV3"),
        services=(search,),
    )
    page(lena, "2026-03-10 09:05", alert_group=alert_group(acme, ledger))  # the ledger's alerts, no incident
    page(lena, "2026-03-10 09:10", reason="manual_page", incident=sev1)  # an incident that affected the ledger
    page(nate, "2026-03-10 09:15", alert_group=alert_group(acme, search, incident=sev1))  # escalated into sev1
    page(nate, "2026-03-11 09:05", alert_group=alert_group(acme, search, incident=sev3))
    page(nate, "2026-03-12 09:05")  # no group, no incident
    security = IncidentType.objects.create(organization=acme, name="Acme Security", slug="acme-security")
    Incident.objects.filter(pk=sev3.pk).update(incident_type=security)

    def pages(**names: str) -> list[tuple[str, int]]:
        filters = analytics.analytics_filters_resolve(organization=acme, since=MARCH.since, until=MARCH.until, **names)
        return [(p.email, p.pages) for p in analytics.analytics_paging(organization=acme, filters=filters).people]

    assert pages() == [("nate@acme.test", 3), ("lena@acme.test", 2)]
    assert pages(service="acme-ledger") == [("lena@acme.test", 2), ("nate@acme.test", 1)]
    assert pages(service="acme-search") == [("nate@acme.test", 2)]
    assert pages(severity="SEV1") == [("lena@acme.test", 1), ("nate@acme.test", 1)]
    assert pages(severity="SEV3") == [("nate@acme.test", 1)]
    assert pages(severity="SEV2") == []
    assert pages(incident_type="acme-security") == [("nate@acme.test", 1)]


# --- the dashboard panel, the CSV and the API ----------------------------------------------------------------

URL = "/o/acme/analytics/"


@pytest.fixture
def viewer(acme, make_member):
    return make_member(acme, MembershipRole.VIEWER, email="viewer@acme.test")


def test_dashboard_panel_shows_the_load_to_a_viewer(paged, viewer, client_for):
    TimedIncidentFactory(
        organization=paged["lena"].memberships.get().organization, started_at=at("2026-03-02 09:00"), resolve=30
    )

    response = client_for(viewer).get(f"{URL}?{MARCH_QUERY}")

    assert response.status_code == 200
    load = response.context["dashboard"].paging
    assert (load.pages, load.people_count) == (23, 4)
    html = response.content.decode()
    assert 'id="analytics-paging"' in html
    assert "<dt>Off hours</dt><dd>30%<small> 7 pages</small></dd>" in html
    assert "<dt>Sleep hours</dt><dd>35%<small> 8 pages</small></dd>" in html
    assert "<title>Lena London: 4 pages in business hours (40% of 10 pages)</title>" in html
    assert "Show the table (4 people)" in html
    assert "Gina Globex" not in html
    assert 'href="/o/acme/analytics/export/paging.csv?since=2026-03-01&amp;until=2026-03-31"' in html


def test_dashboard_without_incidents_still_shows_the_pages(paged, owner, client_for):
    response = client_for(owner).get(f"{URL}?{MARCH_QUERY}")

    html = response.content.decode()
    assert response.context["dashboard"].summary.incidents == 0
    assert "No incidents in this range" in html  # the March drill does not count
    assert 'id="analytics-paging"' in html


def test_dashboard_says_when_nobody_was_paged(acme, owner, client_for):
    TimedIncidentFactory(organization=acme, started_at=at("2026-03-02 09:00"), resolve=30)

    html = client_for(owner).get(f"{URL}?{MARCH_QUERY}").content.decode()

    assert 'id="analytics-paging"' in html
    assert "No pages in this range" in html


def test_chart_keeps_the_top_ten_and_groups_the_others(acme, owner, client_for):
    TimedIncidentFactory(organization=acme, started_at=at("2026-03-02 09:00"), resolve=30)
    for index in range(12):
        who = person(acme, f"p{index:02d}@acme.test", f"Person {index:02d}", "UTC")
        for day in range(12 - index):
            page(who, f"2026-03-{day + 2:02d} 10:00")

    dashboard = client_for(owner).get(f"{URL}?{MARCH_QUERY}").context["dashboard"]

    labels = [(bar.row.label, bar.row.pages) for bar in dashboard.paging_chart.bars]
    assert labels[0] == ("Person 00", 12)
    assert labels[9] == ("Person 09", 3)
    assert labels[10] == ("Others (2 people)", 3)
    assert len(labels) == 11
    assert [tick.label for tick in dashboard.paging_chart.x_ticks] == ["0", "5", "10", "15"]


def test_paging_csv(paged, viewer, client_for):
    response = client_for(viewer).get(f"{URL}export/paging.csv?{MARCH_QUERY}&include_drills=true")

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="acme-analytics-paging-2026-03-01-2026-03-31-with-drills.csv"'
    )
    assert response.content.decode().splitlines() == [
        "person,email,time_zone,pages,business_hours,off_hours,sleep_hours",
        "Lena London,lena@acme.test,Europe/London,12,6,3,3",
        "Nate New York,nate@acme.test,America/New_York,8,2,3,3",
        "Kiran Kolkata,kiran@acme.test,Asia/Kolkata,4,2,1,1",
        "uma@acme.test,uma@acme.test,UTC,1,0,0,1",
    ]


def test_paging_csv_bad_filter_is_400(paged, owner, client_for):
    response = client_for(owner).get(f"{URL}export/paging.csv?since=2026-03-31&until=2026-03-01")

    assert (response.status_code, response.content.decode()) == (
        400,
        "until: The end date must be on or after the start date.",
    )


def test_another_orgs_member_gets_404_for_the_page_and_csv(paged, other_member, client_for):
    client = client_for(other_member)

    assert client.get(f"{URL}?{MARCH_QUERY}").status_code == 404
    assert client.get(f"{URL}export/paging.csv?{MARCH_QUERY}").status_code == 404


def test_api_paging(paged, api_client_for, acme):
    response = api_client_for(acme, "viewer").get(f"/api/v1/analytics/paging/?{MARCH_QUERY}")

    assert response.status_code == 200
    data = response.json()
    assert data["organization"] == "acme"
    assert data["filters"]["since"] == "2026-03-01"
    assert data["totals"] == {
        "pages": 23,
        "people": 4,
        "business": 8,
        "off_hours": 7,
        "sleep": 8,
        "business_percent": 34.8,
        "off_hours_percent": 30.4,
        "sleep_percent": 34.8,
    }
    lena = paged["lena"]
    assert data["people"][0] == {
        "user": {"id": str(lena.uuid), "email": "lena@acme.test", "full_name": "Lena London"},
        "time_zone": "Europe/London",
        "pages": 10,
        "business": 4,
        "off_hours": 3,
        "sleep": 3,
    }
    assert [(p["user"]["email"], p["pages"]) for p in data["people"]] == [
        ("lena@acme.test", 10),
        ("nate@acme.test", 8),
        ("kiran@acme.test", 4),
        ("uma@acme.test", 1),
    ]


def test_api_paging_of_another_org_and_bad_filters(paged, api_client_for, globex, acme):
    other = api_client_for(globex, "admin").get(f"/api/v1/analytics/paging/?{MARCH_QUERY}").json()
    bad = api_client_for(acme, "viewer").get("/api/v1/analytics/paging/?team=acme-nobody")
    write = api_client_for(acme, "admin").post("/api/v1/analytics/paging/", {}, format="json")

    assert [(p["user"]["email"], p["pages"]) for p in other["people"]] == [("gina@globex.test", 1)]
    assert other["totals"]["pages"] == 1
    assert bad.status_code == 400
    assert "team" in bad.json()["error"]["fields"]
    assert write.status_code == 405


def test_api_everything_includes_the_paging(paged, api_client_for, acme):
    data = api_client_for(acme, "viewer").get(f"/api/v1/analytics/?{MARCH_QUERY}").json()

    assert data["paging"]["totals"]["pages"] == 23
    assert [p["pages"] for p in data["paging"]["people"]] == [10, 8, 4, 1]


def test_queries_do_not_grow_with_pages_or_people(paged, acme):
    with CaptureQueriesContext(connection) as few:
        analytics.analytics_paging(organization=acme, filters=MARCH)
    for index in range(10):
        who = person(acme, f"extra{index}@acme.test", f"Extra {index}", "Europe/Paris")
        for day in range(1, 6):
            page(who, f"2026-03-{day + 10:02d} 0{day}:00")
    with CaptureQueriesContext(connection) as many:
        load = analytics.analytics_paging(organization=acme, filters=MARCH)

    assert (load.pages, load.people_count) == (73, 14)
    assert len(many) == len(few)

"""The org home page (/o/<org>/): the panels the apps register in core.home, their empty states, what viewers
and responders see, the htmx refresh, the query bound and tenancy."""

import re
from datetime import UTC, date, datetime, time, timedelta
from html import unescape

import pytest
import time_machine
from django.test import Client

from alerting import actions as alerting_actions
from alerting.events import InboundEvent
from alerting.models import AlertGroup, PagingStatus
from core import home
from incidents import actions as incident_actions
from incidents.models import IncidentRole, IncidentStatus, Severity
from oncall.models import RotationKind, Schedule
from orgs.models import Membership, MembershipRole, Organization, User
from orgs.tenancy import Actor
from services import actions as service_actions
from services.models import Service
from tests.factories import (
    IncidentFactory,
    IntegrationFactory,
    MembershipFactory,
    ScheduleFactory,
    ScheduleLayerFactory,
    ScheduleLayerMemberFactory,
    ServiceFactory,
    SeverityFactory,
    TeamFactory,
    TeamMembershipFactory,
)
from ticketing import actions as ticketing_actions

pytestmark = pytest.mark.django_db

# Tuesday 10 March 2026, 14:00 UTC: every test reads "now" from here.
NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def person(org: Organization, role: str, email: str, name: str) -> Membership:
    return MembershipFactory(organization=org, role=role, user__email=email, user__full_name=name)


@pytest.fixture
def owner(org) -> Membership:
    return person(org, MembershipRole.OWNER, "owner@acme.test", "Olive Owner")


@pytest.fixture
def rhea(org) -> Membership:
    return person(org, MembershipRole.RESPONDER, "rhea@acme.test", "Rhea Responder")


@pytest.fixture
def vic(org) -> Membership:
    return person(org, MembershipRole.VIEWER, "vic@acme.test", "Vic Viewer")


@pytest.fixture
def checkout(org) -> Service:
    return service_actions.service_create(organization=org, actor=Actor.system(), name="Checkout", tier=1)


def text(html: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def panel(html: str, key: str) -> str:
    found = re.search(rf'<section class="card home-panel[^"]*" id="home-{key}".*?</section>', html, re.DOTALL)
    assert found is not None, f"no {key} panel"
    return found.group(0)


def rows(html: str, key: str, item: str) -> list[str]:
    return [text(row) for row in re.findall(rf'<li class="{item}[^"]*">(.*?)</li>', panel(html, key), re.DOTALL)]


def header(html: str, key: str) -> str:
    found = re.search(r'<div class="card-header">(.*?)</div>', panel(html, key), re.DOTALL)
    assert found is not None
    return text(found.group(1))


def home_html(client: Client, slug: str = "acme") -> str:
    response = client.get(f"/o/{slug}/")
    assert response.status_code == 200
    return response.content.decode()


def severity(org: Organization, name: str) -> Severity:
    incident_actions.organization_defaults_ensure(organization=org)
    return Severity.objects.for_org(org).get(name=name)


def daily_schedule(org: Organization, name: str, users: list[User], team: object = None) -> Schedule:
    """A UTC schedule whose daily layer (hand-off 09:00, started 30 days before NOW) rotates through `users`."""
    schedule = ScheduleFactory(
        organization=org, name=name, slug=name.lower().replace(" ", "-"), time_zone="UTC", owner_team=team
    )
    layer = ScheduleLayerFactory(
        schedule=schedule,
        name="Primary",
        position=0,
        rotation=RotationKind.DAILY,
        handoff_time=time(9, 0),
        start_date=NOW.date() - timedelta(days=30),
    )
    for position, user in enumerate(users):
        ScheduleLayerMemberFactory(layer=layer, user=user, position=position)
    return schedule


def trigger(integration: object, key: str, summary: str, severity: str = "error") -> AlertGroup:
    event = InboundEvent(action="trigger", dedup_key=key, summary=summary, severity=severity)
    return alerting_actions.alert_ingest(integration=integration, event=event).group


# --- the registry (core.home) ------------------------------------------------------------------------------


def test_registry_lists_panels_by_order_and_replaces_a_key_registered_again(monkeypatch):
    monkeypatch.setattr(home, "_panels", {})

    home.home_panel_register("b", 20, "b.html", lambda request: {})
    home.home_panel_register("a", 20, "a.html", lambda request: {})
    home.home_panel_register("c", 10, "c.html", lambda request: {})
    home.home_panel_register("b", 5, "b2.html", lambda request: {})

    assert [(p.key, p.order, p.template) for p in home.home_panel_list()] == [
        ("b", 5, "b2.html"),
        ("c", 10, "c.html"),
        ("a", 20, "a.html"),
    ]


def test_a_panel_whose_context_is_none_is_left_out(monkeypatch, org, owner, client_for):
    monkeypatch.setattr(home, "_panels", {})
    home.home_panel_register("shown", 1, "incidents/partials/_home_tasks.html", lambda request: {"tasks": []})
    home.home_panel_register("hidden", 2, "incidents/partials/_home_incidents.html", lambda request: None)

    html = home_html(client_for(owner))

    assert re.findall(r'<section class="card home-panel[^"]*" id="home-([a-z-]+)"', html) == ["tasks"]


def test_every_app_registers_its_panels_in_order():
    assert [(p.key, p.order) for p in home.home_panel_list()] == [
        ("incidents", 10),
        ("alerts", 20),
        ("oncall", 30),
        ("my-tasks", 40),
        ("my-follow-ups", 50),
    ]


# --- open incidents ----------------------------------------------------------------------------------------


def test_open_incidents_worst_first_with_commander_and_age(org, owner, rhea, client_for):
    with time_machine.travel(NOW - timedelta(hours=2, minutes=5), tick=False):
        incident_actions.incident_declare(
            organization=org, actor=Actor(user=owner.user), title="Search slow", severity=severity(org, "SEV3")
        )
    with time_machine.travel(NOW - timedelta(minutes=30), tick=False):
        incident_actions.incident_declare(
            organization=org, actor=Actor(user=rhea.user), title="Checkout down", severity=severity(org, "SEV1")
        )
    with time_machine.travel(NOW - timedelta(minutes=10), tick=False):
        payments = incident_actions.incident_declare(
            organization=org, actor=Actor(user=owner.user), title="Payments down", severity=severity(org, "SEV1")
        )
    incident_actions.role_release(
        incident=payments,
        role=IncidentRole.objects.for_org(org).get(is_commander=True),
        actor=Actor(user=owner.user),
    )
    with time_machine.travel(NOW - timedelta(days=2), tick=False):
        closed = incident_actions.incident_declare(
            organization=org, actor=Actor(user=owner.user), title="Old outage", severity=severity(org, "SEV1")
        )
    incident_actions.incident_transition(incident=closed, status=IncidentStatus.RESOLVED, actor=Actor(user=owner.user))
    with time_machine.travel(NOW - timedelta(minutes=5), tick=False):
        incident_actions.incident_declare(
            organization=org,
            actor=Actor(user=owner.user),
            title="Game day",
            severity=severity(org, "SEV1"),
            is_drill=True,
        )

    html = home_html(client_for(owner))

    assert header(html, "incidents") == "Open incidents 3 2 SEV1 1 SEV3 All open incidents"
    assert rows(html, "incidents", "home-incident") == [
        "SEV1 INC-2 Checkout down Investigating RR Rhea Responder 30m",
        "SEV1 INC-3 Payments down Investigating No commander 10m",
        "SEV3 INC-1 Search slow Investigating OO Olive Owner 2h 5m",
    ]
    assert 'class="badge badge-danger home-no-commander">No commander<' in html


def test_no_open_incidents_tells_a_responder_to_declare_and_a_viewer_whom_to_expect(org, rhea, vic, client_for):
    responder_panel = panel(home_html(client_for(rhea)), "incidents")
    viewer_panel = panel(home_html(client_for(vic)), "incidents")

    assert text(responder_panel).endswith(
        "No open incidents If something is wrong for customers right now, declare one: it pages the owners of the "
        "services you pick. Declare an incident"
    )
    assert 'href="/o/acme/incidents/declare/"' in responder_panel
    assert text(viewer_panel).endswith(
        "No open incidents Nothing is being worked right now. Responders declare incidents; you will see them here."
    )
    assert "/incidents/declare/" not in viewer_panel


# --- alerts waiting ----------------------------------------------------------------------------------------


@pytest.fixture
def integration(org, checkout):
    return IntegrationFactory(service=checkout, name="Prometheus", kind="alertmanager")


def test_alerts_waiting_unanswered_first_silenced_last_acknowledged_left_out(org, owner, integration, client_for):
    with time_machine.travel(NOW - timedelta(minutes=40), tick=False):
        unanswered = trigger(integration, "db", "Primary DB down", "critical")
    with time_machine.travel(NOW - timedelta(minutes=20), tick=False):
        silenced = trigger(integration, "disk", "Disk 90% full", "warning")
    with time_machine.travel(NOW - timedelta(minutes=10), tick=False):
        trigger(integration, "pods", "Pods crash looping")
        taken = trigger(integration, "lag", "Replica lag")
    AlertGroup.objects.filter(pk=unanswered.pk).update(paging_status=PagingStatus.UNANSWERED)
    alerting_actions.alert_group_silence(group=silenced, until=NOW + timedelta(hours=1), actor=Actor(user=owner.user))
    alerting_actions.alert_group_acknowledge(group=taken, actor=Actor(user=owner.user))

    html = home_html(client_for(owner))

    assert header(html, "alerts") == "Alerts waiting 3 1 unanswered Alert queue"
    assert rows(html, "alerts", "home-alert") == [
        "Critical Primary DB down Checkout · first seen 40 min ago "
        "Unanswered: every escalation step ran and nobody acknowledged Acknowledge",
        "Error Pods crash looping Checkout · first seen 10 min ago "
        "Nobody paged: Checkout has no escalation policy Acknowledge",
        "Warning Disk 90% full Checkout · first seen 20 min ago Silenced until Mar 10, 15:00 UTC Acknowledge",
    ]


def test_acknowledging_from_the_home_page_comes_back_to_it(org, rhea, integration, client_for):
    group = trigger(integration, "pods", "Pods crash looping")
    client = client_for(rhea)
    form = re.search(r'<form method="post" action="([^"]+)" class="home-alert-action">.*?name="next" value="([^"]+)"',
                     home_html(client), re.DOTALL)  # fmt: skip
    assert form is not None

    response = client.post(form.group(1), {"next": form.group(2)})

    assert (form.group(1), response.status_code, response["Location"]) == (
        f"/o/acme/alerts/{group.uuid}/acknowledge/",
        302,
        "/o/acme/",
    )
    group.refresh_from_db()
    assert group.status == "acknowledged"
    assert 'class="home-alert' not in panel(home_html(client), "alerts")


def test_a_viewer_sees_the_alerts_without_acknowledge_buttons(org, vic, integration, client_for):
    trigger(integration, "pods", "Pods crash looping")

    alerts = panel(home_html(client_for(vic)), "alerts")

    assert rows(alerts, "alerts", "home-alert") == [
        "Error Pods crash looping Checkout · first seen just now Nobody paged: Checkout has no escalation policy"
    ]
    assert "/acknowledge/" not in alerts


def test_alert_empty_states_say_what_to_do(org, owner, rhea, checkout, client_for):
    admin_panel = text(panel(home_html(client_for(owner)), "alerts"))
    responder_panel = text(panel(home_html(client_for(rhea)), "alerts"))
    IntegrationFactory(service=checkout, name="Grafana", kind="grafana")
    quiet_panel = text(panel(home_html(client_for(rhea)), "alerts"))

    assert admin_panel == (
        "Alerts waiting Alert queue No alerts yet Connect a monitoring tool (PagerDuty events, Alertmanager, "
        "Grafana or a webhook) so its alerts page the right people. Connect a monitoring tool"
    )
    assert responder_panel == (
        "Alerts waiting Alert queue No alerts yet No monitoring tool sends alerts here yet. "
        "Ask an admin to connect one."
    )
    assert quiet_panel == (
        "Alerts waiting Alert queue No alerts waiting Every triggered alert has been acknowledged. Open the queue "
        "to see what is being worked."
    )


# --- on call now -------------------------------------------------------------------------------------------


def test_on_call_now_for_me_my_teams_and_every_schedule(org, owner, rhea, vic, client_for):
    payments = TeamFactory(organization=org, name="Payments", slug="payments")
    TeamMembershipFactory(team=payments, user=rhea.user)
    daily_schedule(org, "Web", [owner.user, vic.user])  # day 30 of the rotation: owner (even turn)
    daily_schedule(org, "Payments primary", [rhea.user], team=payments)  # Rhea alone: open ended
    daily_schedule(org, "Data", [])  # nobody at all

    html = home_html(client_for(rhea))

    assert header(html, "oncall") == "On call now 1 schedule with nobody Schedules"
    me = re.search(r'<div class="card-body home-me is-on">(.*?)</div>', html, re.DOTALL)
    assert me is not None
    assert text(me.group(1)) == "You are on call Payments primary for the next 4 weeks at least My shifts"
    assert rows(html, "oncall", "home-schedule") == [
        "Payments primary Payments Your team Now RR Rhea Responder for the next 4 weeks at least "
        "Next no hand-off in the next 4 weeks",
        "Data Now Nobody on call Next nobody in the next 4 weeks Nobody is on call for Data right now: pages to it "
        "reach nobody. Cover the gap with an override",
        "Web Now OO Olive Owner until Mar 11, 09:00 Next VV Vic Viewer from Mar 11, 09:00",
    ]


def test_off_call_i_see_my_next_shift(org, owner, vic, client_for):
    daily_schedule(org, "Web", [owner.user, vic.user])

    html = home_html(client_for(vic))

    me = re.search(r'<div class="card-body home-me">(.*?)</div>', html, re.DOTALL)
    assert me is not None
    assert text(me.group(1)) == "You are not on call now Next: Web from Mar 11, 09:00 UTC My shifts"


def test_no_schedules_asks_an_admin_to_set_one_up(org, owner, rhea, client_for):
    admin_panel = panel(home_html(client_for(owner)), "oncall")
    responder_panel = panel(home_html(client_for(rhea)), "oncall")

    assert text(admin_panel) == (
        "On call now Schedules Nobody is on call There are no schedules yet, so alerts can only page people by name. "
        "Set up a schedule: who rotates, and when they hand off. Set up a schedule"
    )
    assert 'href="/o/acme/on-call/schedules/new/"' in admin_panel
    assert text(responder_panel) == (
        "On call now Schedules Nobody is on call There are no schedules yet, so alerts can only page people by name. "
        "Ask an admin to set one up."
    )


# --- my tasks and follow-ups -------------------------------------------------------------------------------


def test_my_open_tasks_worst_incident_first(org, owner, rhea, client_for):
    with time_machine.travel(NOW - timedelta(hours=1), tick=False):
        search = incident_actions.incident_declare(
            organization=org,
            actor=Actor(user=owner.user),
            title="Search slow",
            severity=severity(org, "SEV3"),
            commander=owner.user,
        )
    with time_machine.travel(NOW - timedelta(minutes=5), tick=False):
        checkout = incident_actions.incident_declare(
            organization=org,
            actor=Actor(user=owner.user),
            title="Checkout down",
            severity=severity(org, "SEV1"),
            commander=owner.user,
        )
    actor = Actor(user=owner.user)
    incident_actions.task_add(incident=search, title="Check the index size", assignee=rhea.user, actor=actor)
    incident_actions.task_add(incident=checkout, title="Roll back v2.14", assignee=rhea.user, actor=actor)
    done = incident_actions.task_add(incident=checkout, title="Page payments", assignee=rhea.user, actor=actor)
    incident_actions.task_complete(task=done, actor=actor)
    incident_actions.task_add(incident=checkout, title="Tell support", assignee=owner.user, actor=actor)
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        closed = incident_actions.incident_declare(
            organization=org,
            actor=Actor(user=owner.user),
            title="Old",
            severity=severity(org, "SEV1"),
            commander=owner.user,
        )
    incident_actions.task_add(incident=closed, title="Forgotten", assignee=rhea.user, actor=actor)
    incident_actions.incident_transition(incident=closed, status=IncidentStatus.CLOSED, actor=actor)

    html = home_html(client_for(rhea))

    assert header(html, "tasks") == "My open tasks 2"
    assert rows(html, "tasks", "home-task") == [
        "Roll back v2.14 INC-2 Checkout down",
        "Check the index size INC-1 Search slow",
    ]
    # the owner commands both open incidents: the commander's checklist (4 tasks each) and "Tell support"
    owners = home_html(client_for(owner))
    assert header(owners, "tasks") == "My open tasks 9"
    assert rows(owners, "tasks", "home-task")[4] == "Tell support INC-2 Checkout down"
    assert text(re.findall(r'<div class="card-footer[^"]*">(.*?)</div>', panel(owners, "tasks"))[0]) == "and 1 more"


def test_my_follow_ups_due_within_a_week_overdue_first(org, owner, rhea, client_for):
    def follow_up(title: str, due: date | None, owner_: Membership = rhea, **fields: object) -> None:
        ticketing_actions.follow_up_create(
            organization=org, actor=Actor(user=owner.user), title=title, owner=owner_.user, due_date=due, **fields
        )

    today = NOW.date()
    follow_up("Add a canary stage", today + timedelta(days=3), priority="high")
    follow_up("Alert on 5xx rate", today - timedelta(days=2), priority="urgent")
    follow_up("Write the runbook", today + timedelta(days=10))
    follow_up("Review on-call handover", None)
    follow_up("Already done", today - timedelta(days=5), status="done")
    follow_up("Someone else's", today, owner_=owner)

    html = home_html(client_for(rhea))

    assert header(html, "follow-ups") == "My follow-ups due 2 1 overdue All mine (4)"
    assert rows(html, "follow-ups", "home-follow-up") == [
        "FU-2 Alert on 5xx rate Overdue · Mar 8, 2026 Urgent",
        "FU-1 Add a canary stage Mar 13, 2026 High",
    ]
    assert f'href="/o/acme/follow-ups/?owner={rhea.user.uuid}&amp;status=open"' in panel(html, "follow-ups")


def test_empty_tasks_and_follow_ups_say_what_shows_there(org, rhea, client_for):
    html = home_html(client_for(rhea))

    assert text(panel(html, "tasks")) == (
        "My open tasks No open tasks for you Tasks assigned to you on an incident, such as a role's checklist, "
        "show here until you tick them off."
    )
    assert text(panel(html, "follow-ups")) == (
        "My follow-ups due All mine (0) Nothing due You own no open follow-ups. Action items from incidents and "
        "retrospectives show here when they come due."
    )


# --- the page: refresh, speed, tenancy ---------------------------------------------------------------------


def test_htmx_refresh_gets_the_panels_region_alone(org, owner, client_for):
    response = client_for(owner).get("/o/acme/", headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="home-panels" class="home-grid" hx-get="/o/acme/" hx-trigger="every 30s"')
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]
    assert text(re.findall(r'<p class="home-refreshed[^"]*">(.*?)</p>', html, re.DOTALL)[0]) == (
        "Updated 14:00 UTC · refreshes every 30 seconds"
    )


def busy_org(org: Organization, owner: Membership, size: int) -> None:
    """`size` of everything the home page shows: incidents with tasks, alert groups, schedules, follow-ups."""
    actor = Actor(user=owner.user)
    service = Service.objects.for_org(org).first() or ServiceFactory(organization=org, name="Checkout", tier=1)
    integration = IntegrationFactory(service=service, name=f"Prometheus {size}", kind="alertmanager")
    team = TeamFactory(organization=org)
    TeamMembershipFactory(team=team, user=owner.user)
    for n in range(size):
        with time_machine.travel(NOW - timedelta(minutes=n + 1), tick=False):
            incident = incident_actions.incident_declare(
                organization=org,
                actor=Actor(user=owner.user),
                title=f"Incident {n}",
                severity=severity(org, "SEV2"),
                services=[service],
            )
        incident_actions.task_add(incident=incident, title=f"Task {n}", assignee=owner.user, actor=actor)
        trigger(integration, f"key-{size}-{n}", f"Alert {n}")
        member = person(org, MembershipRole.RESPONDER, f"p{size}-{n}@acme.test", f"Person {size} {n}")
        daily_schedule(org, f"Schedule {size} {n}", [owner.user, member.user], team=team)
        ticketing_actions.follow_up_create(
            organization=org, actor=actor, title=f"Follow-up {n}", owner=owner.user, due_date=NOW.date()
        )


# 21 today: session, user, membership, 3 for incidents, 2 alerts, 6 on-call, 1 team ids, 2 tasks, 2 follow-ups,
# and the sidebar's org switcher and alert count.
QUERY_BOUND = 24


def test_queries_stay_bounded_whatever_the_amount_of_work(org, owner, client_for, django_assert_max_num_queries):
    client = client_for(owner)
    busy_org(org, owner, 2)
    home_html(client)  # warm the per-process caches (sessions, content types)

    with django_assert_max_num_queries(QUERY_BOUND) as few:
        home_html(client)
    busy_org(org, owner, 6)
    with django_assert_max_num_queries(QUERY_BOUND) as many:
        html = home_html(client)

    assert len(many.captured_queries) == len(few.captured_queries)
    assert header(html, "incidents") == "Open incidents 8 8 SEV2 All open incidents"


def test_another_orgs_member_gets_404_and_sees_nothing_of_it(org, owner, other_member, client_for):
    IncidentFactory(
        organization=org,
        title="Acme secret outage",
        severity=SeverityFactory(organization=org, name="SEV1"),
        declared_at=NOW - timedelta(minutes=5),
    )
    outsider = client_for(other_member)

    assert outsider.get("/o/acme/").status_code == 404
    assert outsider.get("/o/acme/", headers={"HX-Request": "true"}).status_code == 404
    own = home_html(outsider, "globex")
    assert "Acme secret outage" not in own
    assert text(panel(own, "incidents")).startswith("Open incidents All open incidents No open incidents")

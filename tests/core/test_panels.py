"""core.panels: pages of lower apps (the team page, the service page) show sections that higher apps register,
in order, each given the page's object; a panel whose context is None is left out; the home page's registry
(core.home) is the page "home" of the same kit."""

import re

import pytest

from core import home, panels
from orgs.tenancy import Actor
from services import actions as service_actions
from tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def empty_team_page(monkeypatch):
    monkeypatch.setitem(panels._pages, panels.TEAM, {})


def test_every_app_registers_its_sections_of_the_team_and_service_pages():
    assert [(p.key, p.order, p.template) for p in panels.panel_list(panels.TEAM)] == [
        ("services", 10, "services/partials/_team_services.html"),
    ]
    assert [(p.key, p.order, p.template) for p in panels.panel_list(panels.SERVICE)] == [
        ("incidents", 10, "incidents/partials/_service_incidents.html"),
        ("alerts", 20, "alerting/partials/_service_alerts.html"),
    ]


def test_the_home_page_is_the_panels_page_home():
    assert [p.key for p in home.home_panel_list()] == [p.key for p in panels.panel_list(panels.HOME)]
    assert [p.key for p in panels.panel_list(panels.HOME)] == [
        "incidents",
        "alerts",
        "oncall",
        "my-tasks",
        "my-follow-ups",
    ]


def test_a_registered_panel_gets_the_page_object_and_none_leaves_it_out(empty_team_page, org, client_for):
    team = TeamFactory(organization=org, name="Payments", slug="payments")
    admin = MembershipFactory(organization=org, role="admin")
    seen = []

    def drills_context(request, *, team):
        seen.append((request.organization, team))
        return {"team": team}

    panels.panel_register(panels.TEAM, "hidden", 5, "services/partials/_team_services.html", lambda r, **o: None)
    panels.panel_register(panels.TEAM, "drills", 20, "services/partials/_team_services.html", drills_context)

    html = client_for(admin).get(f"/o/{org.slug}/teams/payments/").content.decode()

    assert seen == [(org, team)]
    assert re.findall(r'<section class="card team-services">', html) == ['<section class="card team-services">']


def test_the_team_page_lists_the_services_it_owns_through_its_panel(org, client_for):
    team = TeamFactory(organization=org, name="Payments", slug="payments")
    viewer = MembershipFactory(organization=org, role="viewer")
    for name in ("Ledger", "Checkout"):
        service_actions.service_create(organization=org, actor=Actor.system(), name=name, owner_team=team)
    service_actions.service_create(organization=org, actor=Actor.system(), name="Search")

    html = client_for(viewer).get(f"/o/{org.slug}/teams/payments/").content.decode()

    section = html[html.index('<section class="card team-services">') :]
    assert re.findall(r"<strong>([A-Za-z]+)</strong></a>", section) == ["Checkout", "Ledger"]
    assert "2 in the catalog" in section


def test_context_contributions_merge_into_the_page_in_key_order_and_oncall_registers_the_catalog_ones(
    monkeypatch, rf, org
):
    assert sorted(panels._contexts["service-paging"]) == ["oncall"]
    assert sorted(panels._contexts["hygiene-paging"]) == ["oncall"]

    monkeypatch.setitem(panels._contexts, "drill-page", {})
    seen = []

    def first(request, *, service):
        seen.append(service)
        return {"shared": "first", "a": 1}

    panels.context_register("drill-page", "b-second", lambda request, **objects: {"shared": "second", "b": 2})
    panels.context_register("drill-page", "a-first", first)
    panels.context_register("drill-page", "c-none", lambda request, **objects: None)
    request = rf.get("/")
    request.organization = org

    assert panels.contexts("drill-page", request, service="svc") == {"shared": "second", "a": 1, "b": 2}
    assert seen == ["svc"]
    assert panels.contexts("no-such-page", request) == {}
    panels.context_register("drill-page", "b-second", lambda request, **objects: {"b": 3})
    assert panels.contexts("drill-page", request, service="svc")["b"] == 3

"""The public status page: anonymous, cacheable, server-rendered; private pages for their viewers only; drills
never shown; a constant number of queries whatever the page holds."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from statuspage.models import PublicIncident, StatusPage
from tests.factories import (
    ComponentFactory,
    MembershipFactory,
    PublicIncidentComponentFactory,
    PublicIncidentFactory,
    PublicUpdateFactory,
    StatusPageFactory,
    StatusPageViewerFactory,
)
from tests.statuspage import public_world
from tests.statuspage.public_world import DRILL_TEXT

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(member):
    return public_world.build(member)


def test_anonymous_visitor_sees_status_components_incidents_and_maintenance(world):
    response = Client().get(f"/status/{world.page.organization.slug}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=30"
    assert "Partial System Outage" in body  # the open SEV2 incident's major impact
    for text in (
        "Core platform",
        "API",
        "Web app",
        "Docs",
        "API errors",
        "A bad deploy; rolling back.",
        "Docs hosting move",
    ):
        assert text in body
    assert "Database upgrade" in body
    assert body.index("A bad deploy; rolling back.") < body.index("We see API errors.")  # newest first
    assert "Slow web app" not in body  # resolved: in the history only
    assert body.count('class="bars"') == 3
    assert "<script" not in body


def test_signed_in_member_gets_no_store(world, client_for, member):
    response = client_for(member).get(f"/status/{world.page.organization.slug}/")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_history_and_incident_pages_list_resolved_incidents(world):
    slug = world.page.organization.slug
    history = Client().get(f"/status/{slug}/history/")
    public = PublicIncident.objects.get(incident=world.resolved_incident)
    detail = Client().get(f"/status/{slug}/incidents/{public.uuid}/")

    assert history.status_code == 200
    assert "Slow web app" in history.content.decode()
    assert "API errors" in history.content.decode()
    assert detail.status_code == 200
    assert "Fixed." in detail.content.decode()
    assert "Web app is slow." in detail.content.decode()


def test_history_is_paginated(member):
    page = StatusPageFactory(organization=member.organization, is_default=True)
    for n in range(25):
        PublicIncidentFactory(page=page, organization=page.organization, title=f"Outage number {n:02d}")

    first = Client().get(f"/status/{page.organization.slug}/history/").content.decode()
    second = Client().get(f"/status/{page.organization.slug}/history/?page=2").content.decode()

    assert "Page 1 of 2" in first
    assert "Page 2 of 2" in second
    assert first.count("Outage number") == 20
    assert second.count("Outage number") == 5


def test_atom_feed_lists_public_incidents_newest_first(world):
    response = Client().get(f"/status/{world.page.organization.slug}/history.atom")

    body = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert body.index("API errors") < body.index("Slow web app")
    assert "A bad deploy; rolling back." in body


def test_drill_never_appears_on_any_page_or_feed(world):
    slug = world.page.organization.slug
    rogue = PublicIncident.objects.get(incident=world.drill)
    urls = [f"/status/{slug}/", f"/status/{slug}/history/", f"/status/{slug}/history.atom"]

    bodies = [Client().get(url).content.decode() for url in urls]

    assert [DRILL_TEXT in body for body in bodies] == [False, False, False]
    assert Client().get(f"/status/{slug}/incidents/{rogue.uuid}/").status_code == 404
    assert PublicIncident.objects.filter(incident=world.drill).count() == 1  # only the rogue row


def test_other_pages_live_under_their_slug(member):
    org = member.organization
    StatusPageFactory(organization=org, is_default=True, title="Main status")
    StatusPageFactory(organization=org, is_default=False, slug="eu", title="EU status")

    response = Client().get(f"/status/{org.slug}/eu/")

    assert response.status_code == 200
    assert "EU status" in response.content.decode()
    assert Client().get(f"/status/{org.slug}/eu/api/v2/status.json").json()["page"]["name"] == "EU status"


@pytest.mark.parametrize("path", ["", "history/", "history.atom", "api/v2/summary.json", "logo"])
def test_private_page_is_404_to_anyone_but_its_signed_in_viewers(member, other_member, client_for, path):
    org = member.organization
    page = StatusPageFactory(organization=org, is_default=True, is_public=False, title="Internal status")
    page.logo_bytes, page.logo_content_type = b"\x89PNG\r\n\x1a\n", "image/png"
    page.save()
    not_on_list = MembershipFactory(organization=org)
    StatusPageViewerFactory(page=page, organization=org, user=member.user)
    url = f"/status/{org.slug}/{path}"

    answers = [
        Client().get(url).status_code,
        client_for(other_member).get(url).status_code,
        client_for(not_on_list).get(url).status_code,
        client_for(member).get(url).status_code,
    ]

    assert answers == [404, 404, 404, 200]


def test_unknown_org_and_page_are_404():
    assert Client().get("/status/no-such-org/").status_code == 404
    assert Client().get("/status/no-such-org/api/v2/summary.json").status_code == 404


def test_logo_is_served_from_the_database_or_404(member):
    page = StatusPageFactory(organization=member.organization, is_default=True)
    url = f"/status/{page.organization.slug}/logo"
    missing = Client().get(url)
    page.logo_bytes, page.logo_content_type = b"\x89PNG\r\n\x1a\nfake", "image/png"
    page.save()

    response = Client().get(url)

    assert missing.status_code == 404
    assert (response.status_code, response["Content-Type"], response.content) == (
        200,
        "image/png",
        b"\x89PNG\r\n\x1a\nfake",
    )
    assert response["Cache-Control"] == "public, max-age=300"
    assert f'src="{url}"' in Client().get(f"/status/{page.organization.slug}/").content.decode()


def _queries(url: str) -> int:
    client = Client()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("path", ["", "api/v2/summary.json", "history/", "history.atom", "api/v2/incidents.json"])
def test_query_count_does_not_grow_with_components_and_incidents(world, path):
    url = f"/status/{world.page.organization.slug}/{path}"
    before = _queries(url)
    page, org = world.page, world.page.organization
    for n in range(10):
        component = ComponentFactory(page=page, organization=org, name=f"Extra {n}")
        public = PublicIncidentFactory(page=page, organization=org, title=f"Extra incident {n}")
        PublicUpdateFactory(public_incident=public, organization=org)
        PublicIncidentComponentFactory(public_incident=public, organization=org, component=component)

    assert _queries(url) == before


def test_seed_demo_makes_a_status_page_with_a_past_incident_and_upcoming_maintenance():
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent

    page = StatusPage.objects.get(is_default=True)
    body = Client().get(f"/status/{page.organization.slug}/").content.decode()
    history = Client().get(f"/status/{page.organization.slug}/history/").content.decode()
    assert page.components.count() >= 4
    assert page.groups.count() == 1
    assert "Database upgrade to PostgreSQL 17" in body
    assert "Elevated checkout errors in eu-west-1" in body  # the live incident's external update, published
    assert "Card payments failing for some customers" in history
    assert PublicIncident.objects.get(title="Card payments failing for some customers").updates.count() == 2

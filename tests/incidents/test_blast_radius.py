"""The incident page's blast radius: each dependent service with its owner team and who is on call for it now,
and a confirmed one-click page (oncall's manual paging) recorded on the timeline."""

import re
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents import actions as incident_actions
from incidents.models import Incident, Severity, TimelineEvent, TimelineKind
from notifications.models import Notification
from oncall.actions import policies as policy_actions
from orgs.models import Membership, MembershipRole
from orgs.tenancy import Actor
from services import actions as service_actions
from services.models import Service
from tests.oncall.policy_helpers import member, schedule, schedule_target, step, team

pytestmark = pytest.mark.django_db


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def blast_items(html: str) -> list[str]:
    section = re.search(r'<section class="card" id="blast-radius">(.*?)</section>', html, re.DOTALL)
    assert section is not None
    return [text(item) for item in re.findall(r'<li class="blast-item"[^>]*>(.*?)</li>', section.group(1), re.DOTALL)]


class Scene:
    """Payments is down (INC-1). Checkout depends on it (owner Web, on call: Carmen through Web's policy),
    Reports on Checkout (owner Data, no policy), Legacy on Payments (no owner, no policy)."""

    def __init__(self, org, owner: Membership) -> None:
        system = Actor.system()
        self.org, self.owner = org, owner
        self.rhea = member(org, "rhea@acme.test", "Rhea Responder")
        self.vic = member(org, "vic@acme.test", "Vic Viewer", role=MembershipRole.VIEWER)
        self.carmen = member(org, "carmen@acme.test", "Carmen Ruiz").user
        self.dan = member(org, "dan@acme.test", "Dan Data").user
        self.web = team(org, "Web", [self.carmen])
        self.data = team(org, "Data", [self.dan])
        web_primary = schedule(org, "Web primary", [self.carmen])
        self.policy = policy_actions.policy_create(
            organization=org, actor=system, name="Web", steps=[step(10, schedule_target(web_primary))]
        )
        self.payments = service_actions.service_create(organization=org, actor=system, name="Payments", tier=1)
        self.checkout = self.service("Checkout", self.payments, owner_team=self.web, escalation_policy=self.policy)
        self.reports = self.service("Reports", self.checkout, owner_team=self.data)
        self.legacy = self.service("Legacy", self.payments)
        self.unrelated = service_actions.service_create(organization=org, actor=system, name="Unrelated", tier=3)
        incident_actions.organization_defaults_ensure(organization=org)
        self.incident = incident_actions.incident_declare(
            organization=org,
            actor=Actor(user=owner.user),
            title="Payments down",
            severity=Severity.objects.for_org(org).get(name="SEV1"),
            services=[self.payments],
        )

    def service(self, name: str, depends_on: Service, tier: int = 2, **fields: object) -> Service:
        return service_actions.service_create(
            organization=self.org, actor=Actor.system(), name=name, tier=tier, dependencies=[depends_on], **fields
        )

    def page_url(self, slug: str, org_slug: str = "acme") -> str:
        return f"/o/{org_slug}/incidents/{self.incident.number}/blast-radius/{slug}/page/"


@pytest.fixture
def scene(org, owner) -> Scene:
    return Scene(org, owner)


def paged(incident: Incident) -> list[dict]:
    return list(
        TimelineEvent.objects.filter(incident=incident, kind=TimelineKind.PAGED).values_list("payload", flat=True)
    )


def delivered_to(incident: Incident) -> list[str]:
    return sorted(Notification.objects.filter(incident=incident).values_list("user__email", flat=True).distinct())


def test_blast_radius_shows_owner_and_on_call_with_a_page_button_for_responders(scene, client_for):
    html = client_for(scene.rhea).get("/o/acme/incidents/1/").content.decode()

    assert blast_items(html) == [
        "Checkout Tier 2 1 hop Owner Web On call now Carmen Ruiz Page",
        "Legacy Tier 2 1 hop No owner team Nobody to page: give Legacy an owner team or an escalation policy",
        "Reports Tier 2 2 hops Owner Data No escalation policy: page the owner team Page team",
    ]
    assert re.findall(r'href="([^"]+)" title="Asks you to confirm first', html) == [
        scene.page_url("checkout"),
        scene.page_url("reports"),
    ]


def test_a_viewer_sees_who_is_on_call_but_no_page_button(scene, client_for):
    html = client_for(scene.vic).get("/o/acme/incidents/1/").content.decode()

    assert blast_items(html)[0] == "Checkout Tier 2 1 hop Owner Web On call now Carmen Ruiz"
    assert "/blast-radius/" not in html


def test_the_page_button_asks_to_confirm_and_pages_nobody_yet(scene, client_for):
    response = client_for(scene.rhea).get(scene.page_url("checkout"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h2>Page Carmen Ruiz (on call for Checkout)?</h2>" in html
    assert text(re.search(r"<p>(.*?)</p>", html.split("<h2>", 1)[1], re.DOTALL).group(1)) == (
        "Checkout depends directly on a service affected by INC-1 (Payments down). Check whether it is impacted. "
        "The page goes out now through their notification rules and is recorded on the incident's timeline."
    )
    assert '<button type="submit" class="btn btn-danger">Page now</button>' in html
    assert 'href="/o/acme/incidents/1/#blast-radius">Cancel</a>' in html
    assert (paged(scene.incident), delivered_to(scene.incident)) == ([], [])


def test_confirming_pages_the_on_call_and_records_it_on_the_timeline(scene, client_for, enqueued):
    response = client_for(scene.rhea).post(scene.page_url("checkout"))

    assert (response.status_code, response["Location"]) == (302, "/o/acme/incidents/1/#blast-radius")
    assert [m.message for m in get_messages(response.wsgi_request)] == [
        "Paged Carmen Ruiz (on call for Checkout) about INC-1."
    ]
    assert delivered_to(scene.incident) == ["carmen@acme.test"]
    assert paged(scene.incident) == [
        {
            "targets": ["Carmen Ruiz"],
            "via": "",
            "message": "Checkout depends directly on a service affected by INC-1 (Payments down). "
            "Check whether it is impacted.",
        }
    ]
    event = TimelineEvent.objects.get(incident=scene.incident, kind=TimelineKind.PAGED)
    assert (event.actor_user, event.actor_label) == (scene.rhea.user, "Rhea Responder")


def test_with_nobody_on_call_the_owner_team_is_paged(scene, client_for):
    confirm = client_for(scene.rhea).get(scene.page_url("reports")).content.decode()
    response = client_for(scene.rhea).post(scene.page_url("reports"))

    assert "<h2>Page team Data?</h2>" in confirm
    assert response.status_code == 302
    assert delivered_to(scene.incident) == ["dan@acme.test"]
    assert paged(scene.incident) == [
        {
            "targets": ["Dan Data"],
            "via": "team Data",
            "message": "Reports depends through 2 hops on a service affected by INC-1 (Payments down). "
            "Check whether it is impacted.",
        }
    ]


def test_a_service_with_nobody_to_page_is_refused_with_the_reason(scene, client_for):
    for method in ("get", "post"):
        response = getattr(client_for(scene.rhea), method)(scene.page_url("legacy"))

        html = response.content.decode()
        assert response.status_code == 400
        refused = re.search(
            r'<div class="callout callout-danger" role="alert" id="refused">(.*?)</div>', html, re.DOTALL
        )
        assert text(refused.group(1)) == (
            "Nobody was paged for Legacy Nobody is on call for Legacy and it has no owner team."
        )
    assert (paged(scene.incident), delivered_to(scene.incident)) == ([], [])


def test_an_empty_owner_team_is_refused_and_nothing_is_half_saved(scene, client_for):
    scene.data.team_memberships.all().delete()

    response = client_for(scene.rhea).post(scene.page_url("reports"))

    assert response.status_code == 400
    assert "Nobody to page: team Data has no members." in response.content.decode()
    assert (paged(scene.incident), delivered_to(scene.incident)) == ([], [])


def test_a_viewer_cannot_page(scene, client_for):
    client = client_for(scene.vic)

    assert [
        client.get(scene.page_url("checkout")).status_code,
        client.post(scene.page_url("checkout")).status_code,
    ] == [
        403,
        403,
    ]
    assert (paged(scene.incident), delivered_to(scene.incident)) == ([], [])


@pytest.mark.parametrize("slug", ["payments", "unrelated", "no-such-service"])
def test_only_services_of_this_incidents_blast_radius_can_be_paged(scene, client_for, slug):
    client = client_for(scene.rhea)

    assert [client.get(scene.page_url(slug)).status_code, client.post(scene.page_url(slug)).status_code] == [404, 404]
    assert (paged(scene.incident), delivered_to(scene.incident)) == ([], [])


def test_a_service_of_another_org_is_refused(scene, other_org, other_member, client_for):
    # Globex has a "ledger" service that depends on its own "payments"
    payments = service_actions.service_create(organization=other_org, actor=Actor.system(), name="Payments")
    service_actions.service_create(organization=other_org, actor=Actor.system(), name="Ledger", dependencies=[payments])
    client = client_for(scene.rhea)

    assert [client.get(scene.page_url("ledger")).status_code, client.post(scene.page_url("ledger")).status_code] == [
        404,
        404,
    ]
    assert Notification.objects.count() == 0


def test_another_orgs_member_gets_404(scene, other_member, client_for, enqueued):
    outsider = client_for(other_member)

    answers = [
        outsider.get(scene.page_url("checkout")).status_code,
        outsider.post(scene.page_url("checkout")).status_code,
        outsider.post(scene.page_url("checkout", org_slug="globex")).status_code,
    ]

    assert answers == [404, 404, 404]
    assert (paged(scene.incident), delivered_to(scene.incident), enqueued.calls) == ([], [], [])


def test_on_call_is_asked_once_per_escalation_policy(scene, client_for):
    client = client_for(scene.rhea)
    client.get("/o/acme/incidents/1/")
    with CaptureQueriesContext(connection) as one:
        client.get("/o/acme/incidents/1/")
    for name in ("Cart", "Wishlist", "Search"):
        scene.service(name, scene.payments, owner_team=scene.web, escalation_policy=scene.policy)

    with CaptureQueriesContext(connection) as four:
        html = client.get("/o/acme/incidents/1/").content.decode()

    assert [item.split(" Owner ")[0] for item in blast_items(html)[:4]] == [
        "Cart Tier 2 1 hop",
        "Checkout Tier 2 1 hop",
        "Legacy Tier 2 1 hop No owner team Nobody to page: give Legacy an owner team or an escalation policy",
        "Search Tier 2 1 hop",
    ]
    assert len(four.captured_queries) == len(one.captured_queries)

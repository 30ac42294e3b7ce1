"""The incident pages: list, declare, the incident page and every change it posts, roles (viewers read,
responders work), error pages, sanitized notes, drills, and constant query counts."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents import actions
from incidents.models import (
    Incident,
    IncidentRole,
    IncidentStatus,
    IncidentTask,
    IncidentType,
    RoleAssignment,
    Severity,
    StatusUpdate,
    TimelineEvent,
    TimelineKind,
    allowed_transitions,
)
from orgs.models import Membership, MembershipRole, Organization
from orgs.tenancy import Actor
from services import actions as service_actions
from services.models import Service
from tests.factories import IncidentFactory, SeverityFactory, TimelineEventFactory

pytestmark = pytest.mark.django_db

TRANSITION_BUTTON = re.compile(r'<button type="submit" name="status" value="(\w+)"')
EVENT_ID = re.compile(r'<article [^>]*id="event-(\d+)"')


@dataclass
class Scene:
    org: Organization
    owner: Membership
    responder: Membership
    viewer: Membership
    service: Service
    incident: Incident
    client: Callable[[Membership], Client]

    def url(self, name: str = "", number: int | None = None) -> str:
        base = f"/o/{self.org.slug}/incidents/"
        return base + (f"{number or self.incident.number}/{name}" if name is not None else "")

    def reload(self) -> Incident:
        return Incident.objects.get(pk=self.incident.pk)


@pytest.fixture
def scene(org, owner, make_member, client_for) -> Scene:
    responder = make_member(org, MembershipRole.RESPONDER, email="rhea@acme.test")
    responder.user.full_name = "Rhea Responder"
    responder.user.save(update_fields=["full_name"])
    viewer = make_member(org, MembershipRole.VIEWER, email="vic@acme.test")
    service = service_actions.service_create(organization=org, actor=Actor.system(), name="Checkout", tier=1)
    actions.organization_defaults_ensure(organization=org)
    incident = actions.incident_declare(
        organization=org,
        actor=Actor(user=owner.user),
        title="Checkout failing",
        severity=SeverityFactory(organization=org, name="SEV2"),
        services=[service],
    )
    return Scene(org, owner, responder, viewer, service, incident, client_for)


def messages_of(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request)]


def timeline_kinds(incident: Incident) -> list[str]:
    return list(TimelineEvent.objects.filter(incident=incident).order_by("id").values_list("kind", flat=True))


def query_count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# --- list ----------------------------------------------------------------------------------------------


def test_list_shows_open_incidents_first_with_their_details(scene):
    closed = IncidentFactory(
        organization=scene.org, title="Old search outage", severity=SeverityFactory(organization=scene.org, name="SEV4")
    )
    actions.incident_transition(incident=closed, status="resolved", actor=Actor(user=scene.owner.user))
    newest_closed = IncidentFactory(
        organization=scene.org,
        title="Newest but resolved",
        severity=SeverityFactory(organization=scene.org, name="SEV3"),
        is_drill=True,
    )
    actions.incident_transition(incident=newest_closed, status="resolved", actor=Actor(user=scene.owner.user))

    response = scene.client(scene.viewer).get(scene.url(None))

    html = response.content.decode()
    assert response.status_code == 200
    assert re.findall(r'id="incident-row-(\d+)"', html) == ["1", "3", "2"]
    row = html[html.index('id="incident-row-1"') : html.index("</tr>", html.index('id="incident-row-1"'))]
    assert "Checkout failing" in row
    assert 'class="badge badge-sev2"' in row
    assert '<span class="badge badge-status-investigating">Investigating</span>' in row
    assert scene.owner.user.display_name in row
    assert '<span class="tag">Checkout</span>' in row
    assert 'data-duration-start="' in row
    assert 'ws-connect="/ws/o/acme/incidents/"' in html
    assert html.count('<span class="badge badge-drill">Drill</span>') == 1


@pytest.mark.parametrize(
    ("query", "rows"),
    [
        ("status=open", ["1"]),
        ("status=closed", ["3", "2"]),
        ("status=resolved", ["3", "2"]),
        ("severity=SEV4", ["2"]),
        ("service=checkout", ["1"]),
        ("drill=yes", ["3"]),
        ("drill=no", ["1", "2"]),
        ("q=INC-2", ["2"]),
        ("q=search", ["2"]),
        ("sort=oldest", ["1", "2", "3"]),
        ("sort=severity", ["1", "3", "2"]),
    ],
)
def test_list_filters_and_sorts(scene, query, rows):
    for title, sev, drill in (("Old search outage", "SEV4", False), ("A drill", "SEV3", True)):
        incident = IncidentFactory(
            organization=scene.org,
            title=title,
            severity=SeverityFactory(organization=scene.org, name=sev),
            is_drill=drill,
        )
        actions.incident_transition(incident=incident, status="resolved", actor=Actor(user=scene.owner.user))

    html = scene.client(scene.owner).get(f"{scene.url(None)}?{query}").content.decode()

    assert re.findall(r'id="incident-row-(\d+)"', html) == rows
    assert 'data-live-insert="off"' in html


def test_list_filtered_by_team_matches_owner_teams_of_affected_services(scene):
    from tests.factories import TeamFactory

    team = TeamFactory(organization=scene.org, slug="payments")
    owned = service_actions.service_create(organization=scene.org, actor=Actor.system(), name="Ledger", owner_team=team)
    IncidentFactory(organization=scene.org, title="Ledger slow", services=[owned])

    html = scene.client(scene.owner).get(f"{scene.url(None)}?team=payments").content.decode()

    assert re.findall(r'id="incident-row-(\d+)"', html) == ["2"]


def test_the_edit_page_changes_the_type_and_the_timeline_says_so(scene):
    html = scene.client(scene.owner).get(scene.url("edit/")).content.decode()
    assert 'name="incident_type"' not in html  # no types in this org

    IncidentType.objects.create(organization=scene.org, name="Security", slug="security", checklist=["Rotate keys"])
    form = {"title": "Checkout failing", "summary": "", "customer_impact": "", "services": ["checkout"]}
    response = scene.client(scene.owner).post(scene.url("edit/"), {**form, "incident_type": "security"})

    assert response.status_code == 302
    assert scene.reload().incident_type.slug == "security"
    page = scene.client(scene.viewer).get(scene.url()).content.decode()
    assert 'Incident type: <span class="muted">none</span>' in page
    assert "<strong>Security</strong>" in page
    assert "1 checklist task added" in page


def test_list_filtered_by_incident_type_and_the_filter_shows_only_with_types(scene):
    html = scene.client(scene.owner).get(scene.url(None)).content.decode()
    assert 'id="f-type"' not in html  # no types in this org: nothing to filter by

    security = IncidentType.objects.create(organization=scene.org, name="Security", slug="security")
    IncidentFactory(organization=scene.org, title="Leaked key", incident_type=security)

    html = scene.client(scene.owner).get(f"{scene.url(None)}?type=security").content.decode()
    assert re.findall(r'id="incident-row-(\d+)"', html) == ["2"]
    assert '<option value="security" selected>Security</option>' in html
    html = scene.client(scene.owner).get(f"{scene.url(None)}?type=none").content.decode()
    assert re.findall(r'id="incident-row-(\d+)"', html) == ["1"]


def test_empty_list_invites_responders_to_declare(org, owner, make_member, client_for):
    viewer = make_member(org, MembershipRole.VIEWER)

    as_owner = client_for(owner).get("/o/acme/incidents/").content.decode()
    as_viewer = client_for(viewer).get("/o/acme/incidents/").content.decode()

    assert "No incidents yet" in as_owner
    assert 'href="/o/acme/incidents/declare/">Declare incident</a>' in as_owner
    assert 'tbody id="incident-rows"' in as_owner  # live rows have a place to land
    assert "No incidents yet" in as_viewer
    assert as_viewer.count("Declare incident") == 0


def test_list_runs_a_constant_number_of_queries(scene):
    client = scene.client(scene.owner)
    for n in range(9):
        actions.incident_declare(
            organization=scene.org,
            actor=Actor(user=scene.owner.user),
            title=f"Incident {n}",
            severity=SeverityFactory(organization=scene.org, name="SEV2"),
            services=[scene.service],
        )
    ten = query_count(client, scene.url(None))
    for n in range(50):
        actions.incident_declare(
            organization=scene.org,
            actor=Actor(user=scene.responder.user),
            title=f"More {n}",
            severity=SeverityFactory(organization=scene.org, name="SEV3"),
            services=[scene.service],
        )

    sixty = query_count(client, scene.url(None))

    assert Incident.objects.filter(organization=scene.org).count() == 60
    assert sixty == ten


# --- declare ------------------------------------------------------------------------------------------


def test_declare_form_defaults_to_sev3_and_me_as_commander(scene):
    response = scene.client(scene.responder).get(scene.url(None) + "declare/")

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<input type="radio" name="severity" value="SEV3"[^>]*checked', html)
    assert f'<option value="{scene.responder.user.uuid}" selected>Rhea Responder</option>' in html
    assert 'name="is_drill"' in html
    assert "never counted in metrics" in html


def test_declare_creates_the_incident_and_opens_its_page(scene):
    client = scene.client(scene.responder)

    response = client.post(
        scene.url(None) + "declare/",
        {
            "title": "Search is down",
            "severity": "SEV1",
            "services": ["checkout"],
            "commander": str(scene.owner.user.uuid),
            "summary": "Everything 500s",
            "customer_impact": "Nobody can search",
            "started_at": "2020-01-02T03:04",
        },
    )

    incident = Incident.objects.get(organization=scene.org, number=2)
    assert response.status_code == 302
    assert response["Location"] == "/o/acme/incidents/2/"
    assert (incident.title, incident.severity.name, incident.status, incident.is_drill) == (
        "Search is down",
        "SEV1",
        "investigating",
        False,
    )
    assert incident.started_at.isoformat() == "2020-01-02T03:04:00+00:00"
    assert [link.service.slug for link in incident.service_links.all()] == ["checkout"]
    assert incident.declared_by == scene.responder.user
    assert RoleAssignment.objects.get(incident=incident, role__is_commander=True).user == scene.owner.user
    assert messages_of(response) == ["INC-2 declared. You are on the incident page: work it here."]


def test_declare_a_drill(scene):
    response = scene.client(scene.owner).post(
        scene.url(None) + "declare/", {"title": "Game day", "severity": "SEV2", "is_drill": "on"}
    )

    assert response.status_code == 302
    assert Incident.objects.get(organization=scene.org, number=2).is_drill is True


def test_declare_with_another_orgs_service_is_a_form_error_and_creates_nothing(scene, other_org):
    foreign = service_actions.service_create(organization=other_org, actor=Actor.system(), name="Globex API")
    before = Incident.objects.count()

    response = scene.client(scene.owner).post(
        scene.url(None) + "declare/", {"title": "Sneaky", "severity": "SEV2", "services": [foreign.slug]}
    )

    assert response.status_code == 400
    assert f"Select a valid choice. {foreign.slug} is not one of the available choices." in response.content.decode()
    assert Incident.objects.count() == before


def test_declare_without_a_title_re_renders_with_the_error(scene):
    response = scene.client(scene.owner).post(scene.url(None) + "declare/", {"title": "", "severity": "SEV2"})

    assert response.status_code == 400
    assert "The incident was not declared." in response.content.decode()
    assert "This field is required." in response.content.decode()
    assert Incident.objects.filter(organization=scene.org).count() == 1


def test_declare_in_the_future_is_refused_by_the_action(scene):
    response = scene.client(scene.owner).post(
        scene.url(None) + "declare/", {"title": "Time travel", "severity": "SEV2", "started_at": "2099-01-01T00:00"}
    )

    assert response.status_code == 400
    assert "The impact cannot start in the future." in response.content.decode()
    assert Incident.objects.filter(organization=scene.org).count() == 1


# --- the incident page ----------------------------------------------------------------------------------


def test_incident_page_shows_header_actions_roles_tasks_services_and_timeline(scene):
    actions.note_add(incident=scene.incident, body="Rolled back **v42**", actor=Actor(user=scene.owner.user))

    response = scene.client(scene.responder).get(scene.url(""))

    html = response.content.decode()
    assert response.status_code == 200
    summary = html[html.index('id="incident-summary"') : html.index("</section>", html.index('id="incident-summary"'))]
    assert "INC-1" in summary
    assert 'class="badge badge-sev2"' in summary
    assert '<span class="badge badge-status-investigating">Investigating</span>' in summary
    assert scene.owner.user.display_name in summary
    assert TRANSITION_BUTTON.findall(summary) == allowed_transitions("investigating")
    assert 'ws-connect="/ws/o/acme/incidents/1/"' in html
    assert "Rolled back <strong>v42</strong>" in html
    assert [int(i) for i in EVENT_ID.findall(html)] == list(
        TimelineEvent.objects.filter(incident=scene.incident).order_by("-id").values_list("id", flat=True)
    )
    assert "Incident Commander" in html
    assert "Confirm severity and affected services" in html  # the IC's checklist became tasks
    assert 'href="/o/acme/services/checkout/"' in html
    assert "js/firebreak-live.js" in html


def test_timeline_events_show_what_happened_per_kind(scene):
    actor = Actor(user=scene.owner.user)
    actions.incident_transition(incident=scene.incident, status="identified", actor=actor)
    actions.incident_update(
        incident=scene.incident, actor=actor, severity=Severity.objects.for_org(scene.org).get(name="SEV1")
    )
    actions.role_assign(
        incident=scene.incident,
        role=IncidentRole.objects.for_org(scene.org).get(slug="scribe"),
        user=scene.responder.user,
        actor=actor,
    )

    html = scene.client(scene.viewer).get(scene.url("")).content.decode()

    assert (
        'Status: <span class="badge badge-status-investigating">Investigating</span> <span class="arrow" '
        'aria-label="to">→</span> <span class="badge badge-status-identified">Identified</span>'
    ) in html
    assert (
        'Severity: <span class="badge badge-sev badge-sev2">SEV2</span> <span class="arrow" aria-label="to">→</span> '
        '<span class="badge badge-sev badge-sev1">SEV1</span>'
    ) in html
    assert "<strong>Rhea Responder</strong> is now <strong>Scribe</strong>" in html
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" data-time="time"', html)


def test_viewer_sees_the_page_without_any_action(scene):
    html = scene.client(scene.viewer).get(scene.url("")).content.decode()

    assert TRANSITION_BUTTON.findall(html) == []
    assert "Add note" not in html
    assert 'action="/o/acme/incidents/1/roles/assign/"' not in html
    assert "data-viewer" in html


def test_drill_banner_shows_on_every_page_of_a_drill(scene):
    drill = IncidentFactory(organization=scene.org, title="Game day", is_drill=True)
    client = scene.client(scene.owner)

    pages = [client.get(scene.url(name, drill.number)) for name in ("", "edit/", "milestones/")]
    real = client.get(scene.url("")).content.decode()

    assert [(page.status_code, page.content.decode().count('class="drill-banner"')) for page in pages] == [
        (200, 1),
        (200, 1),
        (200, 1),
    ]
    assert "This is a practice incident." in pages[0].content.decode()
    assert "drill-banner" not in real


def test_unknown_incident_is_404(scene):
    assert scene.client(scene.owner).get(scene.url("", 99)).status_code == 404


def test_another_orgs_member_gets_404_for_page_and_posts(scene, other_member, client_for):
    outsider = client_for(other_member)

    answers = [outsider.get(scene.url("")).status_code, outsider.post(scene.url("notes/"), {"body": "x"}).status_code]

    assert answers == [404, 404]
    assert timeline_kinds(scene.incident).count("note") == 0


def test_incident_page_runs_a_constant_number_of_queries(scene):
    client = scene.client(scene.owner)
    actions.role_assign(
        incident=scene.incident,
        role=IncidentRole.objects.for_org(scene.org).get(slug="scribe"),
        user=scene.responder.user,
        actor=Actor(user=scene.owner.user),
    )
    add_notes(scene.incident, 5 - TimelineEvent.objects.filter(incident=scene.incident).count())
    assert TimelineEvent.objects.filter(incident=scene.incident).count() == 5
    five = query_count(client, scene.url(""))
    add_notes(scene.incident, 195, pinned_every=20)

    two_hundred = query_count(client, scene.url(""))

    assert TimelineEvent.objects.filter(incident=scene.incident).count() == 200
    assert two_hundred == five


def add_notes(incident: Incident, count: int, pinned_every: int = 0) -> None:
    now = timezone.now()
    TimelineEvent.objects.bulk_create(
        TimelineEvent(
            organization_id=incident.organization_id,
            incident=incident,
            kind=TimelineKind.NOTE,
            actor_label="Bulk",
            occurred_at=now,
            body=f"note {n}",
            body_html=f"<p>note {n}</p>",
            is_pinned=bool(pinned_every) and n % pinned_every == 0,
        )
        for n in range(count)
    )


def test_timeline_pages_older_events_with_a_load_older_partial(scene):
    add_notes(scene.incident, 60)
    ids = list(TimelineEvent.objects.filter(incident=scene.incident).order_by("-occurred_at", "-id"))
    client = scene.client(scene.owner)

    page = client.get(scene.url("")).content.decode()
    older = client.get(scene.url("") + f"?before={ids[49].pk}", HTTP_HX_REQUEST="true")

    assert [int(i) for i in EVENT_ID.findall(page)] == [e.pk for e in ids[:50]]
    assert f'hx-get="?before={ids[49].pk}"' in page
    assert older.status_code == 200
    assert "<html" not in older.content.decode()
    assert [int(i) for i in EVENT_ID.findall(older.content.decode())] == [e.pk for e in ids[50:]]
    assert 'id="timeline-more" class="tl-more" hx-swap-oob="true"' in older.content.decode()
    assert "Start of the timeline" in older.content.decode()


def test_timeline_filters_by_kind(scene):
    actions.note_add(incident=scene.incident, body="Only me", actor=Actor(user=scene.owner.user))

    html = scene.client(scene.owner).get(scene.url("") + "?kind=note").content.decode()

    note = TimelineEvent.objects.get(incident=scene.incident, kind="note")
    newest = TimelineEvent.objects.filter(incident=scene.incident).latest("id")
    assert [int(i) for i in EVENT_ID.findall(html)] == [note.pk]
    assert f'data-kind="note" data-after="{newest.pk}"' in html


# --- status and severity ------------------------------------------------------------------------------


def test_responder_moves_the_status(scene):
    response = scene.client(scene.responder).post(scene.url("transition/"), {"status": "identified"})

    assert response.status_code == 302
    assert response["Location"] == "/o/acme/incidents/1/"
    assert scene.reload().status == "identified"
    assert messages_of(response) == ["INC-1 is now identified."]
    assert timeline_kinds(scene.incident)[-1] == "status_changed"


def test_illegal_transition_shows_the_allowed_statuses_and_changes_nothing(scene):
    actions.incident_transition(incident=scene.incident, status="resolved", actor=Actor(user=scene.owner.user))
    events_before = timeline_kinds(scene.incident)

    response = scene.client(scene.responder).post(scene.url("transition/"), {"status": "triage"})

    html = response.content.decode()
    assert response.status_code == 400
    assert "The status did not change" in html
    assert "Cannot move from resolved to triage. Allowed next: investigating, closed." in html
    assert scene.reload().status == "resolved"
    assert timeline_kinds(scene.incident) == events_before


def test_unknown_status_is_a_400(scene):
    response = scene.client(scene.responder).post(scene.url("transition/"), {"status": "exploded"})

    assert response.status_code == 400
    assert "Select a valid choice. exploded is not one of the available choices." in response.content.decode()
    assert scene.reload().status == "investigating"


def test_responder_changes_the_severity(scene):
    response = scene.client(scene.responder).post(scene.url("severity/"), {"severity": "SEV1"})

    assert response.status_code == 302
    assert scene.reload().severity.name == "SEV1"
    assert messages_of(response) == ["Severity of INC-1 set to SEV1."]


def test_severity_of_another_org_is_refused(scene, other_org):
    actions.organization_defaults_ensure(organization=other_org)

    response = scene.client(scene.responder).post(scene.url("severity/"), {"severity": "SEV9"})

    assert response.status_code == 400
    assert scene.reload().severity.name == "SEV2"


# --- edit and milestones -------------------------------------------------------------------------------


def test_edit_details(scene):
    other = service_actions.service_create(organization=scene.org, actor=Actor.system(), name="Search")
    client = scene.client(scene.responder)

    form = client.get(scene.url("edit/"))
    response = client.post(
        scene.url("edit/"),
        {"title": "Checkout and search failing", "summary": "Both", "customer_impact": "All", "services": ["search"]},
    )

    incident = scene.reload()
    assert form.status_code == 200
    assert 'value="Checkout failing"' in form.content.decode()
    assert response.status_code == 302
    assert (incident.title, incident.summary, incident.customer_impact) == (
        "Checkout and search failing",
        "Both",
        "All",
    )
    assert [link.service for link in incident.service_links.all()] == [other]


def test_edit_with_an_empty_title_is_refused(scene):
    response = scene.client(scene.responder).post(scene.url("edit/"), {"title": "  "})

    assert response.status_code == 400
    assert scene.reload().title == "Checkout failing"


def test_milestones_need_a_reason(scene):
    incident = scene.reload()
    data = {
        "started_at": "2020-05-05T10:00",
        "declared_at": incident.declared_at.strftime("%Y-%m-%dT%H:%M"),
        "detected_at": "2020-05-05T10:05",
    }
    client = scene.client(scene.responder)

    refused = client.post(scene.url("milestones/"), data)
    saved = client.post(scene.url("milestones/"), {**data, "reason": "Dashboards show errors from 10:00"})

    incident = scene.reload()
    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()
    assert saved.status_code == 302
    assert saved["Location"] == "/o/acme/incidents/1/#milestones"
    assert incident.started_at.isoformat() == "2020-05-05T10:00:00+00:00"
    assert incident.detected_at.isoformat() == "2020-05-05T10:05:00+00:00"
    assert incident.acknowledged_at is None
    event = TimelineEvent.objects.filter(incident=incident, kind="milestone_changed").get()
    assert event.payload["reason"] == "Dashboards show errors from 10:00"


def test_milestones_page_shows_utc_values(scene):
    Incident.objects.filter(pk=scene.incident.pk).update(started_at=datetime(2021, 3, 4, 5, 6, tzinfo=UTC))

    html = scene.client(scene.owner).get(scene.url("milestones/")).content.decode()

    assert 'name="started_at" value="2021-03-04T05:06"' in html


def test_milestone_after_impact_start_rule_is_shown(scene):
    incident = scene.reload()
    response = scene.client(scene.owner).post(
        scene.url("milestones/"),
        {
            "started_at": timezone.now().strftime("%Y-%m-%dT%H:%M"),
            "declared_at": incident.declared_at.strftime("%Y-%m-%dT%H:%M"),
            "detected_at": "2020-01-01T00:00",
            "reason": "typo",
        },
    )

    assert response.status_code == 400
    assert "Impact cannot start after detected" in response.content.decode()


# --- roles and tasks -----------------------------------------------------------------------------------


def test_assign_hand_over_and_release_a_role(scene):
    client = scene.client(scene.responder)
    url = scene.url("roles/assign/")

    first = client.post(url, {"role": "scribe", "user": str(scene.responder.user.uuid)})
    handed = client.post(url, {"role": "scribe", "user": str(scene.owner.user.uuid)})
    released = client.post(scene.url("roles/release/"), {"role": "scribe"})

    assert [first.status_code, handed.status_code, released.status_code] == [302, 302, 302]
    assert first["Location"] == "/o/acme/incidents/1/#roles"
    history = RoleAssignment.objects.filter(incident=scene.incident, role__slug="scribe").order_by("id")
    assert [(a.user, a.released_at is not None) for a in history] == [
        (scene.responder.user, True),
        (scene.owner.user, True),
    ]
    assert timeline_kinds(scene.incident)[-3:] == ["role_assigned", "role_assigned", "role_released"]


def test_assigning_a_role_to_another_orgs_person_is_refused(scene, other_member):
    response = scene.client(scene.owner).post(
        scene.url("roles/assign/"), {"role": "scribe", "user": str(other_member.user.uuid)}
    )

    assert response.status_code == 400
    assert "The role was not assigned" in response.content.decode()
    assert RoleAssignment.objects.filter(incident=scene.incident, role__slug="scribe").exists() is False


def test_add_and_toggle_a_task(scene):
    client = scene.client(scene.responder)

    added = client.post(scene.url("tasks/"), {"title": "Page the DBA", "assignee": str(scene.responder.user.uuid)})
    task = IncidentTask.objects.get(incident=scene.incident, title="Page the DBA")
    done = client.post(scene.url(f"tasks/{task.uuid}/toggle/"), {"completed": "1"})
    task.refresh_from_db()
    completed_at = task.completed_at
    reopened = client.post(scene.url(f"tasks/{task.uuid}/toggle/"), {})
    task.refresh_from_db()

    assert [added.status_code, done.status_code, reopened.status_code] == [302, 302, 302]
    assert task.assignee == scene.responder.user
    assert completed_at is not None
    assert task.completed_at is None
    assert timeline_kinds(scene.incident)[-3:] == ["task_added", "task_completed", "task_reopened"]


def test_empty_task_keeps_the_page_with_the_error(scene):
    response = scene.client(scene.responder).post(scene.url("tasks/"), {"title": ""})

    assert response.status_code == 400
    assert "The task was not added" in response.content.decode()


# --- notes, updates, pins -------------------------------------------------------------------------------


def test_add_a_note(scene):
    response = scene.client(scene.responder).post(scene.url("notes/"), {"body": "Rolled back *canary*"})

    note = TimelineEvent.objects.get(incident=scene.incident, kind="note")
    assert response.status_code == 302
    assert response["Location"] == "/o/acme/incidents/1/#timeline"
    assert (note.body, note.actor_user) == ("Rolled back *canary*", scene.responder.user)


def test_empty_note_keeps_the_composer_with_the_error(scene):
    response = scene.client(scene.responder).post(scene.url("notes/"), {"body": "   "})

    assert response.status_code == 400
    assert "The note was not added" in response.content.decode()
    assert TimelineEvent.objects.filter(incident=scene.incident, kind="note").exists() is False


@pytest.mark.parametrize(
    ("body", "raw"),
    [
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
        ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),
        ("[click](javascript:alert(1))", 'href="javascript:alert(1)"'),
    ],
)
def test_notes_render_inert(scene, body, raw):
    scene.client(scene.responder).post(scene.url("notes/"), {"body": f"Look: {body}"})

    html = scene.client(scene.owner).get(scene.url("")).content.decode()

    assert TimelineEvent.objects.filter(incident=scene.incident, kind="note").count() == 1
    assert raw not in html
    assert "onerror" not in html
    assert "alert(1)</script>" not in html


def test_status_update_can_move_the_status(scene):
    response = scene.client(scene.responder).post(
        scene.url("updates/"), {"message": "Fix deployed", "visibility": "external", "status": "monitoring"}
    )

    update = StatusUpdate.objects.get(incident=scene.incident)
    assert response.status_code == 302
    assert (update.message, update.visibility, update.status) == ("Fix deployed", "external", "monitoring")
    assert scene.reload().status == "monitoring"
    assert timeline_kinds(scene.incident)[-2:] == ["status_changed", "status_update"]


def test_drills_cannot_post_external_updates(scene):
    drill = IncidentFactory(organization=scene.org, title="Game day", is_drill=True)

    page = scene.client(scene.owner).get(scene.url("", drill.number)).content.decode()
    response = scene.client(scene.owner).post(
        scene.url("updates/", drill.number), {"message": "Practice", "visibility": "external"}
    )

    assert 'name="visibility" value="external" disabled' in page
    assert response.status_code == 400
    assert "Drills never publish external updates." in response.content.decode()
    assert StatusUpdate.objects.filter(incident=drill).exists() is False


def test_pin_and_unpin_an_event(scene):
    note = actions.note_add(incident=scene.incident, body="Key decision", actor=Actor(user=scene.owner.user))
    client = scene.client(scene.responder)

    pinned = client.post(scene.url(f"timeline/{note.pk}/pin/"), {"pinned": "1"})
    page = client.get(scene.url("")).content.decode()
    unpinned = client.post(scene.url(f"timeline/{note.pk}/pin/"), {})
    note.refresh_from_db()

    assert [pinned.status_code, unpinned.status_code] == [302, 302]
    assert f'id="pinned-event-{note.pk}"' in page
    assert note.is_pinned is False


def test_pinning_an_event_of_another_incident_is_404(scene):
    other = IncidentFactory(organization=scene.org, title="Elsewhere")
    event = TimelineEventFactory(incident=other)

    response = scene.client(scene.owner).post(scene.url(f"timeline/{event.pk}/pin/"), {"pinned": "1"})

    assert response.status_code == 404
    assert TimelineEvent.objects.get(pk=event.pk).is_pinned is False


# --- roles: viewers read, responders work -------------------------------------------------------------------


def write_requests(scene: Scene) -> list[tuple[str, dict[str, str]]]:
    task = IncidentTask.objects.filter(incident=scene.incident).first()
    event = TimelineEvent.objects.filter(incident=scene.incident).first()
    return [
        (scene.url(None) + "declare/", {"title": "Viewer incident", "severity": "SEV2"}),
        (scene.url("transition/"), {"status": "identified"}),
        (scene.url("severity/"), {"severity": "SEV1"}),
        (scene.url("edit/"), {"title": "Renamed"}),
        (scene.url("milestones/"), {"started_at": "2020-01-01T00:00", "reason": "x"}),
        (scene.url("roles/assign/"), {"role": "scribe", "user": str(scene.viewer.user.uuid)}),
        (scene.url("roles/release/"), {"role": "incident-commander"}),
        (scene.url("tasks/"), {"title": "Viewer task"}),
        (scene.url(f"tasks/{task.uuid}/toggle/"), {"completed": "1"}),
        (scene.url("notes/"), {"body": "Viewer note"}),
        (scene.url("updates/"), {"message": "Viewer update", "visibility": "internal"}),
        (scene.url(f"timeline/{event.pk}/pin/"), {"pinned": "1"}),
    ]


def test_viewer_can_read_every_page_but_change_nothing(scene):
    client = scene.client(scene.viewer)
    before = (timeline_kinds(scene.incident), Incident.objects.count(), scene.reload().status)

    reads = [client.get(url).status_code for url in (scene.url(None), scene.url(""))]
    forms = [client.get(url).status_code for url in (scene.url(None) + "declare/", scene.url("edit/"))]
    writes = [(url, client.post(url, data).status_code) for url, data in write_requests(scene)]

    assert reads == [200, 200]
    assert forms == [403, 403]
    assert [(url, status) for url, status in writes if status != 403] == []
    assert (timeline_kinds(scene.incident), Incident.objects.count(), scene.reload().status) == before


def test_responder_can_do_every_write(scene):
    client = scene.client(scene.responder)

    answers = [(url, client.post(url, data).status_code) for url, data in write_requests(scene)]

    # the milestone post lacks declared_at, so it is refused as a form error (not for lack of rights)
    assert [(url, status) for url, status in answers if status != 302] == [(scene.url("milestones/"), 400)]


def test_get_on_a_post_only_url_is_405(scene):
    assert scene.client(scene.owner).get(scene.url("transition/")).status_code == 405


def test_post_pages_name_allowed_transitions_for_each_status(scene):
    client = scene.client(scene.owner)
    seen = {}
    for status in ("identified", "monitoring", "resolved"):
        client.post(scene.url("transition/"), {"status": status})
        html = client.get(scene.url("")).content.decode()
        summary = html[html.index('id="incident-summary"') :]
        seen[status] = TRANSITION_BUTTON.findall(summary[: summary.index("</section>")])

    assert seen == {status: allowed_transitions(status) for status in seen}
    assert IncidentStatus.RESOLVED in seen["monitoring"]


def test_side_column_partial_for_live_refreshes(scene):
    actions.role_assign(
        incident=scene.incident,
        role=IncidentRole.objects.for_org(scene.org).get(slug="scribe"),
        user=scene.responder.user,
        actor=Actor(user=scene.owner.user),
    )

    response = scene.client(scene.viewer).get(scene.url("") + "?part=side", HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith('<aside class="incident-side" id="incident-side">')
    assert "Rhea Responder" in html
    assert "<html" not in html
    assert 'action="/o/acme/incidents/1/roles/assign/"' not in html  # still rendered for the viewer asking
    assert response["Vary"] == "HX-Request, Cookie"


def test_service_page_lists_its_open_and_recent_incidents(scene):
    resolved = IncidentFactory(
        organization=scene.org,
        title="Earlier checkout blip",
        severity=SeverityFactory(organization=scene.org, name="SEV3"),
        services=[scene.service],
    )
    actions.incident_transition(incident=resolved, status="resolved", actor=Actor(user=scene.owner.user))
    IncidentFactory(organization=scene.org, title="Unrelated search issue")

    html = scene.client(scene.viewer).get(f"/o/acme/services/{scene.service.slug}/").content.decode()

    card = html[html.index('id="incidents"') : html.index("</section>", html.index('id="incidents"'))]
    assert re.findall(r'id="incident-row-(\d+)"', card) == ["1", "2"]
    assert "1 open · 1 closed recently" in card
    assert 'href="/o/acme/incidents/?service=checkout"' in card


def test_every_timeline_kind_has_a_readable_rendering():
    source = (Path(__file__).resolve().parents[2] / "templates/incidents/partials/_timeline_event.html").read_text()

    missing = [kind for kind in TimelineKind.values if kind != "note" and f'event.kind == "{kind}"' not in source]

    assert missing == []  # a note is its Markdown body alone

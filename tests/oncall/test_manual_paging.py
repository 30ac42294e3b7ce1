"""Manual paging from an incident: the action, the incident page's panel and form, and POST /api/v1/pages/."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError

from incidents import actions as incident_actions
from incidents.models import Incident, TimelineEvent, TimelineKind
from notifications.models import Notification, NotificationReason
from oncall.actions import manual_paging
from oncall.actions import policies as policy_actions
from orgs.models import MembershipRole
from orgs.tenancy import Actor
from services import actions as service_actions
from tests.factories import TeamFactory
from tests.oncall.policy_helpers import member, schedule, team

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(org, owner) -> Incident:
    severity = incident_actions.severity_create(organization=org, actor=Actor.system(), name="SEV1", rank=1)
    return incident_actions.incident_declare(
        organization=org, actor=Actor(user=owner.user), title="Ledger down", severity=severity
    )


@pytest.fixture
def ana(org):
    return member(org, "ana@acme.test", "Ana Lima").user


@pytest.fixture
def ben(org):
    return member(org, "ben@acme.test", "Ben Ode").user


def paged_events(incident: Incident) -> list[dict]:
    return list(
        TimelineEvent.objects.filter(incident=incident, kind=TimelineKind.PAGED).values_list("payload", flat=True)
    )


def deliveries(incident: Incident) -> list[tuple[str, str, str]]:
    return sorted(Notification.objects.filter(incident=incident).values_list("user__email", "channel", "reason"))


# --- the action --------------------------------------------------------------------------------------


def test_paging_people_creates_their_deliveries_and_one_timeline_event(
    incident, owner, ana, ben, enqueued, django_capture_on_commit_callbacks
):
    # When the owner pages Ana and Ben with a message
    with django_capture_on_commit_callbacks(execute=True):
        notifications = manual_paging.incident_page(
            incident=incident, actor=Actor(user=owner.user), message=" Join the bridge ", users=[ana, ben]
        )

    # Then each is notified (by their account email, having no contact method), tied to the incident,
    # the delivery tasks are enqueued after commit, and the timeline records one page
    assert sorted(n.user.email for n in notifications) == ["ana@acme.test", "ben@acme.test"]
    assert deliveries(incident) == [
        ("ana@acme.test", "email", NotificationReason.MANUAL_PAGE),
        ("ben@acme.test", "email", NotificationReason.MANUAL_PAGE),
    ]
    assert {n.subject for n in notifications} == {f"Paged: {incident.reference} Ledger down"}
    assert {n.message for n in notifications} == {"Join the bridge"}
    assert enqueued.names.count("notifications.tasks.notification_deliver") == 2
    assert paged_events(incident) == [{"targets": ["Ana Lima", "Ben Ode"], "via": "", "message": "Join the bridge"}]


def test_paging_a_team_and_a_schedule_reaches_members_and_the_on_call_once_each(incident, owner, ana, ben, org):
    platform = team(org, "Platform", [ana, ben])
    primary = schedule(org, "Payments primary", [ben])

    notifications = manual_paging.incident_page(
        incident=incident, actor=Actor(user=owner.user), message="", team=platform, schedule=primary
    )

    assert sorted(n.user.email for n in notifications) == ["ana@acme.test", "ben@acme.test"]
    assert paged_events(incident) == [
        {"targets": ["Ana Lima", "Ben Ode"], "via": "team Platform and schedule Payments primary", "message": ""}
    ]
    assert {n.message for n in notifications} == {f"owner@acme.test needs you on {incident.reference}: Ledger down"}


def test_each_page_is_new_even_for_the_same_person(incident, owner, ana):
    actor = Actor(user=owner.user)

    manual_paging.incident_page(incident=incident, actor=actor, message="one", users=[ana])
    manual_paging.incident_page(incident=incident, actor=actor, message="two", users=[ana])

    assert Notification.objects.filter(incident=incident, user=ana).count() == 2
    assert len(paged_events(incident)) == 2


def test_a_page_that_reaches_nobody_is_refused_and_records_nothing(incident, owner, org, enqueued):
    ghosts = team(org, "Ghosts", [])
    empty = schedule(org, "Empty", [])

    with pytest.raises(ValidationError) as raised:
        manual_paging.incident_page(
            incident=incident, actor=Actor(user=owner.user), message="hello?", team=ghosts, schedule=empty
        )

    assert raised.value.messages == [
        "Nobody to page: team Ghosts has no members; nobody is on call on Empty right now."
    ]
    assert Notification.objects.exists() is False
    assert paged_events(incident) == []
    assert enqueued.calls == []


def test_paging_needs_a_target(incident, owner):
    with pytest.raises(ValidationError) as raised:
        manual_paging.incident_page(incident=incident, actor=Actor(user=owner.user), message="anyone?")

    assert raised.value.messages == ["Choose people, a team or a schedule to page."]


def test_targets_of_another_org_are_refused(incident, owner, other_org, other_member):
    their_team = TeamFactory(organization=other_org, name="Globex Ops", slug="globex-ops")
    their_schedule = schedule(other_org, "Globex primary", [other_member.user])

    with pytest.raises(ValidationError) as raised:
        manual_paging.incident_page(
            incident=incident,
            actor=Actor(user=owner.user),
            message="",
            users=[other_member.user],
            team=their_team,
            schedule=their_schedule,
        )

    assert raised.value.message_dict == {
        "users": ["Choose members of this organization."],
        "team": ["Choose a team of this organization."],
        "schedule": ["Choose a schedule of this organization."],
    }
    assert Notification.objects.exists() is False


# --- the incident page ------------------------------------------------------------------------------


def page_url(incident: Incident) -> str:
    return f"/o/acme/on-call/incidents/{incident.number}/page/"


def test_the_incident_page_offers_responders_the_page_form(incident, org, client_for, member_client):
    viewer = client_for(member(org, "vic@acme.test", "Vic Viewer", MembershipRole.VIEWER))

    responder_view = member_client.get(f"/o/acme/incidents/{incident.number}/")
    viewer_view = viewer.get(f"/o/acme/incidents/{incident.number}/")

    assert f'action="{page_url(incident)}"' in responder_view.text
    assert "Page now" in responder_view.text
    assert "Page now" not in viewer_view.text
    assert "Nobody has been paged from this incident." in viewer_view.text


def test_the_panel_says_who_is_on_call_for_the_affected_services(org, owner, ana, member_client):
    policy = policy_actions.policy_create(
        organization=org,
        actor=Actor.system(),
        name="Ledger escalation",
        steps=[{"wait_minutes": 5, "targets": [{"kind": "user", "user": ana}]}],
    )
    ledger = service_actions.service_create(
        organization=org, actor=Actor.system(), name="Ledger", escalation_policy=policy
    )
    orphan = service_actions.service_create(organization=org, actor=Actor.system(), name="Orphan")
    severity = incident_actions.severity_create(organization=org, actor=Actor.system(), name="SEV2", rank=2)
    incident = incident_actions.incident_declare(
        organization=org,
        actor=Actor(user=owner.user),
        title="Ledger slow",
        severity=severity,
        services=[ledger, orphan],
    )

    response = member_client.get(f"/o/acme/incidents/{incident.number}/")

    text = " ".join(response.text.split())
    assert '<a href="/o/acme/services/ledger/">Ledger</a>: <strong>Ana Lima</strong>' in text
    assert (
        '<a href="/o/acme/services/orphan/">Orphan</a>: <span class="badge badge-warning">no escalation policy</span>'
        in text
    )


def test_posting_the_form_pages_and_returns_to_the_incident(incident, ana, member_client):
    response = member_client.post(page_url(incident), {"users": [str(ana.uuid)], "message": "DB failover"})

    assert response.status_code == 302
    assert response["Location"] == f"/o/acme/incidents/{incident.number}/#oncall-panel"
    assert [m.message for m in get_messages(response.wsgi_request)] == [f"Paged Ana Lima about {incident.reference}."]
    assert deliveries(incident) == [("ana@acme.test", "email", "manual_page")]
    page = member_client.get(f"/o/acme/incidents/{incident.number}/")
    assert f"delivery-{Notification.objects.get().uuid}" in page.text


def test_a_refused_page_shows_why_with_400(incident, org, member_client):
    team(org, "Ghosts", [])

    empty = member_client.post(page_url(incident), {"message": "anyone?"})
    nobody = member_client.post(page_url(incident), {"team": "ghosts"})

    assert empty.status_code == nobody.status_code == 400
    assert "Choose people, a team or a schedule to page." in empty.text
    assert "Nobody to page: team Ghosts has no members." in nobody.text
    assert Notification.objects.exists() is False


def test_viewers_cannot_page(incident, org, ana, client_for):
    viewer = client_for(member(org, "vic@acme.test", "Vic Viewer", MembershipRole.VIEWER))

    response = viewer.post(page_url(incident), {"users": [str(ana.uuid)]})

    assert response.status_code == 403
    assert Notification.objects.exists() is False


def test_another_orgs_member_gets_404(incident, ana, other_member, client_for):
    outsider = client_for(other_member)

    assert outsider.post(page_url(incident), {"users": [str(ana.uuid)]}).status_code == 404
    assert outsider.post(f"/o/globex/on-call/incidents/{incident.number}/page/", {"message": "x"}).status_code == 404
    assert Notification.objects.exists() is False


# --- the API -------------------------------------------------------------------------------------------


def test_api_page_returns_the_notifications(incident, org, ana, api_client_for):
    client = api_client_for(org, "responder")
    schedule(org, "Payments primary", [ana])

    response = client.post(
        "/api/v1/pages/",
        {"incident": incident.number, "schedule": "payments-primary", "message": "Bridge is open"},
        format="json",
    )

    assert response.status_code == 201
    notification = Notification.objects.get()
    assert response.json() == {
        "incident": incident.number,
        "notifications": [
            {
                "id": str(notification.uuid),
                "user": {"id": str(ana.uuid), "name": "Ana Lima", "email": "ana@acme.test"},
                "reason": "manual_page",
                "channel": "email",
                "status": "pending",
                "due_at": response.json()["notifications"][0]["due_at"],
                "attempts": 0,
                "last_error": "",
                "sent_at": None,
            }
        ],
    }
    assert paged_events(incident) == [
        {"targets": ["Ana Lima"], "via": "schedule Payments primary", "message": "Bridge is open"}
    ]


def test_api_page_refusals_are_400_and_page_nobody(incident, org, other_member, api_client_for):
    client = api_client_for(org, "responder")

    missing = client.post("/api/v1/pages/", {"incident": 999, "users": ["owner@acme.test"]}, format="json")
    outsider = client.post(
        "/api/v1/pages/", {"incident": incident.number, "users": ["owner@globex.test"]}, format="json"
    )
    nobody = client.post("/api/v1/pages/", {"incident": incident.number}, format="json")

    assert missing.json()["error"]["fields"] == {"incident": ["No incident INC-999 in this organization."]}
    assert outsider.json()["error"]["fields"] == {"users": {"0": ["No member of this organization matches."]}}
    assert nobody.json()["error"] == {
        "status": 400,
        "code": "invalid",
        "message": "Choose people, a team or a schedule to page.",
        "fields": {"non_field_errors": ["Choose people, a team or a schedule to page."]},
    }
    assert Notification.objects.exists() is False


def test_api_viewer_token_cannot_page(incident, org, ana, api_client_for):
    response = api_client_for(org, "viewer").post(
        "/api/v1/pages/", {"incident": incident.number, "users": [str(ana.uuid)]}, format="json"
    )

    assert response.status_code == 403
    assert Notification.objects.exists() is False

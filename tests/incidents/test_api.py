"""The incidents API: declare, read and filter, work an incident (status, details, milestones, roles, tasks,
timeline, status updates), configure severities and roles, and the role matrix and org checks on every write."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
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
)
from orgs.models import AuditEvent, MembershipRole
from orgs.tenancy import Actor
from services import actions as service_actions
from tests.factories import IncidentFactory, SeverityFactory, TeamFactory

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system()
INCIDENTS = "/api/v1/incidents/"


def iso(moment: datetime | None) -> str | None:
    """A datetime as DRF renders it."""
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def snapshot(org):
    """What a refused request must leave untouched: every incident row and the counts of everything around it."""
    return {
        "incidents": list(Incident.objects.for_org(org).order_by("pk").values()),
        "severities": list(Severity.objects.for_org(org).order_by("pk").values()),
        "roles": list(IncidentRole.objects.for_org(org).order_by("pk").values()),
        "assignments": list(RoleAssignment.objects.for_org(org).order_by("pk").values()),
        "tasks": list(IncidentTask.objects.for_org(org).order_by("pk").values()),
        "timeline": list(TimelineEvent.objects.for_org(org).order_by("pk").values()),
        "status_updates": StatusUpdate.objects.for_org(org).count(),
        "audit": AuditEvent.objects.for_org(org).count(),
    }


def user_json(user):
    return {"id": str(user.uuid), "email": user.email, "full_name": user.full_name}


@pytest.fixture
def configured(org):
    """Org A with the default severities (SEV1..SEV5) and roles."""
    actions.organization_defaults_ensure(organization=org)
    return org


@pytest.fixture
def responder(org, make_member):
    return make_member(org, MembershipRole.RESPONDER, email="rhea@acme.test")


@pytest.fixture
def outsider(other_org, make_member):
    """Org B, configured, with a member, a service, a severity and a role whose names exist only there."""
    actions.organization_defaults_ensure(organization=other_org)
    Severity.objects.create(organization=other_org, name="GLOBEX1", rank=9)
    IncidentRole.objects.create(organization=other_org, name="Globex Liaison", slug="globex-liaison")
    service_actions.service_create(organization=other_org, actor=SYSTEM, name="Globex DB")
    return make_member(other_org, MembershipRole.OWNER, email="boss@globex.test")


# --- declare ---------------------------------------------------------------------------------------


def test_declare_returns_the_incident_and_numbers_per_org(org, owner, configured, api_client_for):
    service_actions.service_create(organization=org, actor=SYSTEM, name="Checkout")
    client = api_client_for(org, "responder")
    started = (timezone.now() - timedelta(minutes=30)).replace(microsecond=0)

    first = client.post(
        INCIDENTS,
        {
            "title": "Checkout is down",
            "severity": "SEV2",
            "services": ["checkout"],
            "summary": "5xx on /pay",
            "customer_impact": "Card payments fail",
            "started_at": iso(started),
            "status": "triage",
            "commander": "owner@acme.test",
        },
        format="json",
    )
    second = client.post(INCIDENTS, {"title": "Search is slow", "severity": "SEV4"}, format="json")

    assert (first.status_code, second.status_code) == (201, 201), first.json()
    incident = Incident.objects.for_org(org).get(number=1)
    assignment = RoleAssignment.objects.get(incident=incident)
    assert first.json() == {
        "id": str(incident.uuid),
        "number": 1,
        "reference": "INC-1",
        "title": "Checkout is down",
        "severity": "SEV2",
        "incident_type": None,
        "status": "triage",
        "allowed_transitions": [
            "investigating",
            "identified",
            "monitoring",
            "resolved",
            "closed",
            "declined",
            "merged",
            "canceled",
        ],
        "is_open": True,
        "is_drill": False,
        "summary": "5xx on /pay",
        "customer_impact": "Card payments fail",
        "services": ["checkout"],
        "roles": [
            {
                "role": "incident-commander",
                "name": "Incident Commander",
                "user": user_json(owner.user),
                "assigned_at": iso(assignment.assigned_at),
            }
        ],
        "declared_by": None,
        "merged_into": None,
        "started_at": iso(started),
        "detected_at": iso(incident.detected_at),
        "declared_at": iso(incident.declared_at),
        "acknowledged_at": None,
        "identified_at": None,
        "mitigated_at": None,
        "resolved_at": None,
        "closed_at": None,
        "time_to_detect": int((incident.detected_at - started).total_seconds()),
        "time_to_acknowledge": None,
        "time_to_mitigate": None,
        "time_to_resolve": None,
        "created_at": iso(incident.created_at),
        "updated_at": iso(incident.updated_at),
    }
    assert (second.json()["number"], second.json()["reference"], second.json()["status"]) == (
        2,
        "INC-2",
        "investigating",
    )
    assert list(TimelineEvent.objects.filter(incident=incident).order_by("id").values_list("kind", "actor_label")) == [
        ("declared", "API token “responder token”"),
        ("role_assigned", "API token “responder token”"),
    ]
    assert (
        list(IncidentTask.objects.filter(incident=incident).values_list("assignee__email", flat=True))
        == ["owner@acme.test"] * 4
    )


def test_declare_by_a_token_without_commander_leaves_the_incident_without_one(org, configured, api_client):
    # Given an API token, which is nobody: it can't become the commander, and no one acknowledged yet
    response = api_client.post(INCIDENTS, {"title": "Queue backlog", "severity": "SEV3"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["roles"], body["declared_by"], body["acknowledged_at"]) == ([], None, None)
    incident = Incident.objects.for_org(org).get(number=1)
    assert RoleAssignment.objects.filter(incident=incident).exists() is False
    assert IncidentTask.objects.filter(incident=incident).exists() is False
    assert api_client.get("/api/v1/incidents/1/roles/").json()[0]["holder"] is None


def test_declare_numbers_are_per_org_and_other_orgs_incidents_are_404(org, other_org, configured, api_client):
    actions.organization_defaults_ensure(organization=other_org)
    IncidentFactory(organization=other_org, title="Globex only")
    IncidentFactory(organization=other_org, title="Globex again")

    created = api_client.post(INCIDENTS, {"title": "Ours", "severity": "SEV1"}, format="json")

    assert created.json()["reference"] == "INC-1"
    assert api_client.get("/api/v1/incidents/1/").json()["title"] == "Ours"
    assert api_client.get("/api/v1/incidents/2/").status_code == 404
    assert api_client.get("/api/v1/incidents/99999999999/").status_code == 404
    assert api_client.get("/api/v1/incidents/abc/").status_code == 404
    assert [i["title"] for i in api_client.get(INCIDENTS).json()["results"]] == ["Ours"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"severity": "SEV2"}, "title"),
        ({"title": "   ", "severity": "SEV2"}, "title"),
        ({"title": "X"}, "severity"),
        ({"title": "X", "severity": "SEV9"}, "severity"),
        ({"title": "X", "severity": "SEV2", "status": "resolved"}, "status"),
        ({"title": "X", "severity": "SEV2", "started_at": "2999-01-01T00:00:00Z"}, "started_at"),
        ({"title": "X", "severity": "SEV2", "commander": "nobody@acme.test"}, "commander"),
        ({"title": "X", "severity": "SEV2", "commander": "not-a-uuid"}, "commander"),
    ],
)
def test_declare_with_invalid_input_is_400_and_saves_nothing(org, configured, api_client, payload, field):
    before = snapshot(org)

    response = api_client.post(INCIDENTS, payload, format="json")

    assert response.status_code == 400
    assert (response.json()["error"]["code"], list(response.json()["error"]["fields"])) == ("invalid", [field])
    assert snapshot(org) == before


# --- org checks on every related field ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "payload", "field"),
    [
        ("post", "", {"title": "X", "severity": "GLOBEX1"}, "severity"),
        ("post", "", {"title": "X", "severity": "SEV2", "services": ["globex-db"]}, "services"),
        ("post", "", {"title": "X", "severity": "SEV2", "commander": "boss@globex.test"}, "commander"),
        ("post", "", {"title": "X", "severity": "SEV2", "commander": "{outsider_id}"}, "commander"),
        ("patch", "1/", {"severity": "GLOBEX1"}, "severity"),
        ("patch", "1/", {"title": "Renamed", "services": ["globex-db"]}, "services"),
        ("post", "1/roles/", {"role": "globex-liaison", "user": "owner@acme.test"}, "role"),
        ("post", "1/roles/", {"role": "scribe", "user": "boss@globex.test"}, "user"),
        ("post", "1/roles/", {"role": "scribe", "user": "{outsider_id}"}, "user"),
        ("post", "1/tasks/", {"title": "X", "assignee": "boss@globex.test"}, "assignee"),
        ("patch", "1/tasks/{task_id}/", {"completed": True, "assignee": "{outsider_id}"}, "assignee"),
    ],
)
def test_references_to_another_orgs_objects_are_400_and_save_nothing(
    org, owner, configured, outsider, api_client_for, method, path, payload, field
):
    # Given an incident of org A with a task, and org B's severity, service, role and member
    incident = IncidentFactory(organization=org, title="Checkout is down")
    task = actions.task_add(incident=incident, title="Look at graphs", actor=SYSTEM)
    client = api_client_for(org, "responder")
    before = snapshot(org)
    filled = {k: v.format(outsider_id=outsider.user.uuid) if isinstance(v, str) else v for k, v in payload.items()}

    # When a write names one of them
    response = getattr(client, method)(INCIDENTS + path.format(task_id=task.uuid), filled, format="json")

    # Then it is a 400 naming the field, and nothing changed
    assert response.status_code == 400, response.json()
    assert list(response.json()["error"]["fields"]) == [field]
    assert snapshot(org) == before


# --- role matrix ---------------------------------------------------------------------------------------


def work_requests(incident, task, event):
    """Every kind of incident work, in an order in which each succeeds for a responder."""
    base = f"{INCIDENTS}{incident.number}/"
    return [
        ("post", INCIDENTS, {"title": "Another", "severity": "SEV3"}, 201),
        ("patch", base, {"title": "Checkout is down (EU)"}, 200),
        ("post", f"{base}transition/", {"status": "identified"}, 200),
        ("post", f"{base}roles/", {"role": "scribe", "user": "rhea@acme.test"}, 200),
        ("delete", f"{base}roles/scribe/", None, 204),
        ("post", f"{base}tasks/", {"title": "Roll back"}, 201),
        ("patch", f"{base}tasks/{task.uuid}/", {"completed": True}, 200),
        ("post", f"{base}timeline/", {"body": "Rolled back 1.4.2"}, 201),
        ("post", f"{base}timeline/{event.pk}/pin/", {"pinned": True}, 200),
        ("post", f"{base}status-updates/", {"message": "Rolled back; watching."}, 201),
    ]


CONFIG_WRITES = [
    ("post", "/api/v1/severities/", {"name": "SEV6", "rank": 6}, 201),
    ("patch", "/api/v1/severities/SEV6/", {"description": "Paper cut."}, 200),
    ("delete", "/api/v1/severities/SEV6/", None, 204),
    ("post", "/api/v1/incident-roles/", {"name": "Liaison"}, 201),
    ("patch", "/api/v1/incident-roles/liaison/", {"position": 9}, 200),
    ("delete", "/api/v1/incident-roles/liaison/", None, 204),
]


def call(client, method, url, payload):
    return getattr(client, method)(url, payload, format="json") if payload is not None else getattr(client, method)(url)


def test_viewer_tokens_read_everything_and_write_nothing(org, configured, responder, api_client_for):
    incident = IncidentFactory(organization=org, title="Checkout is down")
    task = actions.task_add(incident=incident, title="Look at graphs", actor=SYSTEM)
    event = actions.note_add(incident=incident, body="Graphs are red", actor=SYSTEM)
    viewer = api_client_for(org, "viewer")
    before = snapshot(org)

    reads = [
        viewer.get(url).status_code
        for url in (
            INCIDENTS,
            f"{INCIDENTS}1/",
            f"{INCIDENTS}1/roles/",
            f"{INCIDENTS}1/tasks/",
            f"{INCIDENTS}1/timeline/",
            f"{INCIDENTS}1/status-updates/",
            "/api/v1/severities/",
            "/api/v1/severities/SEV1/",
            "/api/v1/incident-roles/",
            "/api/v1/incident-roles/scribe/",
        )
    ]
    writes = [
        (method, url, call(viewer, method, url, payload))
        for method, url, payload, _ in [*work_requests(incident, task, event), *CONFIG_WRITES]
    ]

    assert reads == [200] * 10
    assert [(m, url, r.status_code) for m, url, r in writes if r.status_code != 403] == []
    assert writes[0][2].json()["error"]["message"] == (
        "This needs a token with the responder role or higher; this token is viewer."
    )
    assert snapshot(org) == before


def test_responder_tokens_work_incidents_but_not_configuration(org, configured, responder, api_client_for):
    incident = IncidentFactory(organization=org, title="Checkout is down")
    task = actions.task_add(incident=incident, title="Look at graphs", actor=SYSTEM)
    event = actions.note_add(incident=incident, body="Graphs are red", actor=SYSTEM)
    client = api_client_for(org, "responder")

    work = [
        (m, url, call(client, m, url, p).status_code, code) for m, url, p, code in work_requests(incident, task, event)
    ]
    config_before = (snapshot(org)["severities"], snapshot(org)["roles"])
    config = [(m, url, call(client, m, url, p).status_code) for m, url, p, _ in CONFIG_WRITES]

    assert [(m, url, got) for m, url, got, expected in work if got != expected] == []
    assert [(m, url, got) for m, url, got in config if got != 403] == []
    assert (snapshot(org)["severities"], snapshot(org)["roles"]) == config_before
    incident.refresh_from_db()
    assert (incident.title, incident.status) == ("Checkout is down (EU)", IncidentStatus.IDENTIFIED)


def test_admin_tokens_configure_severities_and_roles(org, configured, api_client):
    answers = [(m, url, call(api_client, m, url, p).status_code, code) for m, url, p, code in CONFIG_WRITES]

    assert [(m, url, got) for m, url, got, expected in answers if got != expected] == []
    audit = AuditEvent.objects.for_org(org).filter(target_type__in=["severity", "incident_role"]).order_by("id")
    assert list(audit.values_list("action", "target_id")) == [
        ("severity.created", "SEV6"),
        ("severity.updated", "SEV6"),
        ("severity.deleted", "SEV6"),
        ("incident_role.created", "liaison"),
        ("incident_role.updated", "liaison"),
        ("incident_role.deleted", "liaison"),
    ]


# --- lifecycle ----------------------------------------------------------------------------------------


def test_transitions_stamp_milestones_and_illegal_moves_name_the_allowed_ones(org, configured, api_client_for):
    # Investigating, and nobody has acknowledged it (as when the system declares one).
    IncidentFactory(organization=org, title="Checkout is down")
    client = api_client_for(org, "responder")
    url = f"{INCIDENTS}1/transition/"

    monitoring = client.post(url, {"status": "monitoring"}, format="json")
    backwards = client.post(url, {"status": "triage"}, format="json")
    unknown = client.post(url, {"status": "exploded"}, format="json")

    assert monitoring.status_code == 200
    body = monitoring.json()
    assert (body["status"], body["allowed_transitions"]) == ("monitoring", ["resolved", "closed"])
    assert body["identified_at"] == body["mitigated_at"] == body["acknowledged_at"] is not None
    assert body["time_to_mitigate"] == body["time_to_acknowledge"] >= 0
    message = "Cannot move from monitoring to triage. Allowed next: resolved, closed."
    assert backwards.status_code == 400
    assert backwards.json() == {
        "error": {"status": 400, "code": "invalid", "message": message, "fields": {"status": [message]}}
    }
    assert unknown.json()["error"]["fields"] == {"status": ['"exploded" is not a valid choice.']}

    resolved = client.post(url, {"status": "resolved"}, format="json").json()
    reopened = client.post(url, {"status": "investigating"}, format="json").json()
    closed = client.post(url, {"status": "closed"}, format="json").json()
    after_close = client.post(url, {"status": "investigating"}, format="json")

    assert resolved["resolved_at"] is not None
    assert (reopened["status"], reopened["resolved_at"], reopened["time_to_resolve"]) == ("investigating", None, None)
    assert (closed["status"], closed["is_open"], closed["allowed_transitions"]) == ("closed", False, [])
    assert after_close.json()["error"]["message"] == (
        "Cannot move from closed to investigating. Allowed next: none (this incident is finished)."
    )
    events = TimelineEvent.objects.for_org(org).filter(kind="status_changed").order_by("id")
    assert [(e.payload["from"], e.payload["to"]) for e in events] == [
        ("investigating", "monitoring"),
        ("monitoring", "resolved"),
        ("resolved", "investigating"),
        ("investigating", "closed"),
    ]


def test_patch_edits_details_and_refuses_to_change_the_drill_flag_or_number(org, configured, api_client_for):
    service_actions.service_create(organization=org, actor=SYSTEM, name="Checkout")
    client = api_client_for(org, "responder")
    drill = client.post(INCIDENTS, {"title": "Failover drill", "severity": "SEV3", "is_drill": True}, format="json")
    before = snapshot(org)

    refused = [
        client.patch(f"{INCIDENTS}1/", payload, format="json")
        for payload in ({"is_drill": False}, {"number": 7, "title": "Sneaky"}, {"status": "resolved"})
    ]

    assert drill.json()["is_drill"] is True
    assert [r.json()["error"]["fields"] for r in refused] == [
        {"is_drill": ["The drill flag cannot change after declaration."]},
        {"number": ["The incident number cannot change."]},
        {"status": ["The status cannot change here; POST to …/transition/."]},
    ]
    assert snapshot(org) == before

    edited = client.patch(
        f"{INCIDENTS}1/",
        {"title": "Failover drill (EU)", "severity": "SEV2", "services": ["checkout"], "customer_impact": "None"},
        format="json",
    )

    assert edited.status_code == 200
    body = edited.json()
    assert (body["title"], body["severity"], body["services"], body["customer_impact"], body["is_drill"]) == (
        "Failover drill (EU)",
        "SEV2",
        ["checkout"],
        "None",
        True,
    )
    kinds = TimelineEvent.objects.for_org(org).order_by("id").values_list("kind", flat=True)
    assert list(kinds) == ["declared", "severity_changed", "fields_changed", "services_changed"]


def test_milestones_need_a_reason_and_started_at_stays_first(org, configured, api_client_for):
    now = timezone.now().replace(microsecond=0)
    incident = IncidentFactory(organization=org, title="Checkout is down", started_at=now - timedelta(hours=3))
    client = api_client_for(org, "responder")
    url = f"{INCIDENTS}1/"

    no_reason = client.patch(url, {"detected_at": iso(now - timedelta(hours=2))}, format="json")
    corrected = client.patch(
        url, {"detected_at": iso(now - timedelta(hours=2)), "reason": "The alert fired before we looked"}, format="json"
    )
    before = snapshot(org)
    too_late = client.patch(url, {"started_at": iso(now - timedelta(hours=1)), "reason": "Guess"}, format="json")
    mixed = client.patch(
        url, {"title": "Renamed", "started_at": iso(now - timedelta(hours=1)), "reason": "Guess"}, format="json"
    )
    future = client.patch(url, {"resolved_at": "2099-01-01T00:00:00Z", "reason": "Optimism"}, format="json")

    assert no_reason.json()["error"]["fields"] == {"reason": ["Say why the times change (it goes in the timeline)."]}
    assert corrected.status_code == 200
    assert (corrected.json()["detected_at"], corrected.json()["time_to_detect"]) == (
        iso(now - timedelta(hours=2)),
        3600,
    )
    assert too_late.status_code == mixed.status_code == 400
    assert too_late.json()["error"]["fields"] == {"started_at": ["Impact cannot start after detected."]}
    assert mixed.json()["error"]["fields"] == {"started_at": ["Impact cannot start after detected."]}
    assert future.json()["error"]["fields"] == {"resolved_at": ["Milestones cannot be in the future."]}
    assert snapshot(org) == before
    event = TimelineEvent.objects.get(incident=incident, kind="milestone_changed")
    assert event.payload == {
        "changes": {
            "detected_at": {"before": incident.detected_at.isoformat(), "after": (now - timedelta(hours=2)).isoformat()}
        },
        "reason": "The alert fired before we looked",
    }


# --- roles and tasks ------------------------------------------------------------------------------------


def test_roles_are_assigned_handed_over_and_released_with_history(org, owner, responder, configured, api_client_for):
    actions.incident_declare(
        organization=org,
        actor=SYSTEM,
        title="Checkout is down",
        severity=SeverityFactory(organization=org, name="SEV2"),
    )
    client = api_client_for(org, "responder")
    url = f"{INCIDENTS}1/roles/"

    client.post(url, {"role": "incident-commander", "user": str(owner.user.uuid)}, format="json")
    handed = client.post(url, {"role": "incident-commander", "user": "RHEA@acme.test"}, format="json")

    assert handed.status_code == 200
    board = handed.json()
    assert [(r["role"], r["holder"]["user"]["email"] if r["holder"] else None) for r in board] == [
        ("incident-commander", "rhea@acme.test"),
        ("communications-lead", None),
        ("scribe", None),
        ("operations-lead", None),
    ]
    assert [(h["user"]["email"], h["released_at"] is None) for h in board[0]["history"]] == [
        ("owner@acme.test", False),
        ("rhea@acme.test", True),
    ]
    # Whole people, id included, as everywhere else (the board once serialized them twice and dropped the id).
    assert board[0]["holder"]["user"] == user_json(responder.user)
    assert [h["user"] for h in board[0]["history"]] == [user_json(owner.user), user_json(responder.user)]
    tasks = client.get(f"{INCIDENTS}1/tasks/").json()["results"]
    assert [(t["title"], t["assignee"]["email"], t["role"]) for t in tasks] == [
        ("Confirm severity and affected services", "rhea@acme.test", "incident-commander"),
        ("Assign Communications Lead and Scribe", "rhea@acme.test", "incident-commander"),
        ("Agree the next update time", "rhea@acme.test", "incident-commander"),
        ("Decide when to resolve", "rhea@acme.test", "incident-commander"),
    ]
    assert client.get(f"{INCIDENTS}1/").json()["roles"][0]["user"] == user_json(responder.user)

    released = client.delete(f"{url}incident-commander/")
    unknown = client.delete(f"{url}no-such-role/")

    assert (released.status_code, unknown.status_code) == (204, 404)
    board = client.get(url).json()
    assert (board[0]["holder"], len(board[0]["history"])) == (None, 2)
    assert client.get(f"{INCIDENTS}1/").json()["roles"] == []
    kinds = TimelineEvent.objects.for_org(org).order_by("id").values_list("kind", flat=True)
    assert list(kinds) == ["declared", "role_assigned", "role_assigned", "role_released"]


def test_tasks_are_added_completed_reopened_and_reassigned(org, owner, responder, configured, api_client_for):
    actions.incident_declare(
        organization=org,
        actor=SYSTEM,
        title="Checkout is down",
        severity=SeverityFactory(organization=org, name="SEV2"),
    )
    client = api_client_for(org, "responder")

    created = client.post(
        f"{INCIDENTS}1/tasks/", {"title": "Page the DBA", "assignee": "owner@acme.test"}, format="json"
    )
    task_url = f"{INCIDENTS}1/tasks/{created.json()['id']}/"
    done = client.patch(task_url, {"completed": True}, format="json")
    reopened = client.patch(task_url, {"completed": False, "assignee": str(responder.user.uuid)}, format="json")
    unassigned = client.patch(task_url, {"assignee": None}, format="json")
    empty = client.patch(task_url, {}, format="json")
    missing = client.patch(
        f"{INCIDENTS}1/tasks/00000000-0000-0000-0000-000000000001/", {"completed": True}, format="json"
    )

    assert created.status_code == 201
    body = created.json()
    task = IncidentTask.objects.get(uuid=body["id"])
    assert body == {
        "id": str(task.uuid),
        "title": "Page the DBA",
        "assignee": user_json(owner.user),
        "role": None,
        "completed": False,
        "completed_at": None,
        "completed_by": None,
        "created_at": iso(task.created_at),
    }
    assert (done.json()["completed"], done.json()["completed_at"] is not None) == (True, True)
    assert (reopened.json()["completed"], reopened.json()["assignee"]) == (False, user_json(responder.user))
    assert unassigned.json()["assignee"] is None
    assert empty.json()["error"]["message"] == "Send completed and/or assignee."
    assert missing.status_code == 404
    kinds = TimelineEvent.objects.for_org(org).order_by("id").values_list("kind", flat=True)
    assert list(kinds) == [
        "declared",
        "task_added",
        "task_completed",
        "task_assigned",
        "task_reopened",
        "task_assigned",
    ]


# --- timeline ----------------------------------------------------------------------------------------------


def test_timeline_cursor_pages_return_every_event_exactly_once(org, configured, api_client_for):
    # Given an incident with 12 events, newest first
    incident = actions.incident_declare(
        organization=org,
        actor=SYSTEM,
        title="Checkout is down",
        severity=SeverityFactory(organization=org, name="SEV2"),
    )
    for n in range(11):
        actions.note_add(incident=incident, body=f"Note {n}", actor=SYSTEM)
    expected = list(TimelineEvent.objects.filter(incident=incident).order_by("-id").values_list("id", flat=True))
    client = api_client_for(org, "viewer")

    # When a client pages through 5 at a time while a new note arrives after the first page
    url, seen, pages = f"{INCIDENTS}1/timeline/?page_size=5", [], 0
    while url:
        body = client.get(url).json()
        seen += [event["id"] for event in body["results"]]
        url, pages = body["next"], pages + 1
        if pages == 1:
            actions.note_add(incident=incident, body="Arrived while paging", actor=SYSTEM)

    # Then it saw each of the 12 events once, in order, and the late note did not shift the pages
    assert (seen, pages) == (expected, 3)
    assert client.get(f"{INCIDENTS}1/timeline/").json()["results"][0]["body"] == "Arrived while paging"


def test_timeline_filters_by_kind(org, configured, api_client_for):
    incident = IncidentFactory(organization=org, title="Checkout is down")
    actions.note_add(incident=incident, body="First", actor=SYSTEM)
    actions.incident_transition(incident=incident, status="identified", actor=SYSTEM)
    actions.note_add(incident=incident, body="Second", actor=SYSTEM)
    client = api_client_for(org, "viewer")

    notes = client.get(f"{INCIDENTS}1/timeline/?kind=note").json()["results"]
    bad = client.get(f"{INCIDENTS}1/timeline/?kind=gossip")

    assert [(e["kind"], e["body"]) for e in notes] == [("note", "Second"), ("note", "First")]
    assert (bad.status_code, list(bad.json()["error"]["fields"])) == (400, ["kind"])


def test_notes_are_markdown_rendered_without_scripts_or_handlers(org, configured, api_client_for):
    IncidentFactory(organization=org, title="Checkout is down")
    client = api_client_for(org, "responder")
    body = "**Rolled back** the deploy.\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>"

    response = client.post(f"{INCIDENTS}1/timeline/", {"body": body}, format="json")

    assert response.status_code == 201
    note = response.json()
    assert (note["kind"], note["body"], note["actor"], note["actor_user"]) == (
        "note",
        body,
        "API token “responder token”",
        None,
    )
    assert "<script" not in note["body_html"]
    assert "onerror" not in note["body_html"]
    assert note["body_html"].startswith("<p><strong>Rolled back</strong> the deploy.</p>")
    listed = client.get(f"{INCIDENTS}1/timeline/").json()["results"][0]
    assert listed == note
    empty = client.post(f"{INCIDENTS}1/timeline/", {"body": "   "}, format="json")
    assert list(empty.json()["error"]["fields"]) == ["body"]


def test_events_are_pinned_and_unpinned_within_their_incident(org, configured, api_client_for):
    incident = IncidentFactory(organization=org, title="Checkout is down")
    other = IncidentFactory(organization=org, title="Other")
    note = actions.note_add(incident=incident, body="Root cause: expired cert", actor=SYSTEM)
    foreign = actions.note_add(incident=other, body="Elsewhere", actor=SYSTEM)
    client = api_client_for(org, "responder")

    pinned = client.post(f"{INCIDENTS}1/timeline/{note.pk}/pin/", {"pinned": True}, format="json")
    wrong_incident = client.post(f"{INCIDENTS}1/timeline/{foreign.pk}/pin/", {"pinned": True}, format="json")
    unpinned = client.post(f"{INCIDENTS}1/timeline/{note.pk}/pin/", {"pinned": False}, format="json")

    assert (pinned.status_code, pinned.json()["is_pinned"]) == (200, True)
    assert wrong_incident.status_code == 404
    assert (unpinned.status_code, unpinned.json()["is_pinned"]) == (200, False)
    foreign.refresh_from_db()
    assert foreign.is_pinned is False
    assert list(
        AuditEvent.objects.for_org(org)
        .filter(action__contains="pinned")
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "incident.event_pinned",
        "incident.event_unpinned",
    ]


# --- status updates -------------------------------------------------------------------------------------------


def test_status_updates_post_and_list_newest_first(org, configured, api_client_for):
    incident = actions.incident_declare(
        organization=org,
        actor=SYSTEM,
        title="Checkout is down",
        severity=SeverityFactory(organization=org, name="SEV2"),
    )
    client = api_client_for(org, "responder")
    url = f"{INCIDENTS}1/status-updates/"

    first = client.post(url, {"message": "Looking into failed payments."}, format="json")
    second = client.post(
        url, {"message": "Fix deployed; watching.", "visibility": "external", "status": "monitoring"}, format="json"
    )
    before = snapshot(org)
    illegal = client.post(url, {"message": "Back to square one", "status": "triage"}, format="json")

    assert (first.status_code, second.status_code) == (201, 201)
    update = StatusUpdate.objects.get(uuid=second.json()["id"])
    assert second.json() == {
        "id": str(update.uuid),
        "message": "Fix deployed; watching.",
        "status": "monitoring",
        "visibility": "external",
        "author": None,
        "created_at": iso(update.created_at),
    }
    assert first.json()["status"] == "investigating"
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.MONITORING
    assert (
        illegal.json()["error"]["message"] == "Cannot move from monitoring to triage. Allowed next: resolved, closed."
    )
    assert snapshot(org) == before
    listed = client.get(url).json()
    assert (listed["count"], [u["message"] for u in listed["results"]]) == (
        2,
        ["Fix deployed; watching.", "Looking into failed payments."],
    )
    kinds = TimelineEvent.objects.filter(incident=incident).order_by("id").values_list("kind", flat=True)
    assert list(kinds) == ["declared", "status_update", "status_changed", "status_update"]


def test_drills_never_post_external_updates(org, configured, api_client_for):
    IncidentFactory(organization=org, title="Game day", is_drill=True)
    client = api_client_for(org, "responder")
    before = snapshot(org)

    response = client.post(
        f"{INCIDENTS}1/status-updates/", {"message": "We are down!", "visibility": "external"}, format="json"
    )

    assert response.json()["error"]["fields"] == {"visibility": ["Drills never publish external updates."]}
    assert snapshot(org) == before


# --- list -------------------------------------------------------------------------------------------------------


def test_list_filters_return_exactly_the_matching_incidents(org, other_org, configured, api_client_for):
    # Given four incidents of org A on known dates, services owned/responded by teams, and one of org B
    payments = TeamFactory(organization=org, slug="payments")
    web = TeamFactory(organization=org, slug="web")
    checkout = service_actions.service_create(organization=org, actor=SYSTEM, name="Checkout", owner_team=payments)
    search = service_actions.service_create(organization=org, actor=SYSTEM, name="Search", responding_teams=[web])
    one = IncidentFactory(
        organization=org,
        title="Checkout errors",
        severity=SeverityFactory(organization=org, name="SEV1"),
        services=[checkout],
    )
    two = IncidentFactory(
        organization=org,
        title="Search slow",
        severity=SeverityFactory(organization=org, name="SEV3"),
        services=[search],
    )
    three = IncidentFactory(organization=org, title="Database failover", is_drill=True)
    four = IncidentFactory(
        organization=org,
        title="Login page typo",
        severity=SeverityFactory(organization=org, name="SEV4"),
        status="triage",
    )
    actions.incident_transition(incident=two, status="resolved", actor=SYSTEM)
    actions.incident_transition(incident=four, status="declined", actor=SYSTEM)
    for incident, day in ((one, 1), (two, 5), (three, 10), (four, 12)):
        moment = datetime(2025, 3, day, 12, tzinfo=UTC)
        Incident.objects.filter(pk=incident.pk).update(declared_at=moment, started_at=moment)
    actions.organization_defaults_ensure(organization=other_org)
    IncidentFactory(
        organization=other_org,
        title="Checkout errors at Globex",
        severity=SeverityFactory(organization=other_org, name="SEV1"),
    )
    client = api_client_for(org, "viewer")

    def numbers(query=""):
        response = client.get(f"{INCIDENTS}{query}")
        assert response.status_code == 200, response.json()
        return [i["number"] for i in response.json()["results"]]

    # Then each filter returns exactly its incidents (default order: open first, then newest)
    assert numbers() == [3, 1, 4, 2]
    assert numbers("?status=open") == [3, 1]
    assert numbers("?status=closed") == [4, 2]
    assert numbers("?status=resolved") == [2]
    assert numbers("?severity=SEV1") == [1]
    assert numbers("?service=checkout") == [1]
    assert numbers("?team=payments") == [1]
    assert numbers("?team=web") == [2]
    assert numbers("?is_drill=true") == [3]
    assert numbers("?is_drill=false") == [1, 4, 2]
    assert numbers("?since=2025-03-05") == [3, 4, 2]
    assert numbers("?until=2025-03-05") == [1, 2]
    assert numbers("?since=2025-03-05&until=2025-03-10") == [3, 2]
    assert numbers("?search=typo") == [4]
    assert numbers("?search=inc-2") == [2]
    assert numbers("?sort=oldest") == [1, 2, 3, 4]
    assert numbers("?sort=severity") == [1, 3, 2, 4]
    assert numbers("?status=open&severity=SEV2&is_drill=true") == [3]


def test_patch_changes_the_incident_type_within_the_org(org, other_org, configured, api_client_for):
    security = IncidentType.objects.create(organization=org, name="Security", slug="security", checklist=["Rotate"])
    IncidentType.objects.create(organization=other_org, name="Globex", slug="globex")
    IncidentFactory(organization=org, title="Leaked key")
    client = api_client_for(org, "responder")

    changed = client.patch(f"{INCIDENTS}1/", {"incident_type": "security"}, format="json")
    refused = client.patch(f"{INCIDENTS}1/", {"incident_type": "globex"}, format="json")
    cleared = client.patch(f"{INCIDENTS}1/", {"incident_type": None}, format="json")

    assert (changed.status_code, changed.json()["incident_type"]) == (200, "security")
    assert refused.status_code == 400
    assert list(refused.json()["error"]["fields"]) == ["incident_type"]
    assert (cleared.status_code, cleared.json()["incident_type"]) == (200, None)
    assert list(IncidentTask.objects.filter(incident__number=1).values_list("title", flat=True)) == ["Rotate"]
    assert security.pk not in Incident.objects.for_org(org).values_list("incident_type", flat=True)


def test_list_filters_by_incident_type(org, other_org, configured, api_client_for):
    security = IncidentType.objects.create(organization=org, name="Security", slug="security")
    data_loss = IncidentType.objects.create(organization=org, name="Data loss", slug="data-loss")
    IncidentType.objects.create(organization=other_org, name="Globex breach", slug="breach")
    IncidentFactory(organization=org, title="Leaked key", incident_type=security)
    IncidentFactory(organization=org, title="Checkout is down")
    IncidentFactory(organization=org, title="Rows deleted", incident_type=data_loss)
    IncidentFactory(organization=org, title="Phishing", incident_type=security)
    client = api_client_for(org, "viewer")

    def found(query):
        response = client.get(f"{INCIDENTS}?{query}&sort=oldest")
        assert response.status_code == 200, response.json()
        return [(i["number"], i["incident_type"]) for i in response.json()["results"]]

    assert found("incident_type=security") == [(1, "security"), (4, "security")]
    assert found("incident_type=data-loss") == [(3, "data-loss")]
    assert found("incident_type=none") == [(2, None)]
    response = client.get(f"{INCIDENTS}?incident_type=breach")  # another org's type
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"incident_type": ["No incident type “breach” in this organization."]}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=exploded", "status"),
        ("severity=SEV9", "severity"),
        ("severity=GLOBEX1", "severity"),
        ("service=globex-db", "service"),
        ("team=nobody", "team"),
        ("is_drill=maybe", "is_drill"),
        ("since=yesterday", "since"),
        ("since=2025-03-10&until=2025-03-01", "until"),
        ("sort=random", "sort"),
    ],
)
def test_list_with_an_invalid_filter_is_400_naming_it(org, configured, outsider, api_client, query, field):
    response = api_client.get(f"{INCIDENTS}?{query}")

    assert response.status_code == 400
    assert (response.json()["error"]["code"], list(response.json()["error"]["fields"])) == ("invalid", [field])


def test_list_query_count_does_not_grow_with_incidents(org, owner, responder, configured, api_client_for):
    service = service_actions.service_create(organization=org, actor=SYSTEM, name="Checkout")
    acting = Actor(user=owner.user)

    def declare_many(count):
        for n in range(count):
            incident = actions.incident_declare(
                organization=org,
                actor=acting,
                title=f"Incident {n}",
                severity=SeverityFactory(organization=org, name="SEV2"),
                services=[service],
            )
            actions.role_assign(
                incident=incident,
                role=IncidentRole.objects.get(organization=org, slug="scribe"),
                user=responder.user,
                actor=acting,
            )

    client = api_client_for(org, "viewer")
    declare_many(10)
    client.get(INCIDENTS)  # stamps the token's last_used_at, which is then quiet for a minute

    with CaptureQueriesContext(connection) as ten:
        small = client.get(INCIDENTS)
    declare_many(50)
    with CaptureQueriesContext(connection) as sixty:
        large = client.get(INCIDENTS)

    assert (small.json()["count"], len(small.json()["results"])) == (10, 10)
    assert (large.json()["count"], len(large.json()["results"])) == (60, 50)
    assert large.json()["results"][0]["roles"] == [
        {
            "role": "incident-commander",
            "name": "Incident Commander",
            "user": user_json(owner.user),
            "assigned_at": large.json()["results"][0]["roles"][0]["assigned_at"],
        },
        {
            "role": "scribe",
            "name": "Scribe",
            "user": user_json(responder.user),
            "assigned_at": large.json()["results"][0]["roles"][1]["assigned_at"],
        },
    ]
    assert len(sixty.captured_queries) == len(ten.captured_queries)


# --- configuration ----------------------------------------------------------------------------------------------


def test_severities_are_managed_and_only_unused_ones_deleted(org, configured, api_client):
    IncidentFactory(organization=org, title="Checkout is down")

    listed = api_client.get("/api/v1/severities/").json()
    created = api_client.post(
        "/api/v1/severities/", {"name": "SEV6", "rank": 6, "description": "Paper cut."}, format="json"
    )
    same_name = api_client.post("/api/v1/severities/", {"name": "sev6", "rank": 7}, format="json")
    same_rank = api_client.post("/api/v1/severities/", {"name": "SEV0", "rank": 1}, format="json")
    bad_name = api_client.post("/api/v1/severities/", {"name": "SEV/7", "rank": 7}, format="json")
    renamed = api_client.patch("/api/v1/severities/SEV6/", {"name": "SEV-6", "is_major": True}, format="json")
    used = api_client.delete("/api/v1/severities/SEV2/")
    unused = api_client.delete("/api/v1/severities/SEV-6/")

    assert [(s["name"], s["rank"], s["is_major"]) for s in listed["results"]] == [
        ("SEV1", 1, True),
        ("SEV2", 2, True),
        ("SEV3", 3, False),
        ("SEV4", 4, False),
        ("SEV5", 5, False),
    ]
    assert created.status_code == 201
    assert created.json() == {"name": "SEV6", "rank": 6, "description": "Paper cut.", "is_major": False}
    assert same_name.json()["error"]["fields"] == {"name": ["Another severity is already called sev6."]}
    assert same_rank.json()["error"]["fields"] == {
        "rank": ["SEV1 already has rank 1; ranks are unique (1 is the worst)."]
    }
    assert list(bad_name.json()["error"]["fields"]) == ["name"]
    assert renamed.json() == {"name": "SEV-6", "rank": 6, "description": "Paper cut.", "is_major": True}
    assert used.status_code == 400
    assert used.json()["error"]["message"] == "SEV2 is used by 1 incident; only an unused severity can be deleted."
    assert unused.status_code == 204
    assert list(Severity.objects.for_org(org).values_list("name", flat=True)) == [
        "SEV1",
        "SEV2",
        "SEV3",
        "SEV4",
        "SEV5",
    ]
    audit = AuditEvent.objects.for_org(org).filter(target_type="severity").order_by("id")
    assert [(e.action, e.target_id, e.changes) for e in audit] == [
        (
            "severity.created",
            "SEV6",
            {
                "name": {"before": None, "after": "SEV6"},
                "rank": {"before": None, "after": 6},
                "description": {"before": None, "after": "Paper cut."},
                "is_major": {"before": None, "after": False},
            },
        ),
        (
            "severity.updated",
            "SEV-6",
            {"name": {"before": "SEV6", "after": "SEV-6"}, "is_major": {"before": False, "after": True}},
        ),
        (
            "severity.deleted",
            "SEV-6",
            {
                "name": {"before": "SEV-6", "after": None},
                "rank": {"before": 6, "after": None},
                "description": {"before": "Paper cut.", "after": None},
                "is_major": {"before": True, "after": None},
            },
        ),
    ]


def test_incident_roles_are_managed_and_the_commander_flag_moves(org, owner, configured, api_client):
    created = api_client.post(
        "/api/v1/incident-roles/",
        {
            "name": "Duty Manager",
            "checklist": ["Open the bridge", "Name a deputy"],
            "position": 0,
            "is_commander": True,
        },
        format="json",
    )
    duplicate = api_client.post("/api/v1/incident-roles/", {"name": "Other", "slug": "scribe"}, format="json")
    declared = api_client.post(
        INCIDENTS, {"title": "Checkout down", "severity": "SEV1", "commander": "owner@acme.test"}, format="json"
    )
    used = api_client.delete("/api/v1/incident-roles/duty-manager/")
    never_used = api_client.delete("/api/v1/incident-roles/scribe/")

    assert created.status_code == 201
    assert created.json() == {
        "slug": "duty-manager",
        "name": "Duty Manager",
        "description": "",
        "instructions": "",
        "checklist": ["Open the bridge", "Name a deputy"],
        "position": 0,
        "is_commander": True,
    }
    assert duplicate.json()["error"]["fields"] == {"slug": ["Another role already uses the slug “scribe”."]}
    assert [r["role"] for r in declared.json()["roles"]] == ["duty-manager"]
    tasks = IncidentTask.objects.filter(incident__number=1, incident__organization=org).order_by("id")
    assert list(tasks.values_list("title", flat=True)) == ["Open the bridge", "Name a deputy"]
    assert used.json()["error"]["message"] == (
        "Duty Manager was assigned in 1 incident; only a role never assigned can be deleted."
    )
    assert never_used.status_code == 204
    roles = api_client.get("/api/v1/incident-roles/").json()["results"]
    assert [(r["slug"], r["is_commander"]) for r in roles] == [
        ("duty-manager", True),
        ("incident-commander", False),
        ("communications-lead", False),
        ("operations-lead", False),
    ]
    created_audit = AuditEvent.objects.for_org(org).get(action="incident_role.created")
    assert created_audit.changes["commander_moved_from"] == "incident-commander"

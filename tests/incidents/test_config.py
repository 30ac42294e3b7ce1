"""An org's incident configuration: the settings pages (severities, roles, incident types; admins write, everyone
reads), incident types on declaration (the checklist becomes the commander's tasks), and the incident-types API."""

import re

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError

from incidents import actions
from incidents.models import (
    Incident,
    IncidentRole,
    IncidentTask,
    IncidentType,
    RoleAssignment,
    Severity,
    TimelineEvent,
    TimelineKind,
)
from orgs.models import AuditEvent, MembershipRole
from orgs.tenancy import Actor
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system()
SETTINGS = "/o/acme/incidents/settings/"
DECLARE = "/o/acme/incidents/declare/"
TYPES_API = "/api/v1/incident-types/"
SECURITY_CHECKLIST = ["Page the security on-call", "Preserve the access logs"]


@pytest.fixture
def configured(org):
    """Org A with the default severities (SEV1..SEV5) and roles."""
    actions.organization_defaults_ensure(organization=org)
    return org


@pytest.fixture
def admin(configured, make_member):
    return make_member(configured, MembershipRole.ADMIN, email="ada@acme.test")


@pytest.fixture
def responder(configured, make_member):
    return make_member(configured, MembershipRole.RESPONDER, email="rhea@acme.test")


@pytest.fixture
def viewer(configured, make_member):
    return make_member(configured, MembershipRole.VIEWER, email="vic@acme.test")


@pytest.fixture
def security(configured):
    """An incident type of org A that pre-selects SEV2 and gives the commander two tasks."""
    return actions.incident_type_create(
        organization=configured,
        actor=SYSTEM,
        name="Security incident",
        description="Suspected breach.",
        default_severity=severity(configured, "SEV2"),
        checklist=SECURITY_CHECKLIST,
    )


@pytest.fixture
def foreign_type(other_org):
    """Org B, configured, with an incident type and a severity whose names exist only there."""
    actions.organization_defaults_ensure(organization=other_org)
    globex = Severity.objects.create(organization=other_org, name="GLOBEX1", rank=9)
    return actions.incident_type_create(
        organization=other_org, actor=SYSTEM, name="Globex Fraud", default_severity=globex, checklist=["Call Globex"]
    )


def severity(org, name):
    return Severity.objects.for_org(org).get(name=name)


def snapshot(org):
    """What a refused request must leave untouched."""
    return {
        model.__name__: list(model.objects.for_org(org).order_by("pk").values())
        for model in (Severity, IncidentRole, IncidentType, Incident, IncidentTask, RoleAssignment, TimelineEvent)
    } | {"audit": AuditEvent.objects.for_org(org).count()}


def messages_of(response):
    return [m.message for m in get_messages(response.wsgi_request)]


def html(response):
    return response.content.decode()


# --- the settings page ------------------------------------------------------------------------------------


def test_every_member_reads_the_settings_and_only_admins_see_the_controls(
    configured, admin, viewer, security, client_for
):
    IncidentFactory(organization=configured, title="Checkout is down")

    as_viewer = html(client_for(viewer).get(SETTINGS))
    as_admin = html(client_for(admin).get(SETTINGS))

    for page in (as_viewer, as_admin):
        assert [
            name for name in ("SEV1", "SEV5", "Incident Commander", "Scribe", "Security incident") if name not in page
        ] == []
        assert "Page the security on-call" in page
    assert "You can read these settings; admins of Acme change them." in as_viewer
    assert "/settings/severities/new/" not in as_viewer
    assert "/edit/" not in as_viewer
    assert "?type=security-incident" not in as_viewer  # viewers cannot declare
    assert [
        url
        for url in (
            "/o/acme/incidents/settings/severities/new/",
            "/o/acme/incidents/settings/severities/SEV2/edit/",
            "/o/acme/incidents/settings/severities/SEV2/delete/",
            "/o/acme/incidents/settings/roles/new/",
            "/o/acme/incidents/settings/roles/scribe/edit/",
            "/o/acme/incidents/settings/types/new/",
            "/o/acme/incidents/settings/types/security-incident/delete/",
            "/o/acme/incidents/declare/?type=security-incident",
        )
        if f'href="{url}"' not in as_admin
    ] == []


def test_the_incident_list_links_the_settings_for_admins_only(configured, admin, responder, client_for):
    link = 'href="/o/acme/incidents/settings/"'

    assert link in html(client_for(admin).get("/o/acme/incidents/"))
    assert link not in html(client_for(responder).get("/o/acme/incidents/"))


# --- severities ----------------------------------------------------------------------------------------


def test_admin_adds_edits_and_deletes_a_severity(configured, admin, client_for):
    client = client_for(admin)

    form = client.get(SETTINGS + "severities/new/")
    created = client.post(SETTINGS + "severities/new/", {"name": "SEV6", "rank": "6", "description": " Paper cut "})
    edited = client.post(
        SETTINGS + "severities/SEV6/edit/", {"name": "SEV 6", "rank": "7", "description": "Cosmetic.", "is_major": "on"}
    )
    confirm = client.get(SETTINGS + "severities/SEV%206/delete/")
    deleted = client.post(SETTINGS + "severities/SEV%206/delete/")

    assert form.status_code == 200
    assert 'value="6"' in html(form)  # the next free rank is suggested
    assert [r.status_code for r in (created, edited, deleted)] == [302, 302, 302]
    assert created["Location"] == SETTINGS + "#severities"
    assert [messages_of(r)[-1] for r in (created, edited, deleted)] == [
        "Severity SEV6 added.",
        "Severity SEV 6 saved.",
        "Severity SEV 6 deleted.",
    ]
    assert confirm.status_code == 200
    assert "Delete severity SEV 6?" in html(confirm)
    assert list(Severity.objects.for_org(configured).values_list("name", flat=True)) == [f"SEV{n}" for n in range(1, 6)]
    audit = AuditEvent.objects.for_org(configured).filter(target_type="severity").order_by("id")
    assert [(e.action, e.actor_user, e.changes.get("rank")) for e in audit] == [
        ("severity.created", admin.user, {"before": None, "after": 6}),
        ("severity.updated", admin.user, {"before": 6, "after": 7}),
        ("severity.deleted", admin.user, {"before": 7, "after": None}),
    ]


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"name": "sev1", "rank": "9"}, "Another severity is already called sev1."),
        ({"name": "SEV0", "rank": "1"}, "SEV1 already has rank 1; ranks are unique (1 is the worst)."),
        ({"name": "SEV/7", "rank": "7"}, "Use letters, digits, spaces, - and _ (it appears in URLs)."),
        ({"name": "SEV7", "rank": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"name": "", "rank": "7"}, "This field is required."),
    ],
)
def test_an_invalid_severity_re_renders_the_form_with_400_and_saves_nothing(
    configured, admin, client_for, payload, error
):
    before = snapshot(configured)

    response = client_for(admin).post(SETTINGS + "severities/new/", payload)

    assert response.status_code == 400
    assert "Nothing was saved." in html(response)
    assert error in html(response)
    assert snapshot(configured) == before


def test_editing_a_severity_into_a_taken_rank_is_400_and_changes_nothing(configured, admin, client_for):
    before = snapshot(configured)

    response = client_for(admin).post(SETTINGS + "severities/SEV3/edit/", {"name": "SEV3", "rank": "2"})

    assert response.status_code == 400
    assert "SEV2 already has rank 2; ranks are unique (1 is the worst)." in html(response)
    assert snapshot(configured) == before


def test_deleting_a_used_severity_is_refused_with_the_reason(configured, admin, client_for):
    IncidentFactory(organization=configured, title="Checkout is down")
    before = snapshot(configured)

    response = client_for(admin).post(SETTINGS + "severities/SEV2/delete/")

    assert response.status_code == 400
    assert "SEV2 is used by 1 incident; only an unused severity can be deleted." in html(response)
    assert "Delete severity</button>" not in html(response)
    assert snapshot(configured) == before


def test_a_missing_severity_is_404(configured, admin, client_for):
    assert client_for(admin).get(SETTINGS + "severities/SEV9/edit/").status_code == 404


# --- roles -------------------------------------------------------------------------------------------------


def test_admin_adds_edits_and_deletes_a_role(configured, admin, client_for):
    client = client_for(admin)

    created = client.post(
        SETTINGS + "roles/new/",
        {
            "name": "Customer Liaison",
            "slug": "",
            "description": "Talks to the affected customers.",
            "instructions": "Call the top accounts first.",
            "checklist": "Call the top accounts\r\n\r\n  Log every call  \r\n",
            "position": "4",
        },
    )
    role = IncidentRole.objects.for_org(configured).get(slug="customer-liaison")
    created_fields = (role.name, role.description, role.instructions, role.checklist, role.position)
    edit_form = client.get(SETTINGS + "roles/customer-liaison/edit/")
    edited = client.post(
        SETTINGS + "roles/customer-liaison/edit/",
        {
            "name": "Customer Lead",
            "slug": "",
            "checklist": "Call the top accounts",
            "position": "0",
            "is_commander": "on",
        },
    )
    roles = IncidentRole.objects.for_org(configured)
    edited_fields = (roles.get(slug="customer-liaison").name, list(roles.filter(is_commander=True).values_list("slug")))
    deleted = client.post(SETTINGS + "roles/customer-liaison/delete/")

    assert [r.status_code for r in (created, edited, deleted)] == [302, 302, 302]
    assert created["Location"] == SETTINGS + "#roles"
    assert created_fields == (
        "Customer Liaison",
        "Talks to the affected customers.",
        "Call the top accounts first.",
        ["Call the top accounts", "Log every call"],
        4,
    )
    assert "Call the top accounts\nLog every call</textarea>" in html(edit_form)
    # An emptied slug keeps the role's slug; taking the commander flag moves it from the default commander role.
    assert edited_fields == ("Customer Lead", [("customer-liaison",)])
    assert messages_of(deleted)[-1] == "Role Customer Lead deleted."
    assert roles.filter(slug="customer-liaison").exists() is False
    assert list(
        AuditEvent.objects.for_org(configured)
        .filter(target_type="incident_role")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["incident_role.created", "incident_role.updated", "incident_role.deleted"]


def test_a_duplicate_role_slug_is_400_and_saves_nothing(configured, admin, client_for):
    before = snapshot(configured)

    response = client_for(admin).post(SETTINGS + "roles/new/", {"name": "Writer", "slug": "scribe", "position": "0"})

    assert response.status_code == 400
    assert "Another role already uses the slug “scribe”." in html(response)
    assert snapshot(configured) == before


def test_deleting_a_role_that_was_assigned_is_refused_with_the_reason(configured, admin, client_for):
    # The declarer takes the commander role.
    actions.incident_declare(
        organization=configured,
        actor=Actor(user=admin.user),
        title="Checkout is down",
        severity=severity(configured, "SEV2"),
    )
    before = snapshot(configured)

    response = client_for(admin).post(SETTINGS + "roles/incident-commander/delete/")

    assert response.status_code == 400
    assert "Incident Commander was assigned in 1 incident; only a role never assigned can be deleted." in html(response)
    assert snapshot(configured) == before


# --- incident types ----------------------------------------------------------------------------------------


def test_admin_adds_edits_and_deletes_an_incident_type(configured, admin, client_for):
    client = client_for(admin)

    created = client.post(
        SETTINGS + "types/new/",
        {
            "name": "Data loss",
            "description": "Customer data is missing or wrong.",
            "default_severity": "SEV1",
            "checklist": "Stop the writes\nFind the last good backup",
            "position": "0",
        },
    )
    incident_type = IncidentType.objects.for_org(configured).get(slug="data-loss")
    created_fields = (
        incident_type.name,
        incident_type.description,
        incident_type.default_severity.name,
        incident_type.checklist,
    )
    incident = actions.incident_declare(
        organization=configured,
        actor=SYSTEM,
        title="Checkout is down",
        severity=severity(configured, "SEV2"),
        incident_type=incident_type,
    )
    edited = client.post(
        SETTINGS + "types/data-loss/edit/",
        {"name": "Data loss", "slug": "data-incident", "default_severity": "", "checklist": "", "position": "3"},
    )
    incident_type.refresh_from_db()
    edited_fields = (
        incident_type.slug,
        incident_type.default_severity,
        incident_type.checklist,
        incident_type.position,
    )
    confirm = client.get(SETTINGS + "types/data-incident/delete/")
    deleted = client.post(SETTINGS + "types/data-incident/delete/")

    assert [r.status_code for r in (created, edited, deleted)] == [302, 302, 302]
    assert created["Location"] == SETTINGS + "#types"
    assert created_fields == (
        "Data loss",
        "Customer data is missing or wrong.",
        "SEV1",
        ["Stop the writes", "Find the last good backup"],
    )
    assert edited_fields == ("data-incident", None, [], 3)
    assert "1 incident of this type will have no type; their timelines still name it." in html(confirm)
    assert messages_of(deleted)[-1] == "Incident type Data loss deleted."
    assert IncidentType.objects.for_org(configured).exists() is False
    incident.refresh_from_db()
    assert incident.incident_type is None
    assert TimelineEvent.objects.get(incident=incident, kind=TimelineKind.DECLARED).payload["type"] == "Data loss"
    audit = AuditEvent.objects.for_org(configured).filter(target_type="incident_type").order_by("id")
    assert [(e.action, e.target_id, e.changes.get("default_severity")) for e in audit] == [
        ("incident_type.created", "data-loss", {"before": None, "after": "SEV1"}),
        ("incident_type.updated", "data-incident", {"before": "SEV1", "after": None}),
        ("incident_type.deleted", "data-incident", None),
    ]
    assert audit.last().changes["incidents_untyped"] == 1


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"name": "Security", "slug": "security-incident"}, "Another incident type already uses the slug"),
        ({"name": "Fraud", "default_severity": "GLOBEX1"}, "Select a valid choice. That choice is not one of"),
        ({"name": "", "default_severity": "SEV2"}, "This field is required."),
        ({"name": "Long", "checklist": "x" * 301}, "Items are at most 300 characters"),
    ],
)
def test_an_invalid_incident_type_re_renders_the_form_with_400_and_saves_nothing(
    configured, admin, security, foreign_type, client_for, payload, error
):
    before = snapshot(configured)

    response = client_for(admin).post(SETTINGS + "types/new/", {"position": "0", **payload})

    assert response.status_code == 400
    assert error in html(response)
    assert snapshot(configured) == before


def test_another_orgs_incident_type_page_is_404(configured, admin, foreign_type, client_for):
    client = client_for(admin)

    answers = [
        client.get(SETTINGS + "types/globex-fraud/edit/").status_code,
        client.post(SETTINGS + "types/globex-fraud/delete/").status_code,
        client.get(SETTINGS + "severities/GLOBEX1/edit/").status_code,
    ]

    assert answers == [404, 404, 404]
    assert IncidentType.objects.filter(pk=foreign_type.pk).exists()


# --- who may write -------------------------------------------------------------------------------------------


WRITES = [
    ("severities/new/", {"name": "SEV6", "rank": "6"}),
    ("severities/SEV5/edit/", {"name": "SEV5", "rank": "5", "description": "Changed"}),
    ("severities/SEV5/delete/", {}),
    ("roles/new/", {"name": "Liaison", "position": "0"}),
    ("roles/scribe/edit/", {"name": "Writer", "position": "0"}),
    ("roles/scribe/delete/", {}),
    ("types/new/", {"name": "Fraud", "position": "0"}),
    ("types/security-incident/edit/", {"name": "Sec", "position": "0"}),
    ("types/security-incident/delete/", {}),
]


@pytest.mark.parametrize("role", [MembershipRole.RESPONDER, MembershipRole.VIEWER])
def test_responders_and_viewers_cannot_change_the_settings(configured, security, make_member, client_for, role):
    client = client_for(make_member(configured, role))
    before = snapshot(configured)

    answers = [
        (path, client.get(SETTINGS + path).status_code, client.post(SETTINGS + path, payload).status_code)
        for path, payload in WRITES
    ]

    assert [a for a in answers if a[1:] != (403, 403)] == []
    assert client.get(SETTINGS).status_code == 200
    assert snapshot(configured) == before


# --- declaring with a type ------------------------------------------------------------------------------------


def test_declaring_with_a_type_gives_the_commander_its_checklist_and_records_it(configured, admin, responder, security):
    incident = actions.incident_declare(
        organization=configured,
        actor=Actor(user=admin.user),
        title="Checkout is down",
        severity=severity(configured, "SEV1"),
        commander=responder.user,
        incident_type=security,
    )

    assert incident.incident_type == security
    tasks = IncidentTask.objects.filter(incident=incident).order_by("id")
    type_tasks = [(t.title, t.assignee, t.role, t.created_by) for t in tasks if t.role is None]
    assert type_tasks == [(title, responder.user, None, admin.user) for title in SECURITY_CHECKLIST]
    commander_tasks = [t.title for t in tasks if t.role is not None]
    assert commander_tasks[0] == "Confirm severity and affected services"  # the commander role's own checklist
    event = TimelineEvent.objects.get(incident=incident, kind=TimelineKind.DECLARED)
    assert event.payload == {
        "title": "Checkout is down",
        "severity": "SEV1",
        "type": "Security incident",
        "status": "investigating",
        "is_drill": False,
        "services": [],
    }


def test_declaring_with_a_type_but_no_commander_leaves_its_tasks_unassigned(configured, security):
    # The system declares: nobody is commander.
    incident = actions.incident_declare(
        organization=configured,
        actor=SYSTEM,
        title="Checkout is down",
        severity=severity(configured, "SEV2"),
        incident_type=security,
    )

    assert list(IncidentTask.objects.filter(incident=incident).values_list("title", "assignee")) == [
        (title, None) for title in SECURITY_CHECKLIST
    ]


def test_declaring_with_another_orgs_type_is_refused_and_creates_nothing(configured, foreign_type):
    before = snapshot(configured)

    with pytest.raises(ValidationError) as excinfo:
        actions.incident_declare(
            organization=configured,
            actor=SYSTEM,
            title="Checkout is down",
            severity=severity(configured, "SEV2"),
            incident_type=foreign_type,
        )

    assert excinfo.value.message_dict == {"incident_type": ["Choose an incident type of this organization."]}
    assert snapshot(configured) == before


def test_the_declare_form_offers_the_types_and_a_link_preselects_one(configured, responder, security, client_for):
    client = client_for(responder)

    plain = html(client.get(DECLARE))
    linked = html(client.get(DECLARE + "?type=security-incident"))

    assert '<option value="security-incident">Security incident</option>' in plain
    assert re.search(r'<input type="radio" name="severity" value="SEV3"[^>]*checked', plain)
    assert '<option value="security-incident" selected>Security incident</option>' in linked
    assert re.search(r'<input type="radio" name="severity" value="SEV2"[^>]*checked', linked)
    assert "Pre-selects SEV2. Adds 2 tasks for the commander:" in linked
    assert '"security-incident": {"severity": "SEV2"' in linked  # what the script pre-selects on change


def test_the_declare_form_has_no_type_menu_when_the_org_has_no_types(configured, responder, client_for):
    assert 'name="incident_type"' not in html(client_for(responder).get(DECLARE))


def test_declaring_from_the_form_with_a_type(configured, responder, security, client_for):
    response = client_for(responder).post(
        DECLARE, {"title": "Leaked key", "severity": "SEV2", "incident_type": "security-incident"}
    )

    incident = Incident.objects.for_org(configured).get(number=1)
    assert response.status_code == 302
    assert incident.incident_type == security
    assert list(IncidentTask.objects.filter(incident=incident, role=None).values_list("title", "assignee")) == [
        (title, responder.user.pk) for title in SECURITY_CHECKLIST
    ]
    page = html(client_for(responder).get("/o/acme/incidents/1/"))
    assert "<dt>Type</dt><dd>Security incident</dd>" in page
    assert "Incident type: <strong>Security incident</strong>" in page


def test_declaring_from_the_form_with_another_orgs_type_is_400(
    configured, responder, security, foreign_type, client_for
):
    before = snapshot(configured)

    response = client_for(responder).post(
        DECLARE, {"title": "Sneaky", "severity": "SEV2", "incident_type": "globex-fraud"}
    )

    assert response.status_code == 400
    assert "Select a valid choice. That choice is not one of the available choices." in html(response)
    assert snapshot(configured) == before


# --- API ----------------------------------------------------------------------------------------------------


def test_api_admin_tokens_manage_incident_types(configured, api_client_for):
    client = api_client_for(configured, "admin")

    created = client.post(
        TYPES_API,
        {"name": "Data loss", "default_severity": "SEV1", "checklist": ["Stop the writes", "Find a backup"]},
        format="json",
    )
    duplicate = client.post(TYPES_API, {"name": "Other", "slug": "data-loss"}, format="json")
    edited = client.patch(f"{TYPES_API}data-loss/", {"default_severity": None, "position": 2}, format="json")
    listed = client.get(TYPES_API)
    fetched = client.get(f"{TYPES_API}data-loss/")
    deleted = client.delete(f"{TYPES_API}data-loss/")

    assert created.status_code == 201
    assert created.json() == {
        "slug": "data-loss",
        "name": "Data loss",
        "description": "",
        "default_severity": "SEV1",
        "checklist": ["Stop the writes", "Find a backup"],
        "position": 0,
    }
    assert duplicate.status_code == 400
    assert duplicate.json()["error"]["fields"] == {"slug": ["Another incident type already uses the slug “data-loss”."]}
    assert (edited.json()["default_severity"], edited.json()["position"]) == (None, 2)
    assert [t["slug"] for t in listed.json()["results"]] == ["data-loss"]
    assert fetched.json() == edited.json()
    assert deleted.status_code == 204
    assert IncidentType.objects.for_org(configured).exists() is False
    assert list(
        AuditEvent.objects.for_org(configured)
        .filter(target_type="incident_type")
        .order_by("id")
        .values_list("action", "target_id")
    ) == [
        ("incident_type.created", "data-loss"),
        ("incident_type.updated", "data-loss"),
        ("incident_type.deleted", "data-loss"),
    ]


TYPE_WRITES = [
    ("post", TYPES_API, {"name": "Fraud"}, 201),
    ("patch", f"{TYPES_API}fraud/", {"description": "Card fraud"}, 200),
    ("delete", f"{TYPES_API}fraud/", None, 204),
]


def call(client, method, url, payload):
    return getattr(client, method)(url, payload, format="json") if payload is not None else getattr(client, method)(url)


@pytest.mark.parametrize("role", ["viewer", "responder"])
def test_api_viewer_and_responder_tokens_read_incident_types_but_not_write(configured, security, api_client_for, role):
    client = api_client_for(configured, role)
    actions.incident_type_create(organization=configured, actor=SYSTEM, name="Fraud")
    before = snapshot(configured)

    reads = [client.get(TYPES_API).status_code, client.get(f"{TYPES_API}security-incident/").status_code]
    writes = [(m, url, call(client, m, url, p).status_code) for m, url, p, _ in TYPE_WRITES]

    assert reads == [200, 200]
    assert [w for w in writes if w[2] != 403] == []
    assert snapshot(configured) == before


def test_api_admin_tokens_write_incident_types(configured, api_client_for):
    client = api_client_for(configured, "admin")

    answers = [(m, url, call(client, m, url, p).status_code, code) for m, url, p, code in TYPE_WRITES]

    assert [(m, url, got) for m, url, got, expected in answers if got != expected] == []


@pytest.mark.parametrize(
    ("method", "url", "payload", "field"),
    [
        ("post", TYPES_API, {"name": "Fraud", "default_severity": "GLOBEX1"}, "default_severity"),
        ("patch", f"{TYPES_API}security-incident/", {"default_severity": "GLOBEX1"}, "default_severity"),
        (
            "post",
            "/api/v1/incidents/",
            {"title": "X", "severity": "SEV2", "incident_type": "globex-fraud"},
            "incident_type",
        ),
    ],
)
def test_api_references_to_another_orgs_objects_are_400_and_save_nothing(
    configured, security, foreign_type, api_client_for, method, url, payload, field
):
    client = api_client_for(configured, "admin")
    before = snapshot(configured)

    response = call(client, method, url, payload)

    assert response.status_code == 400, response.json()
    assert list(response.json()["error"]["fields"]) == [field]
    assert snapshot(configured) == before


def test_api_another_orgs_incident_type_is_404(configured, foreign_type, api_client_for):
    client = api_client_for(configured, "admin")

    answers = [
        call(client, m, f"{TYPES_API}globex-fraud/", p).status_code
        for m, p in [("get", None), ("patch", {"name": "Mine"}), ("delete", None)]
    ]

    assert answers == [404, 404, 404]
    foreign_type.refresh_from_db()
    assert foreign_type.name == "Globex Fraud"


def test_api_declare_with_a_type_defaults_its_severity_and_shows_it(configured, owner, security, api_client_for):
    client = api_client_for(configured, "responder")

    declared = client.post(
        "/api/v1/incidents/",
        {"title": "Leaked key", "incident_type": "security-incident", "commander": "owner@acme.test"},
        format="json",
    )
    chosen = client.post(
        "/api/v1/incidents/",
        {"title": "Leaked key again", "incident_type": "security-incident", "severity": "SEV1"},
        format="json",
    )
    untyped = client.post("/api/v1/incidents/", {"title": "Slow search", "severity": "SEV4"}, format="json")

    assert (declared.status_code, chosen.status_code, untyped.status_code) == (201, 201, 201)
    assert (declared.json()["severity"], declared.json()["incident_type"]) == ("SEV2", "security-incident")
    assert (chosen.json()["severity"], chosen.json()["incident_type"]) == ("SEV1", "security-incident")
    assert untyped.json()["incident_type"] is None
    tasks = client.get("/api/v1/incidents/1/tasks/").json()["results"]
    assert [(t["title"], t["assignee"]["email"], t["role"]) for t in tasks if t["role"] is None] == [
        (title, "owner@acme.test", None) for title in SECURITY_CHECKLIST
    ]
    assert client.get("/api/v1/incidents/1/").json()["incident_type"] == "security-incident"


def test_api_declare_without_a_severity_needs_a_type_with_a_default(configured, api_client_for):
    actions.incident_type_create(organization=configured, actor=SYSTEM, name="Fraud")
    client = api_client_for(configured, "responder")
    before = snapshot(configured)

    answers = [
        client.post("/api/v1/incidents/", payload, format="json")
        for payload in ({"title": "X"}, {"title": "X", "incident_type": "fraud"}, {"title": "X", "incident_type": None})
    ]

    assert [(r.status_code, r.json()["error"]["fields"]) for r in answers] == [
        (400, {"severity": ["This field is required."]})
    ] * 3
    assert snapshot(configured) == before

"""The orgs REST API under /api/v1/: bearer tokens, roles, teams, members, invitations, tokens, audit log, errors."""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from orgs import actions
from orgs.models import (
    ApiToken,
    AuditEvent,
    Invitation,
    Membership,
    MembershipRole,
    Organization,
    OrgOwnedModel,
    Team,
    TeamMembership,
)
from orgs.tenancy import Actor
from tests.factories import AuditEventFactory, InvitationFactory, MembershipFactory, TeamFactory, api_token_for

pytestmark = pytest.mark.django_db

ADMIN_ONLY = "This needs a token with the admin role or higher; this token is {role}."
BAD_HEADER = "Use the header `Authorization: Bearer <token>`."
BAD_TOKEN = "Invalid, revoked or expired API token."


def error(status: int, code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """The one error body every 4xx of the API has."""
    return {"error": {"status": status, "code": code, "message": message, "fields": fields or {}}}


def invalid(**fields: list[str]) -> dict[str, Any]:
    return error(400, "invalid", "The request is invalid.", fields)


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def org_rows(organization: Organization) -> dict[str, list[dict[str, Any]]]:
    """All of the org's rows, every column but tokens' last-use stamp: what a refused request must not change."""
    rows = {}
    for model in apps.get_app_config("orgs").get_models():
        if issubclass(model, OrgOwnedModel):
            qs = model.objects.for_org(organization)
        elif model is Membership:
            qs = Membership.objects.filter(organization=organization)
        else:
            continue
        rows[model._meta.label] = [
            {k: v for k, v in row.items() if k != "last_used_at"} for row in qs.order_by("pk").values()
        ]
    return rows


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@dataclass(frozen=True)
class Acme:
    organization: Organization
    owner: Membership
    responder: Membership
    team: Team


@pytest.fixture
def acme(org: Organization) -> Acme:
    """Org A with an owner, a responder and a Payments team the owner is in."""
    owner = MembershipFactory(
        organization=org, role=MembershipRole.OWNER, user__email="olivia@acme.test", user__full_name="Olivia Owner"
    )
    responder = MembershipFactory(
        organization=org,
        role=MembershipRole.RESPONDER,
        user__email="rick@acme.test",
        user__full_name="Rick Responder",
    )
    team = TeamFactory(organization=org, name="Payments", slug="payments", description="Owns things.")
    TeamMembership.objects.create(organization=org, team=team, user=owner.user)
    return Acme(org, owner, responder, team)


@pytest.fixture
def admin_token(org: Organization) -> tuple[ApiToken, APIClient]:
    token, raw = api_token_for(org, "admin", name="Deploy bot")
    return token, bearer(raw)


def member_json(membership: Membership, teams: list[str]) -> dict[str, Any]:
    user = membership.user
    return {
        "id": str(membership.uuid),
        "user": {"id": str(user.uuid), "email": user.email, "full_name": user.full_name},
        "role": membership.role,
        "teams": teams,
        "created_at": iso(membership.created_at),
    }


def team_json(team: Team, members: list[Membership] = ()) -> dict[str, Any]:
    team.refresh_from_db()
    return {
        "slug": team.slug,
        "name": team.name,
        "description": team.description,
        "chat_channel": team.chat_channel,
        "email": team.email,
        "member_count": len(members),
        "members": [{"id": str(m.user.uuid), "email": m.user.email, "full_name": m.user.full_name} for m in members],
        "created_at": iso(team.created_at),
        "updated_at": iso(team.updated_at),
    }


# --- bearer authentication -------------------------------------------------------------------------


def test_request_without_authorization_header_is_401(org):
    response = APIClient().get("/api/v1/teams/")

    assert response.status_code == 401
    assert response.json() == error(401, "not_authenticated", "Authentication credentials were not provided.")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize("header", ["Token abc", "Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "bearer"])
def test_malformed_authorization_header_is_401(org, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get("/api/v1/teams/")

    assert response.status_code == 401
    assert response.json() == error(401, "authentication_failed", BAD_HEADER)


def test_unknown_or_tampered_token_is_401(org):
    token, raw = api_token_for(org, "admin")
    tampered = raw[:-4] + ("aaaa" if not raw.endswith("aaaa") else "bbbb")

    answers = [bearer(r).get("/api/v1/teams/") for r in (tampered, "fb_00000000_nope", "not-a-firebreak-token")]

    assert [(r.status_code, r.json()) for r in answers] == [(401, error(401, "authentication_failed", BAD_TOKEN))] * 3
    token.refresh_from_db()
    assert token.last_used_at is None


def test_revoked_token_is_401(org):
    token, raw = api_token_for(org, "admin")
    actions.api_token_revoke(token=token, actor=Actor.system())

    response = bearer(raw).get("/api/v1/teams/")

    assert response.status_code == 401
    assert response.json() == error(401, "authentication_failed", BAD_TOKEN)
    token.refresh_from_db()
    assert token.last_used_at is None


def test_expired_token_is_401(org):
    token, raw = api_token_for(org, "admin")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    response = bearer(raw).get("/api/v1/teams/")

    assert response.status_code == 401
    assert response.json() == error(401, "authentication_failed", BAD_TOKEN)
    token.refresh_from_db()
    assert token.last_used_at is None


def test_token_expiring_later_still_works(org):
    _, raw = api_token_for(org, "viewer", expires_at=timezone.now() + timedelta(hours=1))

    response = bearer(raw).get("/api/v1/teams/")

    assert response.status_code == 200


def test_valid_call_stamps_last_used_at(org):
    token, raw = api_token_for(org, "viewer")
    assert token.last_used_at is None
    started = timezone.now()

    response = bearer(raw).get("/api/v1/teams/")

    assert response.status_code == 200
    token.refresh_from_db()
    assert started <= token.last_used_at <= timezone.now()


def test_tokens_are_stored_hashed(org):
    token, raw = api_token_for(org, "admin")

    row = ApiToken.objects.filter(pk=token.pk).values().get()

    secret = raw.removeprefix(f"fb_{row['prefix']}_")
    assert (raw.startswith(f"fb_{row['prefix']}_"), len(secret)) == (True, 43)
    assert row["token_hash"] == hashlib.sha256(raw.encode()).hexdigest()
    assert [column for column, value in row.items() if secret in str(value) or raw in str(value)] == []


# --- roles ------------------------------------------------------------------------------------------


def test_viewer_token_reads_teams_and_members(acme, api_client_for):
    client = api_client_for(acme.organization, "viewer")

    answers = [client.get(url).status_code for url in ("/api/v1/teams/", "/api/v1/teams/payments/", "/api/v1/members/")]

    assert answers == [200, 200, 200]


@pytest.mark.parametrize(
    ("method", "url", "payload"),
    [
        ("post", "/api/v1/teams/", {"name": "Billing"}),
        ("get", "/api/v1/invitations/", None),
        ("get", "/api/v1/api-tokens/", None),
        ("get", "/api/v1/audit-events/", None),
    ],
)
def test_viewer_token_cannot_write_or_read_admin_data(acme, api_client_for, enqueued, method, url, payload):
    client = api_client_for(acme.organization, "viewer")
    before = org_rows(acme.organization)

    response = getattr(client, method)(url, payload, format="json")

    assert response.status_code == 403
    assert response.json() == error(403, "permission_denied", ADMIN_ONLY.format(role="viewer"))
    assert org_rows(acme.organization) == before
    assert enqueued.calls == []


@pytest.mark.parametrize(
    ("method", "url", "payload"),
    [
        ("post", "/api/v1/teams/", {"name": "Billing"}),
        ("patch", "/api/v1/teams/payments/", {"description": "Mine now."}),
        ("delete", "/api/v1/teams/payments/", None),
        ("post", "/api/v1/teams/payments/members/", {"user": "rick@acme.test"}),
        ("patch", "/api/v1/members/{responder}/", {"role": "viewer"}),
        ("delete", "/api/v1/members/{responder}/", None),
        ("post", "/api/v1/invitations/", {"email": "new@acme.test", "role": "viewer"}),
        ("post", "/api/v1/api-tokens/", {"name": "Mine", "role": "viewer"}),
        ("get", "/api/v1/audit-events/", None),
    ],
)
def test_responder_token_cannot_manage_the_org(acme, api_client_for, enqueued, method, url, payload):
    client = api_client_for(acme.organization, "responder")
    before = org_rows(acme.organization)

    response = getattr(client, method)(url.format(responder=acme.responder.uuid), payload, format="json")

    assert response.status_code == 403
    assert response.json() == error(403, "permission_denied", ADMIN_ONLY.format(role="responder"))
    assert org_rows(acme.organization) == before
    assert enqueued.calls == []


def test_admin_token_changes_a_members_role(acme, admin_token):
    token, client = admin_token

    response = client.patch(f"/api/v1/members/{acme.responder.uuid}/", {"role": "viewer"}, format="json")

    assert response.status_code == 200
    acme.responder.refresh_from_db()
    assert acme.responder.role == MembershipRole.VIEWER
    assert response.json() == member_json(acme.responder, [])
    assert AuditEvent.objects.filter(actor_token=token).values_list("action", "target_label", "changes").get() == (
        "member.role_changed",
        "rick@acme.test",
        {"role": {"before": "responder", "after": "viewer"}},
    )


def test_admin_token_removes_a_member_and_their_team_places(acme, admin_token):
    _, client = admin_token
    TeamMembership.objects.create(organization=acme.organization, team=acme.team, user=acme.responder.user)

    response = client.delete(f"/api/v1/members/{acme.responder.uuid}/")

    assert response.status_code == 204
    assert Membership.objects.filter(pk=acme.responder.pk).exists() is False
    assert list(TeamMembership.objects.filter(team=acme.team).values_list("user__email", flat=True)) == [
        "olivia@acme.test"
    ]


@pytest.mark.parametrize(
    ("method", "target", "payload", "message"),
    [
        ("patch", "responder", {"role": "owner"}, "Only owners can grant, change or remove the owner role."),
        ("patch", "owner", {"role": "admin"}, "Only owners can grant, change or remove the owner role."),
        ("patch", "owner", {"role": "viewer"}, "Only owners can grant, change or remove the owner role."),
        ("delete", "owner", None, "Only owners can remove an owner."),
    ],
)
def test_admin_token_cannot_make_change_or_remove_owners(acme, admin_token, enqueued, method, target, payload, message):
    _, client = admin_token
    membership = getattr(acme, target)
    before = org_rows(acme.organization)

    response = getattr(client, method)(f"/api/v1/members/{membership.uuid}/", payload, format="json")

    assert response.status_code == 403
    assert response.json() == error(403, "permission_denied", message)
    assert org_rows(acme.organization) == before
    assert enqueued.calls == []


def test_admin_token_cannot_invite_an_owner(acme, admin_token, enqueued, django_capture_on_commit_callbacks):
    _, client = admin_token
    before = org_rows(acme.organization)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/invitations/", {"email": "boss@acme.test", "role": "owner"}, format="json")

    assert response.status_code == 403
    assert response.json() == error(403, "permission_denied", "Only owners can invite owners.")
    assert org_rows(acme.organization) == before
    assert enqueued.calls == []


def test_member_role_must_be_a_known_role(acme, admin_token):
    _, client = admin_token
    before = org_rows(acme.organization)

    response = client.patch(f"/api/v1/members/{acme.responder.uuid}/", {"role": "emperor"}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(role=['"emperor" is not a valid choice.'])
    assert org_rows(acme.organization) == before


# --- teams -------------------------------------------------------------------------------------------


def test_create_team_derives_the_slug_and_ignores_unknown_fields(org, other_org, admin_token):
    token, client = admin_token
    payload = {
        "name": "  Payments Core ",
        "description": "Card processing.",
        "chat_channel": "#payments",
        "email": "payments@acme.test",
        "organization": other_org.pk,
        "member_count": 99,
        "id": 12,
    }

    response = client.post("/api/v1/teams/", payload, format="json")

    assert response.status_code == 201
    team = Team.objects.get(slug="payments-core")
    assert team.organization == org
    assert response.json() == {
        "slug": "payments-core",
        "name": "Payments Core",
        "description": "Card processing.",
        "chat_channel": "#payments",
        "email": "payments@acme.test",
        "member_count": 0,
        "members": [],
        "created_at": iso(team.created_at),
        "updated_at": iso(team.updated_at),
    }
    assert Team.objects.for_org(other_org).exists() is False
    assert AuditEvent.objects.filter(actor_token=token).values_list("action", "target_id").get() == (
        "team.created",
        "payments-core",
    )


def test_create_team_with_an_explicit_slug(org, admin_token):
    _, client = admin_token

    response = client.post("/api/v1/teams/", {"name": "Site Reliability", "slug": "sre"}, format="json")

    assert response.status_code == 201
    assert response.json()["slug"] == "sre"
    assert list(Team.objects.for_org(org).values_list("slug", "name")) == [("sre", "Site Reliability")]


def test_create_team_with_a_taken_name_is_400(acme, admin_token):
    _, client = admin_token
    before = org_rows(acme.organization)

    response = client.post("/api/v1/teams/", {"name": "PAYMENTS", "slug": "payments-2"}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(name=["A team named “PAYMENTS” already exists."])
    assert org_rows(acme.organization) == before


def test_create_team_whose_derived_slug_is_taken_is_400_on_both_fields(acme, admin_token):
    _, client = admin_token
    before = org_rows(acme.organization)

    response = client.post("/api/v1/teams/", {"name": "Payments"}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(
        slug=["A team with the slug “payments” already exists."], name=["A team named “Payments” already exists."]
    )
    assert org_rows(acme.organization) == before


def test_same_team_name_in_another_org_is_fine(acme, other_org, api_client_for):
    response = api_client_for(other_org, "admin").post("/api/v1/teams/", {"name": "Payments"}, format="json")

    assert response.status_code == 201
    assert list(Team.objects.filter(slug="payments").values_list("organization__slug", flat=True).order_by("id")) == [
        "acme",
        "globex",
    ]


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"name": ["This field is required."]}),
        ({"name": ""}, {"name": ["This field may not be blank."]}),
        ({"name": "Ops", "email": "not-an-email"}, {"email": ["Enter a valid email address."]}),
        (
            {"name": "Ops", "slug": "no spaces"},
            {"slug": ['Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.']},
        ),
        ({"name": "!!!"}, {"name": ["Enter a name with at least one letter or number."]}),
    ],
)
def test_create_team_with_invalid_fields_is_400(org, admin_token, payload, fields):
    _, client = admin_token

    response = client.post("/api/v1/teams/", payload, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(**fields)
    assert Team.objects.for_org(org).exists() is False


def test_get_team_lists_its_members_by_name(acme, admin_token):
    _, client = admin_token
    TeamMembership.objects.create(organization=acme.organization, team=acme.team, user=acme.responder.user)

    response = client.get("/api/v1/teams/payments/")

    assert response.status_code == 200
    assert response.json() == team_json(acme.team, [acme.owner, acme.responder])


def test_patch_team_changes_only_the_given_fields(acme, admin_token):
    token, client = admin_token

    response = client.patch("/api/v1/teams/payments/", {"description": "Cards and payouts."}, format="json")

    assert response.status_code == 200
    assert response.json() == team_json(acme.team, [acme.owner])
    assert (acme.team.name, acme.team.slug, acme.team.description) == ("Payments", "payments", "Cards and payouts.")
    assert AuditEvent.objects.filter(actor_token=token).values_list("action", "changes").get() == (
        "team.updated",
        {"description": {"before": "Owns things.", "after": "Cards and payouts."}},
    )


def test_put_team_renames_it_and_keeps_its_slug(acme, admin_token):
    _, client = admin_token

    response = client.put(
        "/api/v1/teams/payments/", {"name": "Payments Platform", "email": "pp@acme.test"}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == team_json(acme.team, [acme.owner])
    assert (acme.team.name, acme.team.slug, acme.team.email) == ("Payments Platform", "payments", "pp@acme.test")


def test_put_team_without_a_name_is_400(acme, admin_token):
    _, client = admin_token
    before = org_rows(acme.organization)

    response = client.put("/api/v1/teams/payments/", {"description": "x"}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(name=["This field is required."])
    assert org_rows(acme.organization) == before


def test_delete_team_keeps_its_people_in_the_org(acme, admin_token):
    token, client = admin_token

    response = client.delete("/api/v1/teams/payments/")

    assert response.status_code == 204
    assert response.content == b""
    assert Team.objects.for_org(acme.organization).exists() is False
    assert TeamMembership.objects.for_org(acme.organization).exists() is False
    assert Membership.objects.filter(organization=acme.organization).count() == 2
    assert list(AuditEvent.objects.filter(actor_token=token).values_list("action", flat=True)) == ["team.deleted"]


def test_add_and_remove_team_members(acme, admin_token):
    token, client = admin_token

    added = client.post("/api/v1/teams/payments/members/", {"user": "RICK@acme.test"}, format="json")
    removed = client.delete(f"/api/v1/teams/payments/members/{acme.owner.user.uuid}/")

    assert added.status_code == 200
    assert added.json()["members"] == [
        {"id": str(acme.owner.user.uuid), "email": "olivia@acme.test", "full_name": "Olivia Owner"},
        {"id": str(acme.responder.user.uuid), "email": "rick@acme.test", "full_name": "Rick Responder"},
    ]
    assert removed.status_code == 200
    assert removed.json() == team_json(acme.team, [acme.responder])
    assert list(AuditEvent.objects.filter(actor_token=token).order_by("id").values_list("action", "changes")) == [
        ("team.member_added", {"member": {"before": None, "after": "rick@acme.test"}}),
        ("team.member_removed", {"member": {"before": "olivia@acme.test", "after": None}}),
    ]


def test_add_team_member_with_an_unknown_reference_is_400(acme, admin_token):
    _, client = admin_token
    before = org_rows(acme.organization)

    answers = [
        client.post("/api/v1/teams/payments/members/", {"user": ref}, format="json")
        for ref in ("nobody@acme.test", "not-a-uuid", "00000000-0000-0000-0000-000000000001")
    ]

    assert [(r.status_code, r.json()) for r in answers] == [
        (400, invalid(user=["No member of this organization matches."]))
    ] * 3
    assert org_rows(acme.organization) == before


def test_team_list_paginates(org, admin_token):
    _, client = admin_token
    for name in ("Charlie", "Alpha", "Bravo"):
        TeamFactory(organization=org, name=name, slug=name.lower())

    first = client.get("/api/v1/teams/?page_size=2").json()
    second = client.get("/api/v1/teams/?page_size=2&page=2").json()

    assert {**first, "results": [t["slug"] for t in first["results"]]} == {
        "count": 3,
        "next": "http://testserver/api/v1/teams/?page=2&page_size=2",
        "previous": None,
        "results": ["alpha", "bravo"],
    }
    assert {**second, "results": [t["slug"] for t in second["results"]]} == {
        "count": 3,
        "next": None,
        "previous": "http://testserver/api/v1/teams/?page_size=2",
        "results": ["charlie"],
    }


def test_team_list_page_past_the_end_is_404(org, admin_token):
    _, client = admin_token
    TeamFactory(organization=org, name="Alpha", slug="alpha")

    response = client.get("/api/v1/teams/?page=9")

    assert response.status_code == 404
    assert response.json() == error(404, "not_found", "Invalid page.")


def test_team_list_filters_by_name_icontains(org, other_org, admin_token):
    _, client = admin_token
    for name in ("Payments", "Payroll", "Platform"):
        TeamFactory(organization=org, name=name, slug=name.lower())
    TeamFactory(organization=other_org, name="Paystack", slug="paystack")

    response = client.get("/api/v1/teams/?name__icontains=PAY")

    assert response.status_code == 200
    assert [t["slug"] for t in response.json()["results"]] == ["payments", "payroll"]
    assert response.json()["count"] == 2


# --- members ------------------------------------------------------------------------------------------


def test_member_list_includes_each_members_team_slugs(acme, other_org, admin_token):
    _, client = admin_token
    billing = TeamFactory(organization=acme.organization, name="Billing", slug="billing")
    TeamMembership.objects.create(organization=acme.organization, team=billing, user=acme.owner.user)
    elsewhere = TeamFactory(organization=other_org, name="Globex Ops", slug="globex-ops")
    MembershipFactory(organization=other_org, user=acme.owner.user, role=MembershipRole.VIEWER)
    TeamMembership.objects.create(organization=other_org, team=elsewhere, user=acme.owner.user)

    response = client.get("/api/v1/members/")

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [member_json(acme.owner, ["billing", "payments"]), member_json(acme.responder, [])],
    }


def test_member_list_filters_by_role(acme, admin_token):
    _, client = admin_token

    response = client.get("/api/v1/members/?role=responder")

    assert [m["user"]["email"] for m in response.json()["results"]] == ["rick@acme.test"]


def test_put_on_a_member_is_405(acme, admin_token):
    _, client = admin_token
    before = org_rows(acme.organization)

    response = client.put(f"/api/v1/members/{acme.responder.uuid}/", {"role": "viewer"}, format="json")

    assert response.status_code == 405
    assert response.json() == error(405, "method_not_allowed", 'Method "PUT" not allowed.')
    assert org_rows(acme.organization) == before


# --- invitations ---------------------------------------------------------------------------------------


def test_create_invitation_enqueues_the_email_after_commit(
    acme, admin_token, enqueued, django_capture_on_commit_callbacks
):
    token, client = admin_token

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            "/api/v1/invitations/", {"email": "New.Person@ACME.test", "role": "admin"}, format="json"
        )

    assert response.status_code == 201
    invitation = Invitation.objects.for_org(acme.organization).get()
    assert response.json() == {
        "id": str(invitation.uuid),
        "email": "new.person@acme.test",
        "role": "admin",
        "invited_by": None,
        "created_at": iso(invitation.created_at),
        "email_sent_at": None,
    }
    assert len(callbacks) == 1
    assert enqueued.calls == [("orgs.tasks.invitation_send", (invitation.pk,), {})]
    assert AuditEvent.objects.filter(actor_token=token).values_list("action", "target_label").get() == (
        "invitation.created",
        "new.person@acme.test",
    )


def test_invitation_defaults_to_responder(acme, admin_token):
    _, client = admin_token

    response = client.post("/api/v1/invitations/", {"email": "x@acme.test"}, format="json")

    assert response.status_code == 201
    assert response.json()["role"] == "responder"


def test_second_pending_invitation_for_an_email_is_400(acme, admin_token, enqueued, django_capture_on_commit_callbacks):
    _, client = admin_token
    InvitationFactory(organization=acme.organization, email="new@acme.test")
    before = org_rows(acme.organization)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/invitations/", {"email": "NEW@acme.test"}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(
        email=["new@acme.test already has a pending invitation. Revoke it to send a new one."]
    )
    assert org_rows(acme.organization) == before
    assert enqueued.calls == []


def test_invitation_of_an_existing_member_is_400(acme, admin_token, enqueued, django_capture_on_commit_callbacks):
    _, client = admin_token
    before = org_rows(acme.organization)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/invitations/", {"email": "rick@acme.test"}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(email=["rick@acme.test is already a member of Acme."])
    assert org_rows(acme.organization) == before
    assert enqueued.calls == []


def test_delete_invitation_revokes_it(acme, admin_token):
    token, client = admin_token
    invitation = InvitationFactory(organization=acme.organization, email="new@acme.test")

    response = client.delete(f"/api/v1/invitations/{invitation.uuid}/")

    assert response.status_code == 204
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert invitation.is_pending is False
    assert client.get("/api/v1/invitations/").json()["results"] == []
    assert client.delete(f"/api/v1/invitations/{invitation.uuid}/").json() == error(404, "not_found", "Not found.")
    assert list(AuditEvent.objects.filter(actor_token=token).values_list("action", flat=True)) == ["invitation.revoked"]


def test_invitation_list_shows_pending_invitations_only(acme, admin_token):
    _, client = admin_token
    pending = InvitationFactory(organization=acme.organization, email="pending@acme.test")
    InvitationFactory(organization=acme.organization, email="used@acme.test", accepted_at=timezone.now())
    InvitationFactory(organization=acme.organization, email="gone@acme.test", revoked_at=timezone.now())

    response = client.get("/api/v1/invitations/")

    assert [(i["id"], i["email"]) for i in response.json()["results"]] == [(str(pending.uuid), "pending@acme.test")]


# --- API tokens -------------------------------------------------------------------------------------------


def test_create_api_token_shows_the_secret_once(org, admin_token):
    _, client = admin_token

    response = client.post("/api/v1/api-tokens/", {"name": "Terraform", "role": "responder"}, format="json")

    assert response.status_code == 201
    created = ApiToken.objects.get(name="Terraform")
    body = response.json()
    raw = body.pop("token")
    assert raw.startswith(f"fb_{created.prefix}_")
    assert created.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert body == {
        "id": str(created.uuid),
        "name": "Terraform",
        "role": "responder",
        "prefix": created.prefix,
        "created_by": None,
        "created_at": iso(created.created_at),
        "last_used_at": None,
        "expires_at": None,
        "revoked_at": None,
        "is_active": True,
    }
    listed = client.get("/api/v1/api-tokens/")
    detail = client.get(f"/api/v1/api-tokens/{created.uuid}/")
    assert [sorted(t) for t in listed.json()["results"]] == [sorted(body)] * 2
    assert sorted(detail.json()) == sorted(body)
    assert raw not in listed.content.decode() + detail.content.decode()
    assert bearer(raw).get("/api/v1/teams/").status_code == 200
    assert bearer(raw).post("/api/v1/teams/", {"name": "X"}, format="json").status_code == 403


def test_create_api_token_with_an_expiry(org, admin_token):
    _, client = admin_token

    response = client.post(
        "/api/v1/api-tokens/", {"name": "Temp", "role": "viewer", "expires_at": "2099-01-01T00:00:00Z"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["expires_at"] == "2099-01-01T00:00:00Z"
    assert ApiToken.objects.get(name="Temp").expires_at == datetime(2099, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"name": "Old", "expires_at": "2020-01-01T00:00:00Z"}, {"expires_at": ["The expiry must be in the future."]}),
        ({"name": "Boss", "role": "owner"}, {"role": ['"owner" is not a valid choice.']}),
        ({"role": "viewer"}, {"name": ["This field is required."]}),
    ],
)
def test_create_api_token_with_invalid_fields_is_400(org, admin_token, payload, fields):
    token, client = admin_token

    response = client.post("/api/v1/api-tokens/", payload, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(**fields)
    assert list(ApiToken.objects.for_org(org).values_list("pk", flat=True)) == [token.pk]


def test_delete_api_token_revokes_it_and_it_then_gets_401(org, admin_token):
    token, client = admin_token
    doomed, raw = api_token_for(org, "viewer", name="CI")
    assert bearer(raw).get("/api/v1/teams/").status_code == 200

    response = client.delete(f"/api/v1/api-tokens/{doomed.uuid}/")

    assert response.status_code == 200
    doomed.refresh_from_db()
    assert doomed.revoked_at is not None
    assert response.json()["revoked_at"] == iso(doomed.revoked_at)
    assert response.json()["is_active"] is False
    assert bearer(raw).get("/api/v1/teams/").json() == error(401, "authentication_failed", BAD_TOKEN)
    assert list(AuditEvent.objects.filter(actor_token=token).values_list("action", "target_id")) == [
        ("api_token.revoked", str(doomed.uuid))
    ]


def test_token_of_another_org_cannot_be_revoked(org, other_org, admin_token):
    _, client = admin_token
    foreign, raw = api_token_for(other_org, "admin", name="Globex CI")

    response = client.delete(f"/api/v1/api-tokens/{foreign.uuid}/")

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None
    assert bearer(raw).get("/api/v1/teams/").status_code == 200


# --- audit log ---------------------------------------------------------------------------------------------


def test_every_api_write_is_audited_as_the_token(acme, admin_token):
    token, client = admin_token
    responder = acme.responder
    client.post("/api/v1/teams/", {"name": "Billing"}, format="json")
    client.patch("/api/v1/teams/billing/", {"description": "Invoices."}, format="json")
    client.post("/api/v1/teams/billing/members/", {"user": str(responder.user.uuid)}, format="json")
    client.delete(f"/api/v1/teams/billing/members/{responder.user.uuid}/")
    client.delete("/api/v1/teams/billing/")
    client.patch(f"/api/v1/members/{responder.uuid}/", {"role": "viewer"}, format="json")
    invitation = client.post("/api/v1/invitations/", {"email": "ivy@acme.test"}, format="json").json()
    client.delete(f"/api/v1/invitations/{invitation['id']}/")
    created = client.post("/api/v1/api-tokens/", {"name": "CI", "role": "viewer"}, format="json").json()
    client.delete(f"/api/v1/api-tokens/{created['id']}/")
    client.delete(f"/api/v1/members/{responder.uuid}/")

    response = client.get("/api/v1/audit-events/?actor=Deploy+bot")

    assert response.status_code == 200
    assert [(e["action"], e["actor"], e["actor_type"], e["ip_address"]) for e in response.json()["results"]] == [
        (action, "API token “Deploy bot”", "api_token", "127.0.0.1")
        for action in [
            "member.removed",
            "api_token.revoked",
            "api_token.created",
            "invitation.revoked",
            "invitation.created",
            "member.role_changed",
            "team.deleted",
            "team.member_removed",
            "team.member_added",
            "team.updated",
            "team.created",
        ]
    ]
    assert AuditEvent.objects.filter(actor_token=token).count() == 11


def test_audit_event_detail_has_the_full_shape(acme, admin_token):
    token, client = admin_token
    client.patch("/api/v1/teams/payments/", {"name": "Payments Core"}, format="json")
    event = AuditEvent.objects.get(actor_token=token)

    response = client.get(f"/api/v1/audit-events/{event.uuid}/")

    assert response.json() == {
        "id": str(event.uuid),
        "occurred_at": iso(event.occurred_at),
        "actor": "API token “Deploy bot”",
        "actor_type": "api_token",
        "action": "team.updated",
        "target_type": "team",
        "target_id": "payments",
        "target_label": "Payments Core",
        "changes": {"name": {"before": "Payments", "after": "Payments Core"}},
        "ip_address": "127.0.0.1",
    }


def test_audit_events_filter_by_action_prefix(org, admin_token):
    _, client = admin_token
    kept = [AuditEventFactory(organization=org, action=a) for a in ("team.created", "team.member_added")]
    for action in ("teamwork.started", "member.added"):
        AuditEventFactory(organization=org, action=action)

    response = client.get("/api/v1/audit-events/?action=team.")

    assert [e["id"] for e in response.json()["results"]] == [str(e.uuid) for e in reversed(kept)]


def test_audit_events_filter_since(org, admin_token):
    token, client = admin_token
    AuditEventFactory(organization=org, occurred_at=datetime(2025, 1, 10, tzinfo=UTC))
    march = AuditEventFactory(organization=org, occurred_at=datetime(2025, 3, 1, tzinfo=UTC))
    token_created = AuditEvent.objects.get(action="api_token.created", target_id=str(token.uuid))

    response = client.get("/api/v1/audit-events/?since=2025-02-01T00:00:00Z")

    assert [e["id"] for e in response.json()["results"]] == [str(token_created.uuid), str(march.uuid)]


def test_audit_events_filter_with_a_bad_date_is_400(org, admin_token):
    _, client = admin_token

    response = client.get("/api/v1/audit-events/?since=yesterday")

    assert response.status_code == 400
    assert response.json() == invalid(since=["Enter a valid date/time."])


def test_audit_log_is_per_org(org, other_org, admin_token):
    _, client = admin_token
    AuditEventFactory(organization=other_org, action="team.created")

    response = client.get("/api/v1/audit-events/")

    assert [e["action"] for e in response.json()["results"]] == ["api_token.created"]


@pytest.mark.parametrize("role", ["responder", "viewer"])
def test_audit_log_needs_an_admin_token(org, api_client_for, role):
    event = AuditEventFactory(organization=org)
    client = api_client_for(org, role)

    answers = [client.get("/api/v1/audit-events/"), client.get(f"/api/v1/audit-events/{event.uuid}/")]

    assert [(r.status_code, r.json()) for r in answers] == [
        (403, error(403, "permission_denied", ADMIN_ONLY.format(role=role)))
    ] * 2


# --- errors and documentation -----------------------------------------------------------------------------


@pytest.mark.parametrize("authenticated", [True, False])
def test_unknown_api_url_is_404_json(org, api_client_for, authenticated):
    client = api_client_for(org, "admin") if authenticated else APIClient()

    response = client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == error(404, "not_found", "Not found.")


def test_unknown_object_is_404_json(org, admin_token):
    _, client = admin_token

    answers = [
        client.get("/api/v1/teams/no-such-team/"),
        client.get("/api/v1/members/00000000-0000-0000-0000-000000000001/"),
        client.get("/api/v1/members/not-a-uuid/"),
        client.delete("/api/v1/invitations/not-a-uuid/"),
    ]

    assert [(r.status_code, r.json()) for r in answers] == [(404, error(404, "not_found", "Not found."))] * 4


def test_body_that_is_not_json_is_415(org, admin_token):
    _, client = admin_token

    response = client.post("/api/v1/teams/", "name=Ops", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 415
    assert response.json() == error(
        415, "unsupported_media_type", 'Unsupported media type "application/x-www-form-urlencoded" in request.'
    )
    assert Team.objects.exists() is False


def test_malformed_json_is_400(org, admin_token):
    _, client = admin_token

    response = client.post("/api/v1/teams/", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json() == error(
        400,
        "parse_error",
        "JSON parse error - Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
    )
    assert Team.objects.exists() is False


def test_openapi_schema_is_public_and_lists_the_orgs_api(db):
    response = Client().get("/api/schema/?format=json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Firebreak API"
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    expected = [
        "/api/v1/api-tokens/",
        "/api/v1/api-tokens/{id}/",
        "/api/v1/audit-events/",
        "/api/v1/audit-events/{id}/",
        "/api/v1/invitations/",
        "/api/v1/invitations/{id}/",
        "/api/v1/members/",
        "/api/v1/members/{id}/",
        "/api/v1/teams/",
        "/api/v1/teams/{slug}/",
        "/api/v1/teams/{slug}/members/",
        "/api/v1/teams/{slug}/members/{user_id}/",
    ]
    assert [p for p in expected if p not in schema["paths"]] == []
    assert sorted(schema["paths"]["/api/v1/teams/{slug}/"]) == ["delete", "get", "patch", "put"]


def test_api_docs_are_public(db):
    response = Client().get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger-ui" in response.content

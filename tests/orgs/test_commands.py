"""Operator commands: bootstrap_org, create_api_token and seed_demo, run through call_command."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError
from django.test import Client
from rest_framework.test import APIClient

from orgs import actions
from orgs.models import (
    ApiToken,
    AuditEvent,
    Invitation,
    Membership,
    MembershipRole,
    Organization,
    OrgCounter,
    Team,
    TeamMembership,
    User,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN_LINE = re.compile(r"fb_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")


def run(*args: str) -> tuple[str, str]:
    """Run a management command; return its (stdout, stderr)."""
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def row_counts() -> dict[str, int]:
    models = [User, Organization, Membership, Team, TeamMembership, Invitation, ApiToken, AuditEvent, OrgCounter]
    return {model.__name__: model.objects.count() for model in models}


def bootstrap(slug: str = "initech", name: str = "Initech", email: str = "Boss@Initech.test", password: str = "pw-1"):
    return run("bootstrap_org", slug, "--name", name, "--owner-email", email, "--owner-password", password)


# --- bootstrap_org ------------------------------------------------------------------------------


def test_bootstrap_org_creates_the_org_and_its_owner():
    out, err = bootstrap()

    user = User.objects.get()
    organization = Organization.objects.get()
    assert out == "Organization initech (Initech) is owned by boss@initech.test\n"
    assert err == ""
    assert (organization.slug, organization.name) == ("initech", "Initech")
    assert user.email == "boss@initech.test"
    assert user.check_password("pw-1") is True
    assert list(Membership.objects.values_list("organization", "user", "role")) == [
        (organization.pk, user.pk, MembershipRole.OWNER)
    ]
    assert list(AuditEvent.objects.order_by("id").values_list("action", "actor_label")) == [
        ("organization.created", "system"),
        ("member.added", "system"),
    ]


def test_bootstrap_org_is_idempotent():
    bootstrap()
    before = row_counts()

    out, _ = bootstrap()

    assert row_counts() == before
    assert out == "Organization initech (Initech) is owned by boss@initech.test\n"


def test_bootstrap_org_is_idempotent_for_a_slug_given_in_capitals():
    bootstrap(slug="Initech")
    before = row_counts()

    bootstrap(slug="Initech")

    assert row_counts() == before
    assert list(Organization.objects.values_list("slug", flat=True)) == ["initech"]


def test_bootstrap_org_renames_and_resets_the_owner_password():
    bootstrap()

    bootstrap(name="Initech Global", password="pw-2")

    assert Organization.objects.get().name == "Initech Global"
    assert User.objects.get().check_password("pw-2") is True
    assert AuditEvent.objects.order_by("id").last().changes == {
        "name": {"before": "Initech", "after": "Initech Global"}
    }


def test_bootstrap_org_makes_an_existing_member_the_owner(org, make_member):
    admin = make_member(org, MembershipRole.ADMIN, email="boss@initech.test")

    bootstrap(slug="acme", name="Acme")

    assert Membership.objects.get(pk=admin.pk).role == MembershipRole.OWNER
    assert AuditEvent.objects.get().changes == {"role": {"before": "admin", "after": "owner"}}


def test_bootstrap_org_adds_a_known_user_as_owner_of_an_existing_org(org, owner):
    UserFactory(email="boss@initech.test")

    bootstrap(slug="acme", name="Acme")

    assert sorted(Membership.objects.filter(organization=org).values_list("user__email", "role")) == [
        ("boss@initech.test", "owner"),
        ("owner@acme.test", "owner"),
    ]


def test_bootstrap_org_with_a_reserved_slug_fails_cleanly():
    with pytest.raises(CommandError) as excinfo:
        bootstrap(slug="admin")

    assert str(excinfo.value) == "“admin” is reserved; choose another."
    assert row_counts() == dict.fromkeys(row_counts(), 0)


# --- create_api_token ---------------------------------------------------------------------------


def test_create_api_token_prints_the_token_alone_on_the_last_line(org):
    out, err = run("create_api_token", "acme", "--name", "Alertmanager")

    token = ApiToken.objects.get()
    last_line = out.splitlines()[-1]
    assert TOKEN_LINE.fullmatch(last_line)
    assert last_line.startswith(f"fb_{token.prefix}_")
    assert err == "Created responder token 'Alertmanager' for acme. It is shown once:\n"
    assert (token.organization, token.name, token.role, token.created_by) == (org, "Alertmanager", "responder", None)
    assert list(AuditEvent.objects.values_list("action", "actor_label")) == [("api_token.created", "system")]


def test_the_printed_token_authenticates_against_the_api(org, other_org):
    out, _ = run("create_api_token", "acme", "--name", "CI", "--role", "admin")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {out.splitlines()[-1]}")
    Team.objects.create(organization=org, name="Payments", slug="payments")
    Team.objects.create(organization=other_org, name="Secret", slug="secret")

    response = client.get("/api/v1/teams/")

    assert response.status_code == 200
    assert [team["slug"] for team in response.json()["results"]] == ["payments"]
    assert actions.api_token_authenticate(raw=out.splitlines()[-1]) == ApiToken.objects.get()


def test_create_api_token_with_role_viewer_makes_a_read_only_token(org):
    out, _ = run("create_api_token", "acme", "--name", "Dashboards", "--role", "viewer")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {out.splitlines()[-1]}")

    read = client.get("/api/v1/teams/")
    write = client.post("/api/v1/teams/", {"name": "Web"}, format="json")

    assert ApiToken.objects.get().role == "viewer"
    assert (read.status_code, write.status_code) == (200, 403)
    assert Team.objects.exists() is False


def test_create_api_token_for_an_unknown_org_fails(org):
    with pytest.raises(CommandError) as excinfo:
        run("create_api_token", "nope", "--name", "CI")

    assert str(excinfo.value) == "No organization with slug 'nope'"
    assert ApiToken.objects.exists() is False


def test_create_api_token_finds_an_org_given_in_capitals(org):
    out, _ = run("create_api_token", "ACME", "--name", "CI")

    assert out == f"{out.splitlines()[-1]}\n"  # the token alone on standard output
    assert ApiToken.objects.get().organization == org


def test_create_api_token_without_a_migrated_database_fails_with_one_line(org, monkeypatch):
    def broken(*args, **kwargs):
        raise DatabaseError("no such table: orgs_organization\nmore detail")

    monkeypatch.setattr(Organization.objects, "filter", broken)

    with pytest.raises(CommandError) as excinfo:
        run("create_api_token", "acme", "--name", "CI")

    assert str(excinfo.value) == (
        "The database is not ready (no such table: orgs_organization): run `make migrate` first"
    )
    assert ApiToken.objects.exists() is False


def test_create_api_token_refuses_an_owner_role(org):
    with pytest.raises(CommandError):
        run("create_api_token", "acme", "--name", "CI", "--role", "owner")

    assert ApiToken.objects.exists() is False


# --- seed_demo ----------------------------------------------------------------------------------


def test_seed_demo_loads_people_of_every_role_and_four_teams():
    out, _ = run("seed_demo")

    organization = Organization.objects.get(slug="demo")
    assert out == "Demo organization 'demo' ready. Sign in as demo@example.com / firebreak-demo\n"
    assert sorted(Membership.objects.filter(organization=organization).values_list("user__email", "role")) == [
        ("alice@example.com", "admin"),
        ("bob@example.com", "responder"),
        ("carmen@example.com", "responder"),
        ("deepak@example.com", "responder"),
        ("demo@example.com", "owner"),
        ("erin@example.com", "viewer"),
    ]
    assert {
        team.name: sorted(team.members.values_list("email", flat=True)) for team in Team.objects.for_org(organization)
    } == {
        "Data": ["deepak@example.com", "erin@example.com"],
        "Payments": ["bob@example.com", "demo@example.com"],
        "Platform": ["alice@example.com", "deepak@example.com"],
        "Web": ["carmen@example.com"],
    }


def test_seed_demo_is_idempotent():
    run("seed_demo")
    before = row_counts()

    run("seed_demo")

    assert row_counts() == before


def test_demo_user_can_sign_in():
    run("seed_demo")
    client = Client()

    response = client.post(
        "/accounts/login/", {"username": "demo@example.com", "password": "firebreak-demo"}, follow=True
    )

    assert response.redirect_chain == [("/", 302), ("/o/demo/", 302)]
    assert response.status_code == 200
    assert int(client.session["_auth_user_id"]) == User.objects.get(email="demo@example.com").pk


def test_seed_demo_leaves_other_orgs_alone(org, owner):
    run("seed_demo")

    assert list(Membership.objects.filter(organization=org).values_list("user__email", flat=True)) == [
        "owner@acme.test"
    ]
    assert Team.objects.for_org(org).exists() is False

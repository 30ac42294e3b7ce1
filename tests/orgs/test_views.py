"""Pages of the orgs app through the Django test client: accounts, members, invitations, teams,
API tokens, the audit log, the role matrix and the audit trail every page write leaves."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from orgs import actions
from orgs.models import (
    ApiToken,
    AuditEvent,
    Invitation,
    Membership,
    MembershipRole,
    Organization,
    Team,
    TeamMembership,
    User,
)
from tests.factories import (
    AuditEventFactory,
    InvitationFactory,
    OrganizationFactory,
    TeamFactory,
    UserFactory,
    api_token_for,
)

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
NEW_PASSWORD = "a-long-enough-passphrase"
IP = "203.0.113.9"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def signed_in_user_id(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None


@pytest.fixture
def admin(org, make_member) -> Membership:
    return make_member(org, MembershipRole.ADMIN, email="admin@acme.test")


@pytest.fixture
def responder(org, make_member) -> Membership:
    return make_member(org, MembershipRole.RESPONDER, email="responder@acme.test")


@pytest.fixture
def viewer(org, make_member) -> Membership:
    return make_member(org, MembershipRole.VIEWER, email="viewer@acme.test")


@pytest.fixture
def payments(org) -> Team:
    return TeamFactory(organization=org, name="Payments", slug="payments", description="Owns checkout.")


# --- platform -----------------------------------------------------------------------------------


def test_healthz_answers_without_login():
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_each_dependency():
    response = Client().get("/readyz")

    expected = {"database": "ok"} | ({"redis": "ok"} if settings.REDIS_URL else {})
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": expected}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_503_when_the_database_fails(monkeypatch):
    class BrokenConnection:
        def cursor(self):
            raise OperationalError("connection refused")

    with monkeypatch.context() as patched:
        patched.setattr("orgs.views.connection", BrokenConnection())
        response = Client().get("/readyz")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["database"] == "error: OperationalError"


def test_readyz_is_503_when_redis_is_configured_but_down(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = Client().get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "redis": "error: ConnectionError"},
    }


# --- signing in ---------------------------------------------------------------------------------


def test_login_with_email_and_password_lands_on_the_first_org_dashboard(owner, make_member):
    make_member(OrganizationFactory(name="Zeta", slug="zeta"), MembershipRole.VIEWER, email="owner@acme.test")
    client = Client()

    response = client.post("/accounts/login/", {"username": "owner@acme.test", "password": PASSWORD}, follow=True)

    assert response.redirect_chain == [("/", 302), ("/o/acme/", 302)]
    assert response.status_code == 200
    assert signed_in_user_id(client) == owner.user.pk


def test_login_ignores_the_case_of_the_email(owner):
    client = Client()

    response = client.post("/accounts/login/", {"username": "Owner@ACME.test", "password": PASSWORD})

    assert response.status_code == 302
    assert signed_in_user_id(client) == owner.user.pk


def test_login_with_a_wrong_password_shows_an_error_and_stays(owner):
    client = Client()

    response = client.post("/accounts/login/", {"username": "owner@acme.test", "password": "nope-nope-nope"})

    assert response.status_code == 200
    assert "The email or password is not right. Try again." in response.content.decode()
    assert signed_in_user_id(client) is None


def test_sign_ins_and_refused_attempts_are_in_the_audit_log_of_each_of_the_accounts_orgs(owner, make_member, other_org):
    zeta = OrganizationFactory(name="Zeta", slug="zeta")
    make_member(zeta, MembershipRole.VIEWER, email="owner@acme.test")

    Client().post("/accounts/login/", {"username": "owner@acme.test", "password": "nope-nope-nope"})
    Client().post("/accounts/login/", {"username": "Owner@Acme.test", "password": PASSWORD})
    Client().post("/accounts/login/", {"username": "nobody@acme.test", "password": "guess-guess-1"})

    def log(org):
        events = AuditEvent.objects.for_org(org).filter(action__startswith="user.sign").order_by("pk")
        return [(e.action, e.actor_label, e.target_label, e.ip_address) for e in events]

    expected = [
        ("user.sign_in_failed", "someone not signed in", "owner@acme.test", "127.0.0.1"),
        ("user.signed_in", "owner@acme.test", "owner@acme.test", "127.0.0.1"),
    ]
    assert log(owner.organization) == expected
    assert log(zeta) == expected
    assert log(other_org) == []  # not the account's org; and an unknown email records nothing anywhere
    assert AuditEvent.objects.filter(target_label="nobody@acme.test").exists() is False


def test_login_follows_next(owner):
    response = Client().post(
        "/accounts/login/", {"username": "owner@acme.test", "password": PASSWORD, "next": "/o/acme/teams/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/o/acme/teams/"


@pytest.mark.parametrize("path", ["/o/acme/", "/o/acme/members/", "/o/no-such-org/teams/", "/"])
def test_anonymous_pages_redirect_to_login(org, path):
    response = Client().get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_home_without_any_org_offers_to_create_one():
    user = UserFactory()
    client = Client()
    client.force_login(user)

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/orgs/new/"


# --- sign-up ------------------------------------------------------------------------------------


def test_signup_creates_user_org_and_owner_and_signs_in():
    client = Client()

    response = client.post(
        "/accounts/signup/",
        {
            "full_name": "Dana Scully",
            "email": "Dana@Initech.test",
            "password": NEW_PASSWORD,
            "org_name": "Initech",
            "org_slug": "",
        },
        follow=True,
    )

    user = User.objects.get(email="dana@initech.test")
    organization = Organization.objects.get(slug="initech")
    assert response.redirect_chain == [("/", 302), ("/o/initech/", 302)]
    assert Membership.objects.get(organization=organization).user == user
    assert Membership.objects.get(organization=organization).role == MembershipRole.OWNER
    assert signed_in_user_id(client) == user.pk
    assert "Welcome to Firebreak. Your organization is ready." in response.content.decode()


def test_signup_with_a_taken_email_shows_the_error_and_creates_nothing(owner):
    client = Client()

    response = client.post(
        "/accounts/signup/",
        {
            "full_name": "Copy Cat",
            "email": "owner@acme.test",
            "password": NEW_PASSWORD,
            "org_name": "Copycat",
            "org_slug": "copycat",
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {"email": ["An account with this email already exists. Sign in instead."]}
    assert "An account with this email already exists. Sign in instead." in response.content.decode()
    assert list(User.objects.values_list("email", flat=True)) == ["owner@acme.test"]
    assert Organization.objects.filter(slug="copycat").exists() is False
    assert signed_in_user_id(client) is None


def test_signup_with_a_weak_password_creates_nothing():
    response = Client().post(
        "/accounts/signup/",
        {"full_name": "Weak", "email": "weak@initech.test", "password": "12345", "org_name": "Initech", "org_slug": ""},
    )

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["password"]
    assert "This password is too short. It must contain at least 10 characters." in response.content.decode()
    assert User.objects.exists() is False
    assert Organization.objects.exists() is False


def test_signup_with_a_taken_org_address_creates_nothing(org):
    response = Client().post(
        "/accounts/signup/",
        {
            "full_name": "Dup",
            "email": "dup@initech.test",
            "password": NEW_PASSWORD,
            "org_name": "X",
            "org_slug": "acme",
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {"org_slug": ["An organization with the address “acme” already exists."]}
    assert User.objects.filter(email="dup@initech.test").exists() is False


def test_create_another_organization(owner, member_client):
    response = member_client.post("/orgs/new/", {"name": "Initrode", "slug": ""})

    assert response.status_code == 302
    assert response["Location"] == "/o/initrode/members/"
    assert Membership.objects.get(organization__slug="initrode").user == owner.user


def test_create_organization_with_a_reserved_address_is_rejected(owner, member_client):
    response = member_client.post("/orgs/new/", {"name": "Admin", "slug": "admin"})

    assert response.status_code == 400
    assert response.context["form"].errors == {"slug": ["“admin” is reserved; choose another."]}
    assert list(Organization.objects.values_list("slug", flat=True)) == ["acme"]


# --- members and invitations --------------------------------------------------------------------


def test_admin_invites_someone(org, admin, client_for, enqueued, django_capture_on_commit_callbacks):
    client = client_for(admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/o/acme/members/invite/", {"email": "New@Example.test", "role": "responder"})

    invitation = Invitation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == "/o/acme/members/"
    assert messages_of(response) == ["Invitation sent to new@example.test."]
    assert (invitation.organization, invitation.email, invitation.role, invitation.invited_by) == (
        org,
        "new@example.test",
        "responder",
        admin.user,
    )
    assert enqueued.calls == [("orgs.tasks.invitation_send", (invitation.pk,), {})]
    page = client.get("/o/acme/members/")
    assert list(page.context["invitations"]) == [invitation]
    assert "new@example.test" in page.content.decode()


def test_responder_cannot_invite(responder, client_for, enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(responder).post(
            "/o/acme/members/invite/", {"email": "new@example.test", "role": "viewer"}
        )

    assert response.status_code == 403
    assert Invitation.objects.exists() is False
    assert AuditEvent.objects.exists() is False
    assert enqueued.calls == []


def test_admin_cannot_invite_an_owner(admin, client_for, enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post("/o/acme/members/invite/", {"email": "boss@example.test", "role": "owner"})

    assert response.status_code == 400
    assert list(response.context["invite_form"].errors) == ["role"]
    assert Invitation.objects.exists() is False
    assert enqueued.calls == []


def test_inviting_an_existing_member_shows_the_error(admin, responder, client_for, enqueued):
    response = client_for(admin).post("/o/acme/members/invite/", {"email": "responder@acme.test", "role": "viewer"})

    assert response.status_code == 400
    assert response.context["invite_form"].errors == {"email": ["responder@acme.test is already a member of Acme."]}
    assert Invitation.objects.exists() is False
    assert enqueued.calls == []


def test_viewer_sees_members_but_no_management(viewer, responder, client_for):
    response = client_for(viewer).get("/o/acme/members/")

    content = response.content.decode()
    assert response.status_code == 200
    assert sorted(m.user.email for m in response.context["memberships"]) == [
        "responder@acme.test",
        "viewer@acme.test",
    ]
    assert "Invite someone" not in content
    assert "Pending invitations" not in content
    assert "/remove/" not in content


def test_admin_changes_a_role(admin, responder, client_for):
    response = client_for(admin).post(f"/o/acme/members/{responder.uuid}/role/", {"role": "viewer"})

    assert response.status_code == 302
    assert Membership.objects.get(pk=responder.pk).role == MembershipRole.VIEWER
    assert messages_of(response) == [f"{responder.user.display_name} is now viewer."]


def test_owner_can_grant_owner(owner, responder, member_client):
    member_client.post(f"/o/acme/members/{responder.uuid}/role/", {"role": "owner"})

    assert Membership.objects.get(pk=responder.pk).role == MembershipRole.OWNER


@pytest.mark.parametrize(
    ("target", "new_role"),
    [("responder", "owner"), ("owner", "admin"), ("owner", "viewer")],
    ids=["grant-owner", "demote-owner-to-admin", "demote-owner-to-viewer"],
)
def test_admin_cannot_grant_or_change_the_owner_role(request, admin, client_for, target, new_role):
    membership = request.getfixturevalue(target)
    before = membership.role

    response = client_for(admin).post(f"/o/acme/members/{membership.uuid}/role/", {"role": new_role})

    assert response.status_code == 302
    assert messages_of(response) == ["Only owners can grant, change or remove the owner role."]
    assert Membership.objects.get(pk=membership.pk).role == before
    assert AuditEvent.objects.exists() is False


def test_role_change_to_an_unknown_role_is_refused(admin, responder, client_for):
    response = client_for(admin).post(f"/o/acme/members/{responder.uuid}/role/", {"role": "god"})

    assert messages_of(response) == ["Choose a valid role."]
    assert Membership.objects.get(pk=responder.pk).role == MembershipRole.RESPONDER


def test_last_owner_cannot_step_down(owner, member_client):
    response = member_client.post(f"/o/acme/members/{owner.uuid}/role/", {"role": "admin"})

    assert messages_of(response) == ["This is the last owner. Make someone else an owner first."]
    assert Membership.objects.get(pk=owner.pk).role == MembershipRole.OWNER


def test_last_owner_cannot_remove_themselves(owner, member_client):
    response = member_client.post(f"/o/acme/members/{owner.uuid}/remove/")

    assert response.status_code == 302
    assert response["Location"] == "/o/acme/members/"
    assert messages_of(response) == ["This is the last owner of the organization and cannot be removed."]
    assert Membership.objects.filter(pk=owner.pk).exists() is True
    assert AuditEvent.objects.exists() is False


@pytest.mark.parametrize("method", ["get", "post"])
def test_admin_cannot_remove_an_owner(owner, admin, client_for, method):
    response = getattr(client_for(admin), method)(f"/o/acme/members/{owner.uuid}/remove/")

    assert response.status_code == 302
    assert response["Location"] == "/o/acme/members/"
    assert messages_of(response) == ["Only owners can remove an owner."]
    assert AuditEvent.objects.exists() is False

    assert Membership.objects.filter(pk=owner.pk).exists() is True


def test_remove_asks_for_confirmation_then_removes(admin, responder, payments, client_for):
    TeamMembership.objects.create(organization=payments.organization, team=payments, user=responder.user)
    client = client_for(admin)

    confirm = client.get(f"/o/acme/members/{responder.uuid}/remove/")
    assert confirm.status_code == 200
    assert f"Remove {responder.user.display_name}?" in confirm.content.decode()
    assert "Remove member" in confirm.content.decode()
    assert Membership.objects.filter(pk=responder.pk).exists() is True

    response = client.post(f"/o/acme/members/{responder.uuid}/remove/")

    assert response.status_code == 302
    assert response["Location"] == "/o/acme/members/"
    assert messages_of(response) == [f"{responder.user.display_name} was removed from Acme."]
    assert Membership.objects.filter(pk=responder.pk).exists() is False
    assert TeamMembership.objects.exists() is False


def test_an_admin_who_removes_themselves_lands_on_home(admin, client_for):
    response = client_for(admin).post(f"/o/acme/members/{admin.uuid}/remove/")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert Membership.objects.filter(pk=admin.pk).exists() is False


def test_admin_revokes_an_invitation(org, admin, client_for):
    invitation = InvitationFactory(organization=org, email="new@example.test")

    response = client_for(admin).post(f"/o/acme/invitations/{invitation.uuid}/revoke/")

    assert response.status_code == 302
    assert messages_of(response) == ["Invitation for new@example.test revoked."]
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is not None


# --- accepting an invitation --------------------------------------------------------------------


def invitation_path(invitation: Invitation) -> str:
    return f"/invitations/{actions.invitation_signed_token(invitation)}/"


def test_invitation_for_a_new_address_shows_a_signup_form(org):
    invitation = InvitationFactory(organization=org, email="new@example.test", role=MembershipRole.ADMIN)

    response = Client().get(invitation_path(invitation))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Join Acme" in content
    assert "Create account and join" in content
    assert list(response.context["form"].fields) == ["full_name", "password"]


def test_invitation_signup_creates_the_account_joins_and_signs_in(org):
    invitation = InvitationFactory(organization=org, email="new@example.test", role=MembershipRole.ADMIN)
    client = Client()

    response = client.post(invitation_path(invitation), {"full_name": "New Person", "password": NEW_PASSWORD})

    user = User.objects.get(email="new@example.test")
    assert response.status_code == 302
    assert response["Location"] == "/o/acme/"
    assert messages_of(response) == ["You joined Acme."]
    assert (user.full_name, user.check_password(NEW_PASSWORD)) == ("New Person", True)
    assert Membership.objects.get(user=user).organization == org
    assert Membership.objects.get(user=user).role == MembershipRole.ADMIN
    assert signed_in_user_id(client) == user.pk
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is not None


def test_invitation_signup_with_a_weak_password_creates_nothing(org):
    invitation = InvitationFactory(organization=org, email="new@example.test")

    response = Client().post(invitation_path(invitation), {"full_name": "New Person", "password": "12345"})

    assert response.status_code == 400
    assert User.objects.filter(email="new@example.test").exists() is False
    assert Invitation.objects.get(pk=invitation.pk).is_pending is True


def test_invitation_for_a_known_address_asks_to_sign_in(org, other_member):
    invitation = InvitationFactory(organization=org, email="owner@globex.test")
    path = invitation_path(invitation)
    client = Client()

    page = client.get(path)
    post = client.post(path, {"full_name": "Someone", "password": NEW_PASSWORD})

    assert page.status_code == 200
    assert "You already have an account. Sign in to accept." in page.content.decode()
    assert f'href="/accounts/login/?next={path.replace(":", "%3A")}"' in page.content.decode()
    assert post.status_code == 400
    assert Membership.objects.filter(organization=org).exists() is False
    assert signed_in_user_id(client) is None


def test_signed_in_invitee_joins_with_one_post(org, other_member, client_for):
    invitation = InvitationFactory(organization=org, email="owner@globex.test", role=MembershipRole.VIEWER)
    client = client_for(other_member)

    page = client.get(invitation_path(invitation))
    response = client.post(invitation_path(invitation))

    assert "Join Acme" in page.content.decode()
    assert response.status_code == 302
    assert response["Location"] == "/o/acme/"
    assert Membership.objects.get(organization=org, user=other_member.user).role == MembershipRole.VIEWER
    assert client.get("/o/acme/").status_code == 200


def test_signed_in_user_with_another_email_cannot_accept(org, owner, member_client):
    invitation = InvitationFactory(organization=OrganizationFactory(name="Initrode", slug="initrode"))

    page = member_client.get(invitation_path(invitation))
    response = member_client.post(invitation_path(invitation))

    assert "You are signed in as owner@acme.test" in page.content.decode()
    assert response.status_code == 400
    assert f"This invitation was sent to {invitation.email}. Sign in with that address." in response.content.decode()
    assert Membership.objects.filter(organization=invitation.organization).exists() is False
    assert Invitation.objects.get(pk=invitation.pk).is_pending is True


@pytest.mark.parametrize(
    ("make_path", "error"),
    [
        (lambda inv: invitation_path(inv)[:-3] + "xx/", "This invitation link is not valid."),
        (lambda inv: "/invitations/garbage/", "This invitation link is not valid."),
    ],
    ids=["tampered", "garbage"],
)
def test_a_tampered_invitation_link_shows_the_invalid_page(org, make_path, error):
    invitation = InvitationFactory(organization=org)

    for method in ("get", "post"):
        response = getattr(Client(), method)(make_path(invitation))
        assert response.status_code == 400
        assert "Invitation not valid" in response.content.decode()
        assert error in response.content.decode()

    assert User.objects.exists() is False
    assert Invitation.objects.get(pk=invitation.pk).is_pending is True


@pytest.mark.parametrize(
    ("field", "error"),
    [("accepted_at", "This invitation has already been used."), ("revoked_at", "This invitation has been revoked.")],
)
def test_a_closed_invitation_link_shows_why(org, field, error):
    invitation = InvitationFactory(organization=org, **{field: timezone.now()})

    response = Client().get(invitation_path(invitation))

    assert response.status_code == 400
    assert error in response.content.decode()


# --- teams --------------------------------------------------------------------------------------


def test_team_list_empty_state(admin, viewer, client_for):
    for membership, body in [
        (admin, "Create the first team"),
        (viewer, "An admin of this organization can create teams."),
    ]:
        response = client_for(membership).get("/o/acme/teams/")
        assert response.status_code == 200
        assert "No teams yet" in response.content.decode()
        assert body in response.content.decode()


def test_team_list_search_filters_by_name(org, other_org, viewer, client_for):
    for name in ["Payments", "Platform", "Web"]:
        TeamFactory(organization=org, name=name, slug=name.lower())
    TeamFactory(organization=other_org, name="Pay Secret", slug="pay-secret")
    client = client_for(viewer)

    everything = client.get("/o/acme/teams/")
    searched = client.get("/o/acme/teams/", {"q": "PAY"})
    nothing = client.get("/o/acme/teams/", {"q": "zzz"})

    assert [t.name for t in everything.context["page"]] == ["Payments", "Platform", "Web"]
    assert [t.name for t in searched.context["page"]] == ["Payments"]
    assert "Pay Secret" not in searched.content.decode()
    assert list(nothing.context["page"]) == []
    assert "No team matches “zzz”" in nothing.content.decode()


def test_viewer_sees_no_team_management(payments, viewer, client_for):
    client = client_for(viewer)

    listing = client.get("/o/acme/teams/").content.decode()
    detail = client.get("/o/acme/teams/payments/").content.decode()

    assert "New team" not in listing
    assert "/o/acme/teams/new/" not in listing
    assert "/o/acme/teams/payments/edit/" not in detail
    assert "/o/acme/teams/payments/delete/" not in detail
    assert "Add to team" not in detail


def test_admin_sees_the_new_team_button(payments, admin, client_for):
    listing = client_for(admin).get("/o/acme/teams/").content.decode()

    assert '<a class="btn btn-primary" href="/o/acme/teams/new/">New team</a>' in listing


def test_admin_creates_a_team(org, admin, client_for):
    client = client_for(admin)

    form = client.get("/o/acme/teams/new/")
    response = client.post("/o/acme/teams/new/", {"name": "Payments Core", "chat_channel": "#payments"})

    team = Team.objects.get()
    assert form.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == "/o/acme/teams/payments-core/"
    assert (team.organization, team.name, team.slug, team.chat_channel) == (
        org,
        "Payments Core",
        "payments-core",
        "#payments",
    )


def test_creating_a_duplicate_team_shows_the_error(payments, admin, client_for):
    response = client_for(admin).post("/o/acme/teams/new/", {"name": "payments"})

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "slug": ["A team with the slug “payments” already exists."],
        "name": ["A team named “payments” already exists."],
    }
    assert Team.objects.count() == 1


def test_a_team_cannot_take_the_address_of_the_create_page(admin, client_for):
    response = client_for(admin).post("/o/acme/teams/new/", {"name": "New"})

    assert response.status_code == 400
    assert response.context["form"].errors == {"slug": ["“new” is reserved; choose another."]}
    assert Team.objects.exists() is False


def test_responder_cannot_create_a_team(responder, client_for):
    client = client_for(responder)

    assert client.get("/o/acme/teams/new/").status_code == 403
    assert client.post("/o/acme/teams/new/", {"name": "Payments"}).status_code == 403
    assert Team.objects.exists() is False
    assert AuditEvent.objects.exists() is False


def test_team_detail_shows_its_members(payments, admin, responder, viewer, client_for):
    TeamMembership.objects.create(organization=payments.organization, team=payments, user=responder.user)

    response = client_for(viewer).get("/o/acme/teams/payments/")

    assert response.status_code == 200
    assert response.context["members"] == [responder.user]
    assert "responder@acme.test" in response.content.decode()
    assert "Owns checkout." in response.content.decode()


def test_team_detail_offers_only_org_members_not_yet_in_the_team(
    payments, admin, responder, viewer, other_member, client_for
):
    TeamMembership.objects.create(organization=payments.organization, team=payments, user=responder.user)

    response = client_for(admin).get("/o/acme/teams/payments/")

    offered = [label for _, label in response.context["member_form"].fields["user"].choices]
    assert sorted(offered) == sorted([f"{m.user.display_name} ({m.user.email})" for m in (admin, viewer)])


def test_admin_edits_a_team(payments, admin, client_for):
    client = client_for(admin)

    form = client.get("/o/acme/teams/payments/edit/")
    response = client.post(
        "/o/acme/teams/payments/edit/", {"name": "Payments", "slug": "pay", "description": "Owns billing."}
    )

    payments.refresh_from_db()
    assert form.status_code == 200
    assert form.context["form"].initial["description"] == "Owns checkout."
    assert response.status_code == 302
    assert response["Location"] == "/o/acme/teams/pay/"
    assert (payments.slug, payments.description) == ("pay", "Owns billing.")
    assert AuditEvent.objects.get().changes == {
        "slug": {"before": "payments", "after": "pay"},
        "description": {"before": "Owns checkout.", "after": "Owns billing."},
    }


def test_editing_a_team_with_an_empty_slug_keeps_the_slug(payments, admin, client_for):
    response = client_for(admin).post("/o/acme/teams/payments/edit/", {"name": "Payments Team", "slug": ""})

    payments.refresh_from_db()
    assert response["Location"] == "/o/acme/teams/payments/"
    assert (payments.name, payments.slug) == ("Payments Team", "payments")


def test_editing_a_team_to_a_taken_name_shows_the_error(org, payments, admin, client_for):
    TeamFactory(organization=org, name="Platform", slug="platform")

    response = client_for(admin).post("/o/acme/teams/payments/edit/", {"name": "Platform"})

    assert response.status_code == 400
    assert response.context["form"].errors == {"name": ["A team named “Platform” already exists."]}
    assert Team.objects.get(pk=payments.pk).name == "Payments"


def test_admin_deletes_a_team_after_confirming(payments, admin, responder, client_for):
    TeamMembership.objects.create(organization=payments.organization, team=payments, user=responder.user)
    client = client_for(admin)

    confirm = client.get("/o/acme/teams/payments/delete/")
    assert confirm.status_code == 200
    assert "Delete team Payments?" in confirm.content.decode()
    assert "The team and its 1 memberships are deleted." in confirm.content.decode()
    assert Team.objects.filter(pk=payments.pk).exists() is True

    response = client.post("/o/acme/teams/payments/delete/")

    assert response.status_code == 302
    assert response["Location"] == "/o/acme/teams/"
    assert Team.objects.exists() is False
    assert TeamMembership.objects.exists() is False
    assert Membership.objects.filter(pk=responder.pk).exists() is True


def test_admin_adds_and_removes_a_team_member(payments, admin, responder, client_for):
    client = client_for(admin)

    added = client.post("/o/acme/teams/payments/members/add/", {"user": str(responder.user.uuid)})
    assert added.status_code == 302
    assert added["Location"] == "/o/acme/teams/payments/"
    assert list(TeamMembership.objects.values_list("team", "user")) == [(payments.pk, responder.user.pk)]

    removed = client.post(f"/o/acme/teams/payments/members/{responder.user.uuid}/remove/")
    assert removed.status_code == 302
    assert TeamMembership.objects.exists() is False
    assert [e.action for e in AuditEvent.objects.order_by("id")] == ["team.member_added", "team.member_removed"]


@pytest.mark.parametrize("who", ["other-org-member", "stranger", "not-a-uuid", "empty"])
def test_a_person_outside_the_org_cannot_be_added_to_a_team(payments, admin, other_member, client_for, who):
    user = {
        "other-org-member": str(other_member.user.uuid),
        "stranger": str(UserFactory().uuid),
        "not-a-uuid": "not-a-uuid",
        "empty": "",
    }[who]

    response = client_for(admin).post("/o/acme/teams/payments/members/add/", {"user": user})

    assert response.status_code == 302
    assert response["Location"] == "/o/acme/teams/payments/"
    assert messages_of(response) == ["Choose a member of this organization."]
    assert TeamMembership.objects.exists() is False
    assert AuditEvent.objects.exists() is False


# --- API tokens ---------------------------------------------------------------------------------


def test_admin_creates_a_token_and_sees_the_secret_once(org, admin, client_for):
    client = client_for(admin)

    form = client.get("/o/acme/tokens/new/")
    posted = client.post("/o/acme/tokens/new/", {"name": "Alertmanager", "role": "responder"})
    created = client.get(posted["Location"])
    refreshed = client.get(posted["Location"])

    token = ApiToken.objects.get()
    secret = created.context["secret"]
    assert form.status_code == 200
    assert (posted.status_code, posted["Location"]) == (303, f"/o/acme/tokens/{token.uuid}/created/")
    assert created.status_code == 200
    assert "no-store" in created["Cache-Control"].split(", ")
    assert created.content.decode().count(secret) == 2  # the box and the curl example
    assert refreshed.context["secret"] is None
    assert secret not in refreshed.content.decode()
    assert "The token was already shown." in refreshed.content.decode()
    assert ApiToken.objects.count() == 1
    assert actions.api_token_authenticate(raw=secret) == token
    assert (token.organization, token.name, token.role, token.created_by) == (
        org,
        "Alertmanager",
        "responder",
        admin.user,
    )

    listing = client.get("/o/acme/tokens/")

    assert listing.status_code == 200
    assert secret not in listing.content.decode()
    assert f"fb_{token.prefix}_…" in listing.content.decode()


def test_token_with_an_expiry_in_the_past_is_refused(admin, client_for):
    response = client_for(admin).post(
        "/o/acme/tokens/new/", {"name": "Old", "role": "viewer", "expires_at": "2001-01-01 00:00"}
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {"expires_at": ["The expiry must be in the future."]}
    assert ApiToken.objects.exists() is False


def test_admin_revokes_a_token_after_confirming(org, admin, client_for):
    token, raw = api_token_for(org, "admin", name="Terraform")
    client = client_for(admin)

    confirm = client.get(f"/o/acme/tokens/{token.uuid}/revoke/")
    assert confirm.status_code == 200
    assert "Revoke token “Terraform”?" in confirm.content.decode()
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None

    response = client.post(f"/o/acme/tokens/{token.uuid}/revoke/")

    assert response.status_code == 302
    assert response["Location"] == "/o/acme/tokens/"
    assert messages_of(response) == ["Token “Terraform” revoked. Requests using it now get 401."]
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert actions.api_token_authenticate(raw=raw) is None
    assert "revoked" in client.get("/o/acme/tokens/").content.decode()


def test_responder_cannot_use_the_token_pages(org, responder, client_for):
    token, _ = api_token_for(org, "admin")
    client = client_for(responder)

    statuses = [
        client.get("/o/acme/tokens/").status_code,
        client.get("/o/acme/tokens/new/").status_code,
        client.post("/o/acme/tokens/new/", {"name": "Mine", "role": "admin"}).status_code,
        client.get(f"/o/acme/tokens/{token.uuid}/revoke/").status_code,
        client.post(f"/o/acme/tokens/{token.uuid}/revoke/").status_code,
    ]

    assert statuses == [403, 403, 403, 403, 403]
    assert list(ApiToken.objects.all()) == [token]
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


# --- audit log ----------------------------------------------------------------------------------


def test_admin_sees_the_org_audit_events(org, other_org, admin, client_for):
    AuditEventFactory(organization=org, action="team.created", target_label="Payments")
    AuditEventFactory(organization=other_org, action="team.created", target_label="Secret")

    response = client_for(admin).get("/o/acme/audit/")

    assert response.status_code == 200
    assert [e.target_label for e in response.context["page"]] == ["Payments"]
    assert "Secret" not in response.content.decode()


def test_audit_log_filters_by_action_and_date(org, admin, client_for):
    def at(day: int) -> datetime:
        return datetime(2025, 3, day, 12, 0, tzinfo=UTC)

    AuditEventFactory(organization=org, action="team.created", target_label="A", occurred_at=at(1))
    AuditEventFactory(organization=org, action="team.updated", target_label="B", occurred_at=at(2))
    AuditEventFactory(organization=org, action="member.added", target_label="C", occurred_at=at(3))
    AuditEventFactory(organization=org, action="team.deleted", target_label="D", occurred_at=at(4))
    client = client_for(admin)

    def labels(**query: str) -> list[str]:
        return [e.target_label for e in client.get("/o/acme/audit/", query).context["page"]]

    assert labels() == ["D", "C", "B", "A"]
    assert labels(action="team.updated") == ["B"]
    assert labels(action="team") == ["D", "B", "A"]
    assert labels(since="2025-03-02", until="2025-03-03") == ["C", "B"]
    assert labels(action="team", since="2025-03-02") == ["D", "B"]
    assert labels(until="2025-02-28") == []


def test_audit_log_paginates_by_fifty(org, admin, client_for):
    base = timezone.now() - timedelta(days=1)
    for i in range(51):
        AuditEventFactory(organization=org, target_label=f"event {i}", occurred_at=base + timedelta(seconds=i))
    client = client_for(admin)

    first = client.get("/o/acme/audit/")
    second = client.get("/o/acme/audit/", {"page": 2})

    assert len(first.context["page"].object_list) == 50
    assert "Page 1 of 2 · 51 total" in first.content.decode()
    assert 'href="?page=2"' in first.content.decode()
    assert [e.target_label for e in second.context["page"]] == ["event 0"]


def test_audit_log_pagination_keeps_the_filter(org, admin, client_for):
    for i in range(51):
        AuditEventFactory(organization=org, action="team.created", target_label=f"t{i}")
    AuditEventFactory(organization=org, action="member.added")

    response = client_for(admin).get("/o/acme/audit/", {"action": "team.created"})

    assert response.context["page"].paginator.count == 51
    assert 'href="?action=team.created&amp;page=2"' in response.content.decode()


def test_responder_cannot_read_the_audit_log(org, responder, client_for):
    AuditEventFactory(organization=org)

    assert client_for(responder).get("/o/acme/audit/").status_code == 403


# --- role matrix --------------------------------------------------------------------------------

ROLES = ("viewer", "responder", "admin", "owner")


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # formatted with the `world` ids
    data: dict
    # Expected status for viewer, responder, admin, owner.
    expected: tuple[int, int, int, int]


ENDPOINTS = [
    Endpoint("dashboard", "GET", "/o/acme/", {}, (200, 200, 200, 200)),
    Endpoint("organization-settings", "GET", "/o/acme/settings/", {}, (403, 403, 200, 200)),
    Endpoint("member-list", "GET", "/o/acme/members/", {}, (200, 200, 200, 200)),
    Endpoint("invitation-create", "POST", "/o/acme/members/invite/", {"email": "x@example.test", "role": "viewer"},
             (403, 403, 302, 302)),
    Endpoint("member-role-change", "POST", "/o/acme/members/{target}/role/", {"role": "viewer"}, (403, 403, 302, 302)),
    Endpoint("member-remove-confirm", "GET", "/o/acme/members/{target}/remove/", {}, (403, 403, 200, 200)),
    Endpoint("member-remove", "POST", "/o/acme/members/{target}/remove/", {}, (403, 403, 302, 302)),
    Endpoint("invitation-revoke", "POST", "/o/acme/invitations/{invitation}/revoke/", {}, (403, 403, 302, 302)),
    Endpoint("team-list", "GET", "/o/acme/teams/", {}, (200, 200, 200, 200)),
    Endpoint("team-create-form", "GET", "/o/acme/teams/new/", {}, (403, 403, 200, 200)),
    Endpoint("team-create", "POST", "/o/acme/teams/new/", {"name": "Web"}, (403, 403, 302, 302)),
    Endpoint("team-detail", "GET", "/o/acme/teams/payments/", {}, (200, 200, 200, 200)),
    Endpoint("team-update-form", "GET", "/o/acme/teams/payments/edit/", {}, (403, 403, 200, 200)),
    Endpoint("team-update", "POST", "/o/acme/teams/payments/edit/", {"name": "Payments", "description": "New."},
             (403, 403, 302, 302)),
    Endpoint("team-delete-confirm", "GET", "/o/acme/teams/payments/delete/", {}, (403, 403, 200, 200)),
    Endpoint("team-delete", "POST", "/o/acme/teams/payments/delete/", {}, (403, 403, 302, 302)),
    Endpoint("team-member-add", "POST", "/o/acme/teams/payments/members/add/", {"user": "{candidate_user}"},
             (403, 403, 302, 302)),
    Endpoint("team-member-remove", "POST", "/o/acme/teams/payments/members/{target_user}/remove/", {},
             (403, 403, 302, 302)),
    Endpoint("api-token-list", "GET", "/o/acme/tokens/", {}, (403, 403, 200, 200)),
    Endpoint("api-token-create-form", "GET", "/o/acme/tokens/new/", {}, (403, 403, 200, 200)),
    Endpoint("api-token-create", "POST", "/o/acme/tokens/new/", {"name": "CI", "role": "viewer"},
             (403, 403, 303, 303)),
    Endpoint("api-token-created", "GET", "/o/acme/tokens/{token}/created/", {}, (403, 403, 200, 200)),
    Endpoint("api-token-revoke-confirm", "GET", "/o/acme/tokens/{token}/revoke/", {}, (403, 403, 200, 200)),
    Endpoint("api-token-revoke", "POST", "/o/acme/tokens/{token}/revoke/", {}, (403, 403, 302, 302)),
    Endpoint("audit-event-list", "GET", "/o/acme/audit/", {}, (403, 403, 200, 200)),
]  # fmt: skip


@pytest.fixture
def world(org, owner, make_member) -> dict[str, str]:
    """One of everything in Acme that the pages act on, keyed by the placeholders of ENDPOINTS."""
    target = make_member(org, MembershipRole.RESPONDER, email="target@acme.test")
    candidate = make_member(org, MembershipRole.RESPONDER, email="candidate@acme.test")
    team = TeamFactory(organization=org, name="Payments", slug="payments")
    TeamMembership.objects.create(organization=org, team=team, user=target.user)
    invitation = InvitationFactory(organization=org, email="invitee@example.test")
    token, _ = api_token_for(org, "admin", name="Terraform")
    AuditEvent.objects.all().delete()
    return {
        "target": str(target.uuid),
        "target_user": str(target.user.uuid),
        "candidate_user": str(candidate.user.uuid),
        "invitation": str(invitation.uuid),
        "token": str(token.uuid),
    }


def request_endpoint(client: Client, endpoint: Endpoint, world: dict[str, str], **extra: str):
    path = endpoint.path.format(**world)
    data = {key: value.format(**world) for key, value in endpoint.data.items()}
    if endpoint.method == "GET":
        return client.get(path, **extra)
    return client.post(path, data, **extra)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_role_matrix(endpoint, role, world, org, owner, make_member, client_for, enqueued):
    membership = owner if role == "owner" else make_member(org, role, email=f"{role}-actor@acme.test")

    response = request_endpoint(client_for(membership), endpoint, world)

    expected = endpoint.expected[ROLES.index(role)]
    assert response.status_code == expected
    if expected == 403:
        assert AuditEvent.objects.exists() is False
        assert enqueued.calls == []


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_a_member_of_another_org_gets_404_everywhere(endpoint, world, other_member, client_for, enqueued):
    response = request_endpoint(client_for(other_member), endpoint, world)

    assert response.status_code == 404
    assert AuditEvent.objects.exists() is False
    assert enqueued.calls == []


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_anonymous_requests_go_to_login(endpoint, world):
    response = request_endpoint(Client(), endpoint, world)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert AuditEvent.objects.exists() is False


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/o/acme/teams/{team}/"),
        ("get", "/o/acme/teams/{team}/edit/"),
        ("post", "/o/acme/teams/{team}/edit/"),
        ("post", "/o/acme/teams/{team}/delete/"),
        ("post", "/o/acme/teams/{team}/members/add/"),
        ("post", "/o/acme/members/{membership}/role/"),
        ("post", "/o/acme/members/{membership}/remove/"),
        ("post", "/o/acme/invitations/{invitation}/revoke/"),
        ("post", "/o/acme/tokens/{token}/revoke/"),
    ],
)
def test_objects_of_another_org_are_404_under_this_org(method, path, other_org, other_member, owner, member_client):
    other_team = TeamFactory(organization=other_org, name="Secret", slug="secret")
    other_invitation = InvitationFactory(organization=other_org)
    other_token, _ = api_token_for(other_org, "admin")
    AuditEvent.objects.all().delete()
    ids = {
        "team": other_team.slug,
        "membership": other_member.uuid,
        "invitation": other_invitation.uuid,
        "token": other_token.uuid,
    }

    response = getattr(member_client, method)(path.format(**ids), {"name": "Hijacked", "role": "viewer"})

    assert response.status_code == 404
    assert Team.objects.get(pk=other_team.pk).name == "Secret"
    assert Membership.objects.get(pk=other_member.pk).role == MembershipRole.OWNER
    assert Invitation.objects.get(pk=other_invitation.pk).is_pending is True
    assert ApiToken.objects.get(pk=other_token.pk).revoked_at is None
    assert AuditEvent.objects.exists() is False


# --- every page write is audited with the person and the IP -------------------------------------

WRITES = [
    ("invitation-create", ["invitation.created"]),
    ("member-role-change", ["member.role_changed"]),
    ("member-remove", ["member.removed"]),
    ("invitation-revoke", ["invitation.revoked"]),
    ("team-create", ["team.created"]),
    ("team-update", ["team.updated"]),
    ("team-delete", ["team.deleted"]),
    ("team-member-add", ["team.member_added"]),
    ("team-member-remove", ["team.member_removed"]),
    ("api-token-create", ["api_token.created"]),
    ("api-token-revoke", ["api_token.revoked"]),
]


@pytest.mark.parametrize(("name", "audit_actions"), WRITES, ids=[name for name, _ in WRITES])
def test_every_page_write_is_audited_with_the_user_and_ip(name, audit_actions, world, org, make_member, client_for):
    admin = make_member(org, MembershipRole.ADMIN, email="admin@acme.test")
    endpoint = next(e for e in ENDPOINTS if e.name == name)

    request_endpoint(client_for(admin), endpoint, world, REMOTE_ADDR=IP)

    assert list(AuditEvent.objects.order_by("id").values_list("action", "actor_label", "actor_user", "ip_address")) == [
        (action, "admin@acme.test", admin.user.pk, IP) for action in audit_actions
    ]
    assert set(AuditEvent.objects.values_list("organization", flat=True)) == {org.pk}


def test_organization_create_page_is_audited_with_the_user_and_ip(owner, member_client):
    member_client.post("/orgs/new/", {"name": "Initrode", "slug": ""}, REMOTE_ADDR=IP)

    events = AuditEvent.objects.for_org(Organization.objects.get(slug="initrode")).order_by("id")
    assert list(events.values_list("action", "actor_label", "ip_address")) == [
        ("organization.created", "owner@acme.test", IP),
        ("member.added", "owner@acme.test", IP),
    ]


def test_signup_page_is_audited_with_the_new_user_and_ip():
    Client().post(
        "/accounts/signup/",
        {"full_name": "Dana", "email": "dana@initech.test", "password": NEW_PASSWORD, "org_name": "Initech"},
        REMOTE_ADDR=IP,
    )

    assert list(AuditEvent.objects.order_by("id").values_list("action", "actor_label", "ip_address")) == [
        ("organization.created", "dana@initech.test", IP),
        ("member.added", "dana@initech.test", IP),
    ]


@pytest.mark.parametrize("signed_in", [False, True], ids=["new-account", "signed-in"])
def test_invitation_accept_page_is_audited_with_the_user_and_ip(org, other_member, client_for, signed_in):
    email = "owner@globex.test" if signed_in else "new@example.test"
    invitation = InvitationFactory(organization=org, email=email)
    client = client_for(other_member) if signed_in else Client()

    client.post(invitation_path(invitation), {"full_name": "New", "password": NEW_PASSWORD}, REMOTE_ADDR=IP)

    assert list(AuditEvent.objects.values_list("organization", "action", "actor_label", "ip_address")) == [
        (org.pk, "member.added", email, IP)
    ]


# --- navigation ---------------------------------------------------------------------------------


def nav_labels(html: str) -> list[str]:
    nav = re.search(r'<nav class="nav" aria-label="Main" id="sidebar-main-nav">(.*?)</nav>', html, re.DOTALL)
    assert nav is not None
    # a link's label follows its icon; a count badge (Alerts) may follow the label
    return [label.strip() for label in re.findall(r"</svg>([^<]+)(?:<span [^>]*>[^<]*</span>\s*)?</a>", nav.group(1))]


def switcher_labels(html: str) -> list[str]:
    panel = re.search(r'<div class="org-switcher-panel">(.*?)<hr>', html, re.DOTALL)
    assert panel is not None
    return re.findall(r"<a [^>]*>([^<]+)</a>", panel.group(1))


def test_org_switcher_lists_only_the_users_orgs(org, other_org, owner, make_member, member_client):
    initrode = OrganizationFactory(name="Initrode", slug="initrode")
    make_member(initrode, MembershipRole.VIEWER, email="owner@acme.test")
    make_member(other_org, MembershipRole.OWNER, email="someone@globex.test")

    response = member_client.get("/o/acme/")

    html = response.content.decode()
    assert list(response.context["user_orgs"]) == [org, initrode]
    assert switcher_labels(html) == ["Acme", "Initrode"]
    assert 'href="/o/globex/"' not in html
    assert "Globex" not in html


# The sidebar entries every member sees, in order, before the organization section.
EVERYONE = [
    "Home",
    "Incidents",
    "Alerts",
    "Follow-ups",
    "My on-call",
    "Schedules",
    "Escalation policies",
    "My notifications",
    "Retrospectives",
    "Analytics",
    "Drills",
]


@pytest.mark.parametrize(
    ("role", "labels"),
    [
        ("viewer", [*EVERYONE, "Services", "Teams", "Members", "Workflows"]),
        ("responder", [*EVERYONE, "Services", "Teams", "Members", "Workflows"]),
        ("admin", [*EVERYONE, "Services", "Teams", "Members", "Workflows", "Status pages", "Webhooks", "API tokens"]),
        ("owner", [*EVERYONE, "Services", "Teams", "Members", "Workflows", "Status pages", "Webhooks", "API tokens"]),
    ],
)
def test_navigation_names_the_areas_the_role_can_use(org, owner, make_member, client_for, role, labels):
    membership = owner if role == "owner" else make_member(org, role)

    html = client_for(membership).get("/o/acme/members/").content.decode()

    assert nav_labels(html) == labels


def test_organization_settings_counts_the_org(org, owner, responder, payments, member_client):
    InvitationFactory(organization=org)
    api_token_for(org, "viewer")

    response = member_client.get("/o/acme/settings/")

    assert response.context["stats"] == {"members": 2, "teams": 1, "tokens": 1, "pending_invitations": 1}


def test_password_change_is_audited_in_every_org_of_the_person(org, other_org, owner, make_member, client_for):
    make_member(other_org, "viewer", email=owner.user.email)
    client = client_for(owner)

    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": "correct-horse-battery",
            "new_password1": "a-brand-new-passphrase-7",
            "new_password2": "a-brand-new-passphrase-7",
        },
        REMOTE_ADDR="203.0.113.9",
    )

    assert response.status_code == 302
    events = AuditEvent.objects.filter(action="user.password_change").order_by("organization__slug")
    assert [(e.organization.slug, e.actor_label, e.target_label, e.ip_address) for e in events] == [
        ("acme", "owner@acme.test", "owner@acme.test", "203.0.113.9"),
        ("globex", "owner@acme.test", "owner@acme.test", "203.0.113.9"),
    ]


def test_password_reset_by_emailed_link_is_audited(org, owner, client):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(owner.user.pk))
    token = default_token_generator.make_token(owner.user)
    landing = client.get(f"/accounts/reset/{uid}/{token}/", follow=True)
    form_url = landing.redirect_chain[-1][0]

    response = client.post(form_url, {"new_password1": "reset-passphrase-42", "new_password2": "reset-passphrase-42"})

    assert response.status_code == 302
    assert list(AuditEvent.objects.filter(action="user.password_reset").values_list("target_label", flat=True)) == [
        "owner@acme.test"
    ]

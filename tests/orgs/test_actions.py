"""Domain rules of orgs/actions/, with the audit trail each write leaves behind."""

import hashlib
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone

from orgs import actions, tasks
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
from orgs.tenancy import Actor
from tests.factories import InvitationFactory, TeamFactory, UserFactory, api_token_for

pytestmark = pytest.mark.django_db

IP = "198.51.100.7"


def audit_rows(organization: Organization) -> list[tuple]:
    """The org's audit trail, oldest first, as (action, actor_label, target_type, target_label, changes)."""
    return list(
        AuditEvent.objects.for_org(organization)
        .order_by("id")
        .values_list("action", "actor_label", "target_type", "target_label", "changes")
    )


@pytest.fixture
def actor(owner: Membership) -> Actor:
    return Actor(user=owner.user, ip_address=IP)


def signed_days_ago(monkeypatch: pytest.MonkeyPatch, invitation: Invitation, days: int) -> str:
    """A real invitation token whose signature timestamp lies `days` in the past."""
    past = time.time() - days * 86400
    with monkeypatch.context() as patched:
        patched.setattr(signing, "time", SimpleNamespace(time=lambda: past))
        return actions.invitation_signed_token(invitation)


# --- organizations ------------------------------------------------------------------------------


def test_organization_create_makes_the_creator_its_owner():
    user = UserFactory(email="founder@initech.test")

    organization = actions.organization_create(
        name=" Initech ", slug="initech", owner=user, actor=Actor(user=user, ip_address=IP)
    )

    assert (organization.name, organization.slug) == ("Initech", "initech")
    assert Membership.objects.get(organization=organization).user == user
    assert Membership.objects.get(organization=organization).role == MembershipRole.OWNER
    assert audit_rows(organization) == [
        ("organization.created", "founder@initech.test", "organization", "Initech", {}),
        (
            "member.added",
            "founder@initech.test",
            "membership",
            "founder@initech.test",
            {"role": {"before": None, "after": "owner"}},
        ),
    ]
    assert set(AuditEvent.objects.for_org(organization).values_list("ip_address", flat=True)) == {IP}


def test_organization_create_derives_the_slug_from_the_name():
    user = UserFactory()

    organization = actions.organization_create(name="Initech Labs", slug="", owner=user, actor=Actor(user=user))

    assert organization.slug == "initech-labs"


@pytest.mark.parametrize("slug", ["new", "admin", "api", "accounts", "invitations", "o"])
def test_organization_create_rejects_a_reserved_slug(slug):
    user = UserFactory()

    with pytest.raises(ValidationError) as excinfo:
        actions.organization_create(name="Initech", slug=slug, owner=user, actor=Actor(user=user))

    assert list(excinfo.value.error_dict) == ["slug"]
    assert excinfo.value.error_dict["slug"][0].message == f"“{slug}” is reserved; choose another."
    assert Organization.objects.filter(name="Initech").exists() is False
    assert Membership.objects.filter(user=user).exists() is False
    assert AuditEvent.objects.exists() is False


def test_organization_create_rejects_a_taken_slug(org):
    user = UserFactory()

    with pytest.raises(ValidationError) as excinfo:
        actions.organization_create(name="Another Acme", slug="acme", owner=user, actor=Actor(user=user))

    assert list(excinfo.value.error_dict) == ["slug"]
    assert excinfo.value.messages == ["An organization with the address “acme” already exists."]
    assert list(Organization.objects.values_list("slug", flat=True)) == ["acme"]
    assert Membership.objects.filter(user=user).exists() is False


def test_organization_create_rejects_a_name_without_letters_or_digits():
    user = UserFactory()

    with pytest.raises(ValidationError) as excinfo:
        actions.organization_create(name="!!!", slug="", owner=user, actor=Actor(user=user))

    assert list(excinfo.value.error_dict) == ["slug"]
    assert Organization.objects.exists() is False


# --- sign-up ------------------------------------------------------------------------------------


def test_user_signup_creates_the_account_and_an_owned_organization():
    user = actions.user_signup(
        email="Dana@Initech.TEST",
        password="a-long-enough-passphrase",
        full_name="  Dana Scully ",
        org_name="Initech",
        org_slug="",
        ip_address=IP,
    )

    user = User.objects.get(pk=user.pk)
    assert (user.email, user.full_name) == ("dana@initech.test", "Dana Scully")
    assert user.check_password("a-long-enough-passphrase") is True
    organization = Organization.objects.get(slug="initech")
    assert Membership.objects.get(organization=organization).user == user
    assert Membership.objects.get(organization=organization).role == MembershipRole.OWNER
    assert [(action, label) for action, label, *_ in audit_rows(organization)] == [
        ("organization.created", "dana@initech.test"),
        ("member.added", "dana@initech.test"),
    ]
    assert set(AuditEvent.objects.for_org(organization).values_list("ip_address", flat=True)) == {IP}


def test_user_signup_rejects_a_taken_email_in_any_case(owner):
    with pytest.raises(ValidationError) as excinfo:
        actions.user_signup(
            email="OWNER@acme.test",
            password="a-long-enough-passphrase",
            full_name="Copycat",
            org_name="Copycat Inc",
            org_slug="copycat",
        )

    assert list(excinfo.value.error_dict) == ["email"]
    assert excinfo.value.messages == ["An account with this email already exists. Sign in instead."]
    assert list(User.objects.values_list("email", flat=True)) == ["owner@acme.test"]
    assert Organization.objects.filter(slug="copycat").exists() is False


@pytest.mark.parametrize("password", ["short", "1234567890123", "password1234", "newcomer@initech.test"])
def test_user_signup_rejects_a_weak_password_and_saves_nothing(password):
    with pytest.raises(ValidationError) as excinfo:
        actions.user_signup(
            email="newcomer@initech.test",
            password=password,
            full_name="New Comer",
            org_name="Initech",
            org_slug="initech",
        )

    assert list(excinfo.value.error_dict) == ["password"]
    assert User.objects.exists() is False
    assert Organization.objects.exists() is False
    assert Membership.objects.exists() is False
    assert AuditEvent.objects.exists() is False


def test_user_signup_with_a_bad_org_slug_leaves_no_user_behind(org):
    with pytest.raises(ValidationError) as excinfo:
        actions.user_signup(
            email="newcomer@initech.test",
            password="a-long-enough-passphrase",
            full_name="New Comer",
            org_name="Acme again",
            org_slug="acme",
        )

    assert excinfo.value.message_dict == {"org_slug": ["An organization with the address “acme” already exists."]}
    assert User.objects.filter(email="newcomer@initech.test").exists() is False
    assert list(Organization.objects.values_list("slug", flat=True)) == ["acme"]
    assert AuditEvent.objects.exists() is False


# --- membership roles ---------------------------------------------------------------------------


def test_last_owner_cannot_step_down(owner, actor):
    with pytest.raises(ValidationError) as excinfo:
        actions.membership_role_change(membership=owner, role=MembershipRole.ADMIN, actor=actor)

    assert list(excinfo.value.error_dict) == ["role"]
    assert excinfo.value.messages == ["This is the last owner. Make someone else an owner first."]
    assert Membership.objects.get(pk=owner.pk).role == MembershipRole.OWNER
    assert AuditEvent.objects.exists() is False


def test_one_of_two_owners_can_step_down(org, owner, make_member, actor):
    co_owner = make_member(org, MembershipRole.OWNER, email="co@acme.test")

    actions.membership_role_change(membership=co_owner, role=MembershipRole.ADMIN, actor=actor)

    assert Membership.objects.get(pk=co_owner.pk).role == MembershipRole.ADMIN
    assert audit_rows(org) == [
        (
            "member.role_changed",
            "owner@acme.test",
            "membership",
            "co@acme.test",
            {"role": {"before": "owner", "after": "admin"}},
        )
    ]
    event = AuditEvent.objects.get()
    assert (event.actor_user, event.target_id, event.ip_address) == (owner.user, str(co_owner.uuid), IP)


def test_role_change_to_the_same_role_records_nothing(org, make_member, actor):
    responder = make_member(org, MembershipRole.RESPONDER)

    actions.membership_role_change(membership=responder, role=MembershipRole.RESPONDER, actor=actor)

    assert AuditEvent.objects.exists() is False


def test_role_change_rejects_an_unknown_role(org, make_member, actor):
    responder = make_member(org, MembershipRole.RESPONDER)

    with pytest.raises(ValidationError) as excinfo:
        actions.membership_role_change(membership=responder, role="superuser", actor=actor)

    assert list(excinfo.value.error_dict) == ["role"]
    assert Membership.objects.get(pk=responder.pk).role == MembershipRole.RESPONDER
    assert AuditEvent.objects.exists() is False


# --- membership removal -------------------------------------------------------------------------


def test_last_owner_cannot_be_removed(owner, actor):
    with pytest.raises(ValidationError) as excinfo:
        actions.membership_remove(membership=owner, actor=actor)

    assert excinfo.value.messages == ["This is the last owner of the organization and cannot be removed."]
    assert Membership.objects.filter(pk=owner.pk).exists() is True
    assert AuditEvent.objects.exists() is False


def test_removal_leaves_the_teams_of_this_org_only(org, other_org, owner, make_member, actor):
    leaver = make_member(org, MembershipRole.RESPONDER, email="leaver@example.test")
    elsewhere = make_member(other_org, MembershipRole.RESPONDER, email="leaver@example.test")
    here = TeamFactory(organization=org, name="Payments", slug="payments")
    there = TeamFactory(organization=other_org, name="Payments", slug="payments")
    TeamMembership.objects.create(organization=org, team=here, user=leaver.user)
    TeamMembership.objects.create(organization=org, team=here, user=owner.user)
    TeamMembership.objects.create(organization=other_org, team=there, user=leaver.user)

    actions.membership_remove(membership=leaver, actor=actor)

    assert Membership.objects.filter(pk=leaver.pk).exists() is False
    assert Membership.objects.filter(pk=elsewhere.pk).exists() is True
    assert list(TeamMembership.objects.values_list("team__organization__slug", "user__email").order_by("id")) == [
        ("acme", "owner@acme.test"),
        ("globex", "leaver@example.test"),
    ]
    assert audit_rows(org) == [
        (
            "member.removed",
            "owner@acme.test",
            "membership",
            "leaver@example.test",
            {"role": {"before": "responder", "after": None}},
        )
    ]
    assert AuditEvent.objects.for_org(other_org).exists() is False


def test_one_of_two_owners_can_be_removed(org, owner, make_member, actor):
    co_owner = make_member(org, MembershipRole.OWNER, email="co@acme.test")

    actions.membership_remove(membership=co_owner, actor=actor)

    assert list(Membership.objects.filter(organization=org).values_list("user__email", flat=True)) == [
        "owner@acme.test"
    ]


# --- invitations: creating ----------------------------------------------------------------------


def test_invitation_create_enqueues_the_email_only_after_commit(
    org, actor, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = actions.invitation_create(
            organization=org, email=" New.Person@Example.TEST ", role=MembershipRole.ADMIN, actor=actor
        )
        assert enqueued.calls == []

    for callback in callbacks:
        callback()

    invitation = Invitation.objects.get(pk=invitation.pk)
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "new.person@example.test",
        "admin",
        actor.user,
    )
    assert enqueued.calls == [("orgs.tasks.invitation_send", (invitation.pk,), {})]
    assert audit_rows(org) == [
        (
            "invitation.created",
            "owner@acme.test",
            "invitation",
            "new.person@example.test",
            {"role": {"before": None, "after": "admin"}},
        )
    ]


def test_invitation_create_rejects_an_existing_member(org, owner, actor, enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as excinfo:
        actions.invitation_create(organization=org, email="Owner@Acme.test", role="responder", actor=actor)

    assert list(excinfo.value.error_dict) == ["email"]
    assert excinfo.value.messages == ["owner@acme.test is already a member of Acme."]
    assert Invitation.objects.exists() is False
    assert AuditEvent.objects.exists() is False
    assert enqueued.calls == []


def test_invitation_create_rejects_a_second_pending_invitation(
    org, actor, enqueued, django_capture_on_commit_callbacks
):
    first = InvitationFactory(organization=org, email="new@example.test")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as excinfo:
        actions.invitation_create(organization=org, email="NEW@example.test", role="viewer", actor=actor)

    assert list(excinfo.value.error_dict) == ["email"]
    assert excinfo.value.messages == ["new@example.test already has a pending invitation. Revoke it to send a new one."]
    assert list(Invitation.objects.all()) == [first]
    assert AuditEvent.objects.exists() is False
    assert enqueued.calls == []


def test_invitation_create_allows_a_new_invitation_after_a_revoke(org, actor, django_capture_on_commit_callbacks):
    first = InvitationFactory(organization=org, email="new@example.test")
    actions.invitation_revoke(invitation=first, actor=actor)

    with django_capture_on_commit_callbacks(execute=True):
        second = actions.invitation_create(organization=org, email="new@example.test", role="viewer", actor=actor)

    assert list(Invitation.objects.filter(revoked_at=None)) == [second]


def test_invitation_create_for_a_member_of_another_org_is_fine(
    org, other_member, actor, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = actions.invitation_create(organization=org, email="owner@globex.test", role="viewer", actor=actor)

    assert invitation.organization == org
    assert enqueued.names == ["orgs.tasks.invitation_send"]


def test_invitation_create_rejects_an_unknown_role(org, actor, enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as excinfo:
        actions.invitation_create(organization=org, email="new@example.test", role="god", actor=actor)

    assert list(excinfo.value.error_dict) == ["role"]
    assert Invitation.objects.exists() is False
    assert enqueued.calls == []


def test_invitation_revoke_stamps_and_audits(org, actor):
    invitation = InvitationFactory(organization=org, email="new@example.test")

    actions.invitation_revoke(invitation=invitation, actor=actor)

    assert Invitation.objects.get(pk=invitation.pk).revoked_at is not None
    assert audit_rows(org) == [("invitation.revoked", "owner@acme.test", "invitation", "new@example.test", {})]


def test_invitation_revoke_twice_is_rejected(org, actor):
    invitation = InvitationFactory(organization=org, revoked_at=timezone.now())

    with pytest.raises(ValidationError) as excinfo:
        actions.invitation_revoke(invitation=invitation, actor=actor)

    assert excinfo.value.messages == ["This invitation is no longer pending."]
    assert AuditEvent.objects.exists() is False


# --- invitations: the signed link ---------------------------------------------------------------


def test_invitation_from_token_resolves_a_fresh_link(org):
    invitation = InvitationFactory(organization=org)

    assert actions.invitation_from_token(token=actions.invitation_signed_token(invitation)) == invitation


def test_invitation_accept_url_points_at_the_accept_page(org, settings):
    settings.SITE_URL = "https://firebreak.example"
    invitation = InvitationFactory(organization=org)

    url = actions.invitation_accept_url(invitation)

    assert url == f"https://firebreak.example/invitations/{actions.invitation_signed_token(invitation)}/"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: "x" + token,
        lambda token: token.split(":")[0],
        lambda token: "not-a-token",
    ],
    ids=["signature", "payload", "unsigned", "garbage"],
)
def test_invitation_from_token_rejects_a_tampered_link(org, tamper):
    invitation = InvitationFactory(organization=org)

    with pytest.raises(ValidationError) as excinfo:
        actions.invitation_from_token(token=tamper(actions.invitation_signed_token(invitation)))

    assert excinfo.value.messages == ["This invitation link is not valid."]


def test_invitation_from_token_rejects_a_value_signed_for_another_purpose(org):
    invitation = InvitationFactory(organization=org)
    foreign = signing.dumps(str(invitation.uuid), salt="firebreak.something-else")

    with pytest.raises(ValidationError) as excinfo:
        actions.invitation_from_token(token=foreign)

    assert excinfo.value.messages == ["This invitation link is not valid."]


def test_invitation_from_token_rejects_a_link_older_than_the_default_week(org, monkeypatch):
    invitation = InvitationFactory(organization=org)
    token = signed_days_ago(monkeypatch, invitation, days=8)

    with pytest.raises(ValidationError) as excinfo:
        actions.invitation_from_token(token=token)

    assert excinfo.value.messages == ["This invitation link has expired. Ask for a new one."]


def test_invitation_from_token_honours_the_configured_max_age(org, monkeypatch, settings):
    invitation = InvitationFactory(organization=org)
    token = signed_days_ago(monkeypatch, invitation, days=3)
    assert actions.invitation_from_token(token=token) == invitation

    settings.INVITATION_MAX_AGE_DAYS = 2

    with pytest.raises(ValidationError) as excinfo:
        actions.invitation_from_token(token=token)
    assert excinfo.value.messages == ["This invitation link has expired. Ask for a new one."]


def test_invitation_from_token_rejects_a_revoked_invitation(org):
    invitation = InvitationFactory(organization=org, revoked_at=timezone.now())

    with pytest.raises(ValidationError) as excinfo:
        actions.invitation_from_token(token=actions.invitation_signed_token(invitation))

    assert excinfo.value.messages == ["This invitation has been revoked."]


def test_invitation_from_token_rejects_a_used_invitation(org):
    invitation = InvitationFactory(organization=org, accepted_at=timezone.now())

    with pytest.raises(ValidationError) as excinfo:
        actions.invitation_from_token(token=actions.invitation_signed_token(invitation))

    assert excinfo.value.messages == ["This invitation has already been used."]


# --- invitations: accepting ---------------------------------------------------------------------


def test_invitation_accept_creates_a_membership_with_the_invited_role(org):
    invitation = InvitationFactory(organization=org, email="new@example.test", role=MembershipRole.ADMIN)
    user = UserFactory(email="new@example.test")

    membership = actions.invitation_accept(invitation=invitation, user=user, ip_address=IP)

    assert Membership.objects.get(pk=membership.pk).role == MembershipRole.ADMIN
    assert membership.organization == org
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is not None
    assert audit_rows(org) == [
        (
            "member.added",
            "new@example.test",
            "membership",
            "new@example.test",
            {"role": {"before": None, "after": "admin"}},
        )
    ]
    assert AuditEvent.objects.get().ip_address == IP


def test_invitation_accept_rejects_another_email(org):
    invitation = InvitationFactory(organization=org, email="new@example.test")
    intruder = UserFactory(email="intruder@example.test")

    with pytest.raises(ValidationError) as excinfo:
        actions.invitation_accept(invitation=invitation, user=intruder)

    assert excinfo.value.messages == ["This invitation was sent to new@example.test. Sign in with that address."]
    assert Membership.objects.filter(user=intruder).exists() is False
    assert Invitation.objects.get(pk=invitation.pk).is_pending is True
    assert AuditEvent.objects.exists() is False


def test_invitation_accept_twice_is_rejected(org):
    invitation = InvitationFactory(organization=org, email="new@example.test")
    user = UserFactory(email="new@example.test")
    actions.invitation_accept(invitation=invitation, user=user)

    with pytest.raises(ValidationError) as excinfo:
        actions.invitation_accept(invitation=invitation, user=user)

    assert excinfo.value.messages == ["This invitation is no longer pending."]
    assert Membership.objects.filter(user=user).count() == 1
    assert AuditEvent.objects.count() == 1


def test_invitation_signup_creates_the_account_and_joins(org):
    invitation = InvitationFactory(organization=org, email="new@example.test", role=MembershipRole.VIEWER)

    user = actions.invitation_signup(
        invitation=invitation, full_name="New Person", password="a-long-enough-passphrase", ip_address=IP
    )

    assert User.objects.get(pk=user.pk).check_password("a-long-enough-passphrase") is True
    assert Membership.objects.get(user=user).role == MembershipRole.VIEWER
    assert list(AuditEvent.objects.values_list("action", "actor_label", "ip_address")) == [
        ("member.added", "new@example.test", IP)
    ]


def test_invitation_signup_with_a_weak_password_saves_nothing(org):
    invitation = InvitationFactory(organization=org, email="new@example.test")

    with pytest.raises(ValidationError) as excinfo:
        actions.invitation_signup(invitation=invitation, full_name="New Person", password="12345")

    assert list(excinfo.value.error_dict) == ["password"]
    assert User.objects.filter(email="new@example.test").exists() is False
    assert Invitation.objects.get(pk=invitation.pk).is_pending is True
    assert AuditEvent.objects.exists() is False


def test_invitation_signup_for_a_known_address_is_rejected(org, other_member):
    invitation = InvitationFactory(organization=org, email="owner@globex.test")

    with pytest.raises(ValidationError) as excinfo:
        actions.invitation_signup(invitation=invitation, full_name="Dup", password="a-long-enough-passphrase")

    assert excinfo.value.messages == ["An account with this email already exists. Sign in to accept the invitation."]
    assert Membership.objects.filter(user=other_member.user).count() == 1


# --- invitations: the email ---------------------------------------------------------------------


def test_invitation_email_send_sends_one_email_with_the_accept_link(org, owner, mailoutbox, settings):
    settings.SITE_URL = "https://firebreak.example"
    invitation = InvitationFactory(organization=org, email="new@example.test", invited_by=owner.user)

    sent = actions.invitation_email_send(invitation_id=invitation.pk)

    assert sent is True
    assert [(m.to, m.subject) for m in mailoutbox] == [(["new@example.test"], "You're invited to Acme on Firebreak")]
    assert f"\n{actions.invitation_accept_url(invitation)}\n" in mailoutbox[0].body
    assert Invitation.objects.get(pk=invitation.pk).email_sent_at is not None


def test_the_emailed_link_resolves_to_the_invitation(org, mailoutbox, settings):
    settings.SITE_URL = "https://firebreak.example"
    invitation = InvitationFactory(organization=org, email="new@example.test")
    actions.invitation_email_send(invitation_id=invitation.pk)

    (link,) = [line for line in mailoutbox[0].body.splitlines() if line.startswith(settings.SITE_URL)]
    token = link.removeprefix("https://firebreak.example/invitations/").removesuffix("/")

    assert actions.invitation_from_token(token=token) == invitation


def test_invitation_email_states_the_configured_validity(org, mailoutbox, settings):
    settings.INVITATION_MAX_AGE_DAYS = 3
    invitation = InvitationFactory(organization=org)

    actions.invitation_email_send(invitation_id=invitation.pk)

    assert "expires in 3 days" in mailoutbox[0].body


def test_invitation_email_send_twice_sends_one_email(org, mailoutbox):
    invitation = InvitationFactory(organization=org)
    actions.invitation_email_send(invitation_id=invitation.pk)
    sent_at = Invitation.objects.get(pk=invitation.pk).email_sent_at

    sent = actions.invitation_email_send(invitation_id=invitation.pk)

    assert sent is False
    assert len(mailoutbox) == 1
    assert Invitation.objects.get(pk=invitation.pk).email_sent_at == sent_at


@pytest.mark.parametrize("field", ["revoked_at", "accepted_at"])
def test_invitation_email_send_skips_a_closed_invitation(org, mailoutbox, field):
    invitation = InvitationFactory(organization=org, **{field: timezone.now()})

    sent = actions.invitation_email_send(invitation_id=invitation.pk)

    assert sent is False
    assert mailoutbox == []
    assert Invitation.objects.get(pk=invitation.pk).email_sent_at is None


def test_invitation_send_task_sends_the_email(org, mailoutbox):
    invitation = InvitationFactory(organization=org, email="new@example.test")

    tasks.invitation_send(invitation.pk)

    assert [m.to for m in mailoutbox] == [["new@example.test"]]


# --- teams --------------------------------------------------------------------------------------


def test_team_create_derives_the_slug_and_audits_the_fields(org, actor):
    team = actions.team_create(organization=org, name="  Payments Core ", chat_channel="#payments", actor=actor)

    team = Team.objects.get(pk=team.pk)
    assert (team.organization, team.name, team.slug, team.chat_channel) == (
        org,
        "Payments Core",
        "payments-core",
        "#payments",
    )
    assert audit_rows(org) == [
        (
            "team.created",
            "owner@acme.test",
            "team",
            "Payments Core",
            {
                "name": {"before": None, "after": "Payments Core"},
                "slug": {"before": None, "after": "payments-core"},
                "description": {"before": None, "after": ""},
                "chat_channel": {"before": None, "after": "#payments"},
                "email": {"before": None, "after": ""},
            },
        )
    ]
    assert AuditEvent.objects.get().target_id == "payments-core"


def test_team_create_slugifies_an_explicit_slug(org, actor):
    team = actions.team_create(organization=org, name="Payments", slug="Pay Ments!", actor=actor)

    assert team.slug == "pay-ments"


def test_team_create_rejects_a_duplicate_name_in_any_case(org, actor):
    TeamFactory(organization=org, name="Payments", slug="payments")

    with pytest.raises(ValidationError) as excinfo:
        actions.team_create(organization=org, name="PAYMENTS", actor=actor)

    assert excinfo.value.message_dict == {
        "slug": ["A team with the slug “payments” already exists."],
        "name": ["A team named “PAYMENTS” already exists."],
    }
    assert list(Team.objects.values_list("name", flat=True)) == ["Payments"]
    assert AuditEvent.objects.exists() is False


def test_team_create_rejects_a_duplicate_slug(org, actor):
    TeamFactory(organization=org, name="Payments", slug="payments")

    with pytest.raises(ValidationError) as excinfo:
        actions.team_create(organization=org, name="Payments Two", slug="payments", actor=actor)

    assert list(excinfo.value.error_dict) == ["slug"]
    assert Team.objects.count() == 1


def test_team_create_allows_the_same_name_in_another_org(org, other_org, actor):
    TeamFactory(organization=other_org, name="Payments", slug="payments")

    team = actions.team_create(organization=org, name="Payments", actor=actor)

    assert (team.organization, team.slug) == (org, "payments")
    assert Team.objects.filter(slug="payments").count() == 2


@pytest.mark.parametrize(("name", "slug"), [("New", ""), ("Fresh", "new")])
def test_team_create_rejects_the_slug_of_the_create_page(org, actor, name, slug):
    with pytest.raises(ValidationError) as excinfo:
        actions.team_create(organization=org, name=name, slug=slug, actor=actor)

    assert excinfo.value.message_dict == {"slug": ["“new” is reserved; choose another."]}
    assert Team.objects.exists() is False


def test_team_create_rejects_a_name_without_letters_or_digits(org, actor):
    with pytest.raises(ValidationError) as excinfo:
        actions.team_create(organization=org, name="???", actor=actor)

    assert list(excinfo.value.error_dict) == ["name"]
    assert Team.objects.exists() is False


def test_team_update_audits_only_the_changed_fields(org, actor):
    team = TeamFactory(organization=org, name="Payments", slug="payments", description="Owns things.")

    actions.team_update(team=team, name="Payments", description="Owns checkout.", email="pay@acme.test", actor=actor)

    team = Team.objects.get(pk=team.pk)
    assert (team.name, team.description, team.email) == ("Payments", "Owns checkout.", "pay@acme.test")
    assert audit_rows(org) == [
        (
            "team.updated",
            "owner@acme.test",
            "team",
            "Payments",
            {
                "description": {"before": "Owns things.", "after": "Owns checkout."},
                "email": {"before": "", "after": "pay@acme.test"},
            },
        )
    ]


def test_team_update_without_changes_records_nothing(org, actor):
    team = TeamFactory(organization=org, name="Payments", slug="payments")

    actions.team_update(team=team, name="Payments", slug="payments", actor=actor)

    assert AuditEvent.objects.exists() is False


def test_team_update_slugifies_a_new_slug(org, actor):
    team = TeamFactory(organization=org, name="Payments", slug="payments")

    actions.team_update(team=team, slug="Pay Core", actor=actor)

    assert Team.objects.get(pk=team.pk).slug == "pay-core"
    assert AuditEvent.objects.get().changes == {"slug": {"before": "payments", "after": "pay-core"}}


def test_team_update_rejects_the_name_of_another_team(org, actor):
    TeamFactory(organization=org, name="Platform", slug="platform")
    team = TeamFactory(organization=org, name="Payments", slug="payments")

    with pytest.raises(ValidationError) as excinfo:
        actions.team_update(team=team, name="platform", actor=actor)

    assert excinfo.value.message_dict == {"name": ["A team named “platform” already exists."]}
    assert Team.objects.get(pk=team.pk).name == "Payments"
    assert AuditEvent.objects.exists() is False


def test_team_update_rejects_the_reserved_slug(org, actor):
    team = TeamFactory(organization=org, name="Payments", slug="payments")

    with pytest.raises(ValidationError) as excinfo:
        actions.team_update(team=team, slug="new", actor=actor)

    assert list(excinfo.value.error_dict) == ["slug"]
    assert Team.objects.get(pk=team.pk).slug == "payments"


def test_team_delete_removes_team_and_memberships_but_not_people(org, owner, actor):
    team = TeamFactory(organization=org, name="Payments", slug="payments", description="Owns things.")
    actions.team_member_add(team=team, user=owner.user, actor=actor)

    actions.team_delete(team=team, actor=actor)

    assert Team.objects.exists() is False
    assert TeamMembership.objects.exists() is False
    assert Membership.objects.filter(pk=owner.pk).exists() is True
    assert audit_rows(org)[-1] == (
        "team.deleted",
        "owner@acme.test",
        "team",
        "Payments",
        {
            "name": {"before": "Payments", "after": None},
            "slug": {"before": "payments", "after": None},
            "description": {"before": "Owns things.", "after": None},
            "chat_channel": {"before": "", "after": None},
            "email": {"before": "", "after": None},
        },
    )


# --- team members -------------------------------------------------------------------------------


def test_team_member_add_adds_an_org_member_once(org, make_member, actor):
    team = TeamFactory(organization=org, name="Payments", slug="payments")
    responder = make_member(org, MembershipRole.RESPONDER, email="r@acme.test")

    actions.team_member_add(team=team, user=responder.user, actor=actor)
    actions.team_member_add(team=team, user=responder.user, actor=actor)

    assert list(TeamMembership.objects.values_list("organization", "team", "user")) == [
        (org.pk, team.pk, responder.user.pk)
    ]
    assert audit_rows(org) == [
        (
            "team.member_added",
            "owner@acme.test",
            "team",
            "Payments",
            {"member": {"before": None, "after": "r@acme.test"}},
        )
    ]


def test_team_member_add_rejects_someone_outside_the_org(org, other_member, actor):
    team = TeamFactory(organization=org, name="Payments", slug="payments")
    stranger = UserFactory(email="stranger@example.test")

    for user in (stranger, other_member.user):
        with pytest.raises(ValidationError) as excinfo:
            actions.team_member_add(team=team, user=user, actor=actor)
        assert excinfo.value.message_dict == {"user": ["Only members of this organization can join its teams."]}

    assert TeamMembership.objects.exists() is False
    assert AuditEvent.objects.exists() is False


def test_team_member_remove_audits_only_a_real_removal(org, make_member, actor):
    team = TeamFactory(organization=org, name="Payments", slug="payments")
    responder = make_member(org, MembershipRole.RESPONDER, email="r@acme.test")
    bystander = make_member(org, MembershipRole.RESPONDER, email="b@acme.test")
    actions.team_member_add(team=team, user=responder.user, actor=actor)

    actions.team_member_remove(team=team, user=responder.user, actor=actor)
    actions.team_member_remove(team=team, user=bystander.user, actor=actor)

    assert TeamMembership.objects.exists() is False
    assert [row[0] for row in audit_rows(org)] == ["team.member_added", "team.member_removed"]
    assert audit_rows(org)[-1][4] == {"member": {"before": "r@acme.test", "after": None}}


# --- API tokens ---------------------------------------------------------------------------------


def test_api_token_create_stores_only_a_prefix_and_a_hash(org, actor):
    token, raw = actions.api_token_create(organization=org, name=" Alertmanager ", role="responder", actor=actor)

    token = ApiToken.objects.get(pk=token.pk)
    assert raw.startswith(f"fb_{token.prefix}_")
    assert len(token.prefix) == 8
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {token.token_hash, token.prefix, token.name}
    assert (token.name, token.role, token.created_by, token.organization) == (
        "Alertmanager",
        "responder",
        actor.user,
        org,
    )
    assert audit_rows(org) == [
        (
            "api_token.created",
            "owner@acme.test",
            "apitoken",
            f"Alertmanager ({token.prefix}…)",
            {"role": {"before": None, "after": "responder"}},
        )
    ]


def test_api_token_create_rejects_an_expiry_in_the_past(org, actor):
    with pytest.raises(ValidationError) as excinfo:
        actions.api_token_create(
            organization=org, name="Old", role="viewer", actor=actor, expires_at=timezone.now() - timedelta(minutes=1)
        )

    assert list(excinfo.value.error_dict) == ["expires_at"]
    assert ApiToken.objects.exists() is False
    assert AuditEvent.objects.exists() is False


def test_api_token_authenticate_finds_the_token_by_prefix(org, other_org):
    token, raw = api_token_for(org, "admin")
    api_token_for(other_org, "admin")

    found = actions.api_token_authenticate(raw=raw)

    assert found == token
    assert found.organization == org


@pytest.mark.parametrize(
    "mangle",
    [
        lambda raw: raw[:-2] + ("xx" if not raw.endswith("xx") else "yy"),
        lambda raw: raw.removeprefix("fb_"),
        lambda raw: "fb_00000000_" + raw.split("_", 2)[2],
        lambda raw: "",
    ],
    ids=["wrong-secret", "no-prefix", "unknown-prefix", "empty"],
)
def test_api_token_authenticate_rejects_a_wrong_secret(org, mangle):
    token, raw = api_token_for(org, "admin")

    assert actions.api_token_authenticate(raw=mangle(raw)) is None
    assert ApiToken.objects.get(pk=token.pk).last_used_at is None


def test_api_token_authenticate_rejects_an_expired_token(org):
    token, raw = api_token_for(org, "admin", expires_at=timezone.now() + timedelta(hours=1))
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert actions.api_token_authenticate(raw=raw) is None


def test_api_token_authenticate_rejects_a_revoked_token(org, actor):
    token, raw = api_token_for(org, "admin")
    actions.api_token_revoke(token=token, actor=actor)

    assert actions.api_token_authenticate(raw=raw) is None


def test_api_token_last_used_is_stamped_at_most_once_a_minute(org):
    token, raw = api_token_for(org, "admin")

    actions.api_token_authenticate(raw=raw)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    actions.api_token_authenticate(raw=raw)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first

    recent = timezone.now() - timedelta(seconds=50)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recent)
    actions.api_token_authenticate(raw=raw)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == recent

    stale = timezone.now() - timedelta(seconds=61)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=stale)
    actions.api_token_authenticate(raw=raw)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > stale + timedelta(seconds=60)


def test_api_token_revoke_is_idempotent_and_audited_once(org, actor):
    token, _ = api_token_for(org, "viewer", name="Terraform")
    AuditEvent.objects.all().delete()

    actions.api_token_revoke(token=token, actor=actor)
    revoked_at = ApiToken.objects.get(pk=token.pk).revoked_at
    actions.api_token_revoke(token=token, actor=actor)

    assert ApiToken.objects.get(pk=token.pk).revoked_at == revoked_at
    assert audit_rows(org) == [("api_token.revoked", "owner@acme.test", "apitoken", f"Terraform ({token.prefix}…)", {})]


# --- counters and the audit record itself -------------------------------------------------------


def test_counter_next_is_consecutive_per_org_and_name(org, other_org):
    acme = [actions.counter_next(organization=org, name="incident") for _ in range(3)]
    globex = [actions.counter_next(organization=other_org, name="incident") for _ in range(2)]
    tickets = [actions.counter_next(organization=org, name="ticket") for _ in range(2)]

    assert (acme, globex, tickets) == ([1, 2, 3], [1, 2], [1, 2])
    assert sorted(OrgCounter.objects.values_list("organization__slug", "name", "value")) == [
        ("acme", "incident", 3),
        ("acme", "ticket", 2),
        ("globex", "incident", 2),
    ]


def test_audit_record_names_a_token_actor(org):
    token, _ = api_token_for(org, "admin", name="Terraform")

    event = actions.audit_record(
        organization=org, actor=Actor(token=token, ip_address=IP), action="team.created", target=org
    )

    assert (event.actor_label, event.actor_token, event.actor_user, event.ip_address) == (
        "API token “Terraform”",
        token,
        None,
        IP,
    )
    assert (event.target_type, event.target_id, event.target_label) == ("organization", "acme", "Acme")


def test_audit_record_names_the_system_actor(org):
    event = actions.audit_record(
        organization=org, actor=Actor.system(), action="x.done", target_type="thing", target_label="T" * 300
    )

    assert (event.actor_label, event.actor_user, event.actor_token, event.ip_address) == ("system", None, None, None)
    assert event.target_label == "T" * 200

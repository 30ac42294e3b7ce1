"""Writes of the orgs app: organizations, members, invitations, teams, API tokens, audit."""

import hashlib
import secrets
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.utils import timezone
from django.utils.text import slugify

from core import events
from core.text import slug_from
from core.timefmt import validate_time_zone
from orgs import live
from orgs.events import OrganizationCreated
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

RESERVED_SLUGS = frozenset({"new", "admin", "api", "static", "accounts", "invitations", "ws", "o"})
INVITATION_SALT = "firebreak.invitation"
TOKEN_PREFIX = "fb_"


# --- audit ------------------------------------------------------------------------------------


def audit_record(
    *,
    organization: Organization,
    actor: Actor,
    action: str,
    target: Model | None = None,
    target_type: str = "",
    target_id: str = "",
    target_label: str = "",
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record who did what to which object; called inside the transaction of the change itself."""
    if target is not None:
        target_type = target_type or target._meta.model_name or ""
        target_id = target_id or str(getattr(target, "uuid", None) or getattr(target, "slug", None) or target.pk)
        target_label = target_label or str(target)
    return AuditEvent.objects.create(
        organization=organization,
        actor_user=actor.user,
        actor_token=actor.token,
        actor_label=actor.label,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label[:200],
        changes=changes or {},
        ip_address=actor.ip_address,
    )


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {k: {"before": before[k], "after": after[k]} for k in after if before.get(k) != after[k]}


# --- organizations ------------------------------------------------------------------------------


def organization_slug_validate(slug: str) -> None:
    if slug in RESERVED_SLUGS:
        raise ValidationError({"slug": f"“{slug}” is reserved; choose another."})
    if Organization.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"An organization with the address “{slug}” already exists."})


@transaction.atomic
def organization_create(*, name: str, slug: str, owner: User, actor: Actor) -> Organization:
    """Create an organization with `owner` as its first owner (a slug derived from the name is cut to fit)."""
    slug = slugify(slug) if slug else slug_from(name, Organization._meta.get_field("slug").max_length)
    if not slug:
        raise ValidationError({"slug": "Enter a name or address made of letters, numbers or hyphens."})
    organization_slug_validate(slug)
    try:
        with transaction.atomic():
            organization = Organization.objects.create(name=name.strip(), slug=slug)
    except IntegrityError as exc:
        raise ValidationError({"slug": f"An organization with the address “{slug}” already exists."}) from exc
    membership = Membership.objects.create(organization=organization, user=owner, role=MembershipRole.OWNER)
    audit_record(organization=organization, actor=actor, action="organization.created", target=organization)
    events.publish(OrganizationCreated(organization_id=organization.pk, actor=actor, slug=organization.slug))
    audit_record(
        organization=organization,
        actor=actor,
        action="member.added",
        target=membership,
        target_label=owner.email,
        changes={"role": {"before": None, "after": MembershipRole.OWNER}},
    )
    return organization


def _password_validate(password: str, user: User) -> None:
    """Run the configured password validators, reporting their errors on the `password` field."""
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.error_list}) from exc


@transaction.atomic
def user_signup(
    *, email: str, password: str, full_name: str, org_name: str, org_slug: str, ip_address: str | None = None
) -> User:
    """Create an account and its first organization, owned by the new user (`ip_address` goes to the audit)."""
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "An account with this email already exists. Sign in instead."})
    user = User(email=email, full_name=full_name.strip())
    _password_validate(password, user)
    user.set_password(password)
    user.save()
    try:
        organization_create(name=org_name, slug=org_slug, owner=user, actor=Actor(user=user, ip_address=ip_address))
    except ValidationError as exc:
        # Name the fields as this action's caller knows them (org_name, org_slug).
        raise ValidationError({f"org_{field}": errors for field, errors in exc.error_dict.items()}) from exc
    return user


@transaction.atomic
def organization_bootstrap(*, slug: str, name: str, owner_email: str, owner_password: str) -> Organization:
    """Idempotently ensure an org exists with the given owner (operator command)."""
    slug = slugify(slug)  # as organization_create stores it, so a second run finds the org
    email = User.objects.normalize_email(owner_email).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=owner_password)
    elif not user.check_password(owner_password):
        user.set_password(owner_password)
        user.save(update_fields=["password"])
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        return organization_create(name=name, slug=slug, owner=user, actor=Actor.system())
    if organization.name != name:
        before = organization.name
        organization.name = name
        organization.save(update_fields=["name", "updated_at"])
        audit_record(
            organization=organization,
            actor=Actor.system(),
            action="organization.updated",
            target=organization,
            changes={"name": {"before": before, "after": name}},
        )
    membership, created = Membership.objects.get_or_create(
        organization=organization, user=user, defaults={"role": MembershipRole.OWNER}
    )
    if created or membership.role != MembershipRole.OWNER:
        before_role = None if created else membership.role
        membership.role = MembershipRole.OWNER
        membership.save(update_fields=["role", "updated_at"])
        audit_record(
            organization=organization,
            actor=Actor.system(),
            action="member.added" if created else "member.role_changed",
            target=membership,
            target_label=user.email,
            changes={"role": {"before": before_role, "after": MembershipRole.OWNER}},
        )
    return organization


@transaction.atomic
def counter_next(*, organization: Organization, name: str) -> int:
    """Allocate the next per-org number for `name` (race-free: F() bump under a row lock)."""
    counter, _ = OrgCounter.objects.get_or_create(organization=organization, name=name)
    OrgCounter.objects.filter(pk=counter.pk).update(value=F("value") + 1)
    return OrgCounter.objects.values_list("value", flat=True).get(pk=counter.pk)


# --- members ------------------------------------------------------------------------------------


def _lock_owner_count(organization: Organization) -> int:
    owners = Membership.objects.select_for_update().filter(organization=organization, role=MembershipRole.OWNER)
    return len(list(owners.values_list("pk", flat=True)))


@transaction.atomic
def membership_role_change(*, membership: Membership, role: str, actor: Actor) -> Membership:
    """Change a member's role. The last owner cannot step down (an org always has an owner)."""
    if role not in MembershipRole.values:
        raise ValidationError({"role": f"Unknown role “{role}”."})
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    if membership.role == role:
        return membership
    if membership.role == MembershipRole.OWNER and _lock_owner_count(membership.organization) <= 1:
        raise ValidationError({"role": "This is the last owner. Make someone else an owner first."})
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    audit_record(
        organization=membership.organization,
        actor=actor,
        action="member.role_changed",
        target=membership,
        target_label=membership.user.email,
        changes={"role": {"before": before, "after": role}},
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor: Actor) -> None:
    """Remove a member from the org and its teams. The last owner cannot be removed."""
    membership = Membership.objects.select_for_update().select_related("user", "organization").get(pk=membership.pk)
    if membership.role == MembershipRole.OWNER and _lock_owner_count(membership.organization) <= 1:
        raise ValidationError("This is the last owner of the organization and cannot be removed.")
    TeamMembership.objects.for_org(membership.organization).filter(user=membership.user).delete()
    audit_record(
        organization=membership.organization,
        actor=actor,
        action="member.removed",
        target=membership,
        target_label=membership.user.email,
        changes={"role": {"before": membership.role, "after": None}},
    )
    organization_id, user_id = membership.organization_id, membership.user_id
    membership.delete()
    transaction.on_commit(
        lambda: live.membership_revoked_broadcast(organization_id=organization_id, user_id=user_id), robust=True
    )


# --- invitations -------------------------------------------------------------------------------


def invitation_signed_token(invitation: Invitation) -> str:
    return signing.dumps(str(invitation.uuid), salt=INVITATION_SALT)


def invitation_accept_url(invitation: Invitation) -> str:
    return f"{settings.SITE_URL}/invitations/{invitation_signed_token(invitation)}/"


@transaction.atomic
def invitation_create(*, organization: Organization, email: str, role: str, actor: Actor) -> Invitation:
    """Invite someone by email; the signed link is emailed after commit."""
    from orgs import tasks

    email = User.objects.normalize_email(email).strip().lower()
    if role not in MembershipRole.values:
        raise ValidationError({"role": f"Unknown role “{role}”."})
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError({"email": f"{email} is already a member of {organization.name}."})
    if Invitation.objects.for_org(organization).filter(email=email, accepted_at=None, revoked_at=None).exists():
        raise ValidationError({"email": f"{email} already has a pending invitation. Revoke it to send a new one."})
    invitation = Invitation.objects.create(organization=organization, email=email, role=role, invited_by=actor.user)
    audit_record(
        organization=organization,
        actor=actor,
        action="invitation.created",
        target=invitation,
        target_label=email,
        changes={"role": {"before": None, "after": role}},
    )
    tasks.invitation_send.delay_on_commit(invitation.pk)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: Actor) -> Invitation:
    """Revoke a pending invitation so its link stops working."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ValidationError("This invitation is no longer pending.")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        organization=invitation.organization,
        actor=actor,
        action="invitation.revoked",
        target=invitation,
        target_label=invitation.email,
    )
    return invitation


def invitation_from_token(*, token: str) -> Invitation:
    """Resolve a signed invitation link; ValidationError if tampered, expired, used or revoked."""
    max_age = settings.INVITATION_MAX_AGE_DAYS * 86400
    try:
        invitation_uuid = signing.loads(token, salt=INVITATION_SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise ValidationError("This invitation link has expired. Ask for a new one.") from exc
    except signing.BadSignature as exc:
        raise ValidationError("This invitation link is not valid.") from exc
    invitation = Invitation.objects.select_related("organization").filter(uuid=invitation_uuid).first()
    if invitation is None or invitation.revoked_at is not None:
        raise ValidationError("This invitation has been revoked.")
    if invitation.accepted_at is not None:
        raise ValidationError("This invitation has already been used.")
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User, ip_address: str | None = None) -> Membership:
    """Turn a pending invitation into a membership for `user` (whose email must match)."""
    invitation = Invitation.objects.select_for_update().select_related("organization").get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ValidationError("This invitation is no longer pending.")
    if user.email.lower() != invitation.email.lower():
        raise ValidationError(f"This invitation was sent to {invitation.email}. Sign in with that address.")
    membership, created = Membership.objects.get_or_create(
        organization=invitation.organization, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at", "updated_at"])
    if created:
        audit_record(
            organization=invitation.organization,
            actor=Actor(user=user, ip_address=ip_address),
            action="member.added",
            target=membership,
            target_label=user.email,
            changes={"role": {"before": None, "after": membership.role}},
        )
    return membership


@transaction.atomic
def invitation_signup(*, invitation: Invitation, full_name: str, password: str, ip_address: str | None = None) -> User:
    """Create the invitee's account and accept the invitation with it."""
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError("An account with this email already exists. Sign in to accept the invitation.")
    user = User(email=invitation.email, full_name=full_name.strip())
    _password_validate(password, user)
    user.set_password(password)
    user.save()
    invitation_accept(invitation=invitation, user=user, ip_address=ip_address)
    return user


# --- teams ---------------------------------------------------------------------------------------

TEAM_FIELDS = ("name", "slug", "description", "chat_channel", "email")
# Team slugs share a URL level with these fixed paths: /o/<org>/teams/new/ is the create page.
RESERVED_TEAM_SLUGS = frozenset({"new"})


def _team_snapshot(team: Team) -> dict[str, Any]:
    return {f: getattr(team, f) for f in TEAM_FIELDS}


def _team_slug_check(*, organization: Organization, slug: str, name: str, exclude_pk: int | None) -> None:
    others = Team.objects.for_org(organization).exclude(pk=exclude_pk)
    errors = {}
    if slug in RESERVED_TEAM_SLUGS:
        errors["slug"] = f"“{slug}” is reserved; choose another."
    elif others.filter(slug=slug).exists():
        errors["slug"] = f"A team with the slug “{slug}” already exists."
    if others.filter(name__iexact=name).exists():
        errors["name"] = f"A team named “{name}” already exists."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def team_create(
    *,
    organization: Organization,
    name: str,
    actor: Actor,
    slug: str = "",
    description: str = "",
    chat_channel: str = "",
    email: str = "",
) -> Team:
    """Create a team in the org (slug derived from the name when blank, cut to fit its column)."""
    name = name.strip()
    slug = slugify(slug) if slug else slug_from(name, Team._meta.get_field("slug").max_length)
    if not slug:
        raise ValidationError({"name": "Enter a name with at least one letter or number."})
    _team_slug_check(organization=organization, slug=slug, name=name, exclude_pk=None)
    team = Team.objects.create(
        organization=organization,
        name=name,
        slug=slug,
        description=description,
        chat_channel=chat_channel,
        email=email,
    )
    audit_record(
        organization=organization,
        actor=actor,
        action="team.created",
        target=team,
        changes=_diff(dict.fromkeys(TEAM_FIELDS), _team_snapshot(team)),
    )
    return team


@transaction.atomic
def team_update(*, team: Team, actor: Actor, **fields: str) -> Team:
    """Update a team's name, slug, description or contacts."""
    team = Team.objects.select_for_update().get(pk=team.pk)
    unknown = set(fields) - set(TEAM_FIELDS)
    if unknown:
        raise ValueError(f"Unknown team fields: {sorted(unknown)}")
    before = _team_snapshot(team)
    for field, value in fields.items():
        setattr(team, field, value.strip() if field == "name" else value)
    if "slug" in fields:
        team.slug = slugify(team.slug)
        if not team.slug:
            raise ValidationError({"slug": "Enter letters, numbers or hyphens."})
    _team_slug_check(organization=team.organization, slug=team.slug, name=team.name, exclude_pk=team.pk)
    changes = _diff(before, _team_snapshot(team))
    if not changes:
        return team
    team.save(update_fields=[*changes.keys(), "updated_at"])
    audit_record(organization=team.organization, actor=actor, action="team.updated", target=team, changes=changes)
    return team


@transaction.atomic
def team_delete(*, team: Team, actor: Actor) -> None:
    """Delete a team (its memberships go with it; people stay in the org)."""
    audit_record(
        organization=team.organization,
        actor=actor,
        action="team.deleted",
        target=team,
        changes=_diff(_team_snapshot(team), dict.fromkeys(TEAM_FIELDS)),
    )
    team.delete()


@transaction.atomic
def team_member_add(*, team: Team, user: User, actor: Actor) -> TeamMembership:
    """Add an org member to a team; people outside the org cannot be added."""
    if not Membership.objects.filter(organization_id=team.organization_id, user=user).exists():
        raise ValidationError({"user": "Only members of this organization can join its teams."})
    team_membership, created = TeamMembership.objects.get_or_create(
        organization_id=team.organization_id, team=team, user=user
    )
    if created:
        audit_record(
            organization=team.organization,
            actor=actor,
            action="team.member_added",
            target=team,
            changes={"member": {"before": None, "after": user.email}},
        )
    return team_membership


@transaction.atomic
def team_member_remove(*, team: Team, user: User, actor: Actor) -> None:
    """Remove a person from a team (they stay in the org)."""
    deleted, _ = TeamMembership.objects.for_org(team.organization).filter(team=team, user=user).delete()
    if deleted:
        audit_record(
            organization=team.organization,
            actor=actor,
            action="team.member_removed",
            target=team,
            changes={"member": {"before": user.email, "after": None}},
        )


# --- API tokens ----------------------------------------------------------------------------------


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, organization: Organization, name: str, role: str, actor: Actor, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is never stored and never shown again."""
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        organization=organization,
        name=name.strip(),
        role=role,
        prefix=prefix,
        token_hash=token_hash(raw),
        created_by=actor.user,
        expires_at=expires_at,
    )
    audit_record(
        organization=organization,
        actor=actor,
        action="api_token.created",
        target=token,
        changes={"role": {"before": None, "after": role}},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: Actor) -> ApiToken:
    """Revoke a token: every later request with it gets 401."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    audit_record(organization=token.organization, actor=actor, action="api_token.revoked", target=token)
    return token


LAST_USED_RESOLUTION_SECONDS = 60


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    """Find the active token for a raw secret and stamp `last_used_at` (at most once a minute)."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    prefix = raw[len(TOKEN_PREFIX) :].split("_", 1)[0]
    token = ApiToken.objects.select_related("organization").filter(prefix=prefix).first()
    if token is None or not secrets.compare_digest(token.token_hash, token_hash(raw)) or not token.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= LAST_USED_RESOLUTION_SECONDS:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def invitation_email_send(*, invitation_id: int) -> bool:
    """Send the invitation email once; returns False when there was nothing to send.

    The row is locked only to decide and to stamp `email_sent_at`; SMTP happens outside the lock.
    """
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    with transaction.atomic():
        invitation = (
            # of=("self",): invited_by is a nullable (outer) join, which PostgreSQL refuses to lock.
            Invitation.objects.select_for_update(of=("self",))
            .select_related("organization", "invited_by")
            .get(pk=invitation_id)
        )
        if not invitation.is_pending or invitation.email_sent_at is not None:
            return False
    context = {
        "invitation": invitation,
        "accept_url": invitation_accept_url(invitation),
        "max_age_days": settings.INVITATION_MAX_AGE_DAYS,
    }
    send_mail(
        subject=f"You're invited to {invitation.organization.name} on Firebreak",
        message=render_to_string("orgs/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )
    Invitation.objects.filter(pk=invitation.pk, email_sent_at=None).update(email_sent_at=timezone.now())
    return True


@transaction.atomic
def user_signed_in(*, user: User, ip_address: str | None) -> int:
    """Record a sign-in in the audit log of each of the user's orgs; returns how many."""
    return _user_event(user=user, actor=Actor(user=user, ip_address=ip_address), action="user.signed_in")


@transaction.atomic
def user_sign_in_failed(*, email: str, ip_address: str | None) -> int:
    """Record a refused sign-in (wrong password, deactivated account) as the account's in the audit log of each
    of its orgs, so their admins see attempts on it. An email with no account records nothing (there is no org
    to tell, and the log must not become a list of guessed addresses)."""
    user = User.objects.filter(email__iexact=email.strip()).first() if email else None
    if user is None:
        return 0
    actor = Actor(ip_address=ip_address, name="someone not signed in")
    return _user_event(user=user, actor=actor, action="user.sign_in_failed")


def _user_event(*, user: User, actor: Actor, action: str) -> int:
    organizations = list(Organization.objects.filter(memberships__user=user))
    for organization in organizations:
        audit_record(
            organization=organization,
            actor=actor,
            action=action,
            target=user,
            target_id=str(user.uuid),
            target_label=user.email,
        )
    return len(organizations)


@transaction.atomic
@transaction.atomic
def user_profile_update(*, user: User, full_name: str, time_zone: str) -> User:
    """Set how the person is named and the zone their pages show times in ("" = their browser's zone)."""
    if time_zone:
        try:
            validate_time_zone(time_zone)
        except ValidationError as exc:
            raise ValidationError({"time_zone": exc.messages}) from exc
    user.full_name = full_name.strip()
    user.time_zone = time_zone
    user.save(update_fields=["full_name", "time_zone"])
    return user


def user_password_changed(*, user: User, actor: Actor, via: str) -> int:
    """Record a password change (`via` "change" or "reset") in the audit log of each of the user's orgs."""
    organizations = Organization.objects.filter(memberships__user=user)
    for organization in organizations:
        audit_record(
            organization=organization,
            actor=actor,
            action=f"user.password_{via}",
            target=user,
            target_id=str(user.uuid),
            target_label=user.email,
        )
    return len(organizations)

"""Invitations: signed links, created, revoked, accepted (by a member or by signing up) and emailed once."""

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from orgs import throttling
from orgs.actions.audit import audit_record
from orgs.actions.users import _password_validate
from orgs.models import Invitation, Membership, MembershipRole, Organization, User
from orgs.tenancy import Actor

INVITATION_SALT = "firebreak.invitation"


def invitation_signed_token(invitation: Invitation) -> str:
    return signing.dumps(str(invitation.uuid), salt=INVITATION_SALT)


def invitation_accept_url(invitation: Invitation) -> str:
    return f"{settings.SITE_URL}/invitations/{invitation_signed_token(invitation)}/"


@transaction.atomic
def invitation_create(*, organization: Organization, email: str, role: str, actor: Actor) -> Invitation:
    """Invite someone by email; the signed link is emailed after commit. At most INVITATION_EMAILS_PER_ADDRESS
    invitations to one address and INVITATION_EMAILS_PER_IP from one client an hour (RateLimited past them:
    revoking and inviting again must not turn into mail bombing)."""
    from orgs import tasks

    email = User.objects.normalize_email(email).strip().lower()
    if role not in MembershipRole.values:
        raise ValidationError({"role": f"Unknown role “{role}”."})
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError({"email": f"{email} is already a member of {organization.name}."})
    if Invitation.objects.for_org(organization).filter(email=email, accepted_at=None, revoked_at=None).exists():
        raise ValidationError({"email": f"{email} already has a pending invitation. Revoke it to send a new one."})
    throttling.invitation_email_allow(email=email, ip=actor.ip_address)
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

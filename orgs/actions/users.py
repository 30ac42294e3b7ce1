"""People: signing up, their profile, and the sign-in, refused sign-in and password records in each of their
orgs' audit logs."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction

from core.timefmt import validate_time_zone
from orgs.actions.audit import audit_record
from orgs.actions.organizations import organization_create
from orgs.models import Organization, User
from orgs.tenancy import Actor


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

"""People: signing up, their profile, and the sign-in, refused sign-in, sign-in lock and password records in
each of their orgs' audit logs. Refused sign-ins also count towards the locks of orgs/throttling.py."""

from datetime import UTC, datetime
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from core.timefmt import validate_time_zone
from orgs import throttling
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
    """Record a sign-in in the audit log of each of the user's orgs, and forgive the account's refused sign-ins
    so far; returns how many orgs."""
    throttling.signin_succeeded(email=user.email)
    return _user_event(user=user, actor=Actor(user=user, ip_address=ip_address), action="user.signed_in")


@transaction.atomic
def user_sign_in_failed(*, email: str, ip_address: str | None) -> int:
    """Count a refused sign-in (wrong password, deactivated account) towards the locks of the address and the
    client (orgs/throttling.py), and record it as the account's in the audit log of each of its orgs, so their
    admins see attempts on it — and `user.sign_in_locked` when it locked the account. An email with no account
    records nothing (there is no org to tell, and the log must not become a list of guessed addresses), but
    counts the same: a lock must not tell which addresses have an account. Returns how many orgs."""
    email = email.strip().lower() if email else ""
    locks = throttling.signin_failure_record(email=email, ip=ip_address)
    user = User.objects.filter(email__iexact=email).first() if email else None
    if user is None:
        return 0
    actor = Actor(ip_address=ip_address, name="someone not signed in")
    count = _user_event(user=user, actor=actor, action="user.sign_in_failed")
    for lock in locks:
        if lock.scope == "account":
            locked_until = datetime.fromtimestamp(lock.until, tz=UTC).isoformat().replace("+00:00", "Z")
            changes = {"failed_attempts": lock.failures, "locked_minutes": lock.minutes, "locked_until": locked_until}
            _user_event(user=user, actor=actor, action="user.sign_in_locked", changes=changes)
    return count


def user_login_failed_receive(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Receiver of Django's `user_login_failed` (every authenticate() that refused: the sign-in page, the
    admin's): record the attempt, unless a lock refused it before any password was checked (connected in
    OrgsConfig.ready())."""
    if request is None or getattr(request, "signin_lock", None) is not None:
        return
    user_sign_in_failed(email=str(credentials.get("username") or ""), ip_address=throttling.client_address(request))


def _user_event(*, user: User, actor: Actor, action: str, changes: dict[str, Any] | None = None) -> int:
    organizations = list(Organization.objects.filter(memberships__user=user))
    for organization in organizations:
        audit_record(
            organization=organization,
            actor=actor,
            action=action,
            target=user,
            target_id=str(user.uuid),
            target_label=user.email,
            changes=changes,
        )
    return len(organizations)


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
    """Record a password change (`via` "change" or "reset") in the audit log of each of the user's orgs; a
    reset (which proves the owner of the address) also lifts the account's sign-in lock, once committed."""
    if via == "reset":
        email = user.email
        transaction.on_commit(lambda: throttling.signin_unlock(email=email))
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

"""Role checks for pages and the API. Roles: owner > admin > responder > viewer."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from orgs.models import Membership, MembershipRole

VIEWER = MembershipRole.VIEWER
RESPONDER = MembershipRole.RESPONDER
ADMIN = MembershipRole.ADMIN
OWNER = MembershipRole.OWNER


def require_role(membership: Membership | None, minimum: str) -> None:
    """Raise PermissionDenied unless the membership's role is at least `minimum`."""
    if membership is None or not membership.has_role(minimum):
        raise PermissionDenied(f"This needs the {MembershipRole(minimum).label.lower()} role or higher.")


def role_required(minimum: str) -> Callable:
    """View decorator: the signed-in member needs at least `minimum` in the URL's org."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            require_role(getattr(request, "membership", None), minimum)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def can_assign_role(actor_role: str, target_current_role: str | None, new_role: str | None) -> bool:
    """Admins manage admins, responders and viewers; only owners grant, change or remove owners."""
    if actor_role == OWNER:
        return True
    if actor_role != ADMIN:
        return False
    return OWNER not in (target_current_role, new_role)


def assignable_roles(actor_role: str) -> list[tuple[str, str]]:
    return [(value, label) for value, label in MembershipRole.choices if can_assign_role(actor_role, None, value)]

"""API role checks: reads need viewer; writes need the view's `write_role` (responder by default)."""

from typing import TYPE_CHECKING

from rest_framework import permissions
from rest_framework.request import Request

from orgs.models import ApiToken, MembershipRole

if TYPE_CHECKING:
    from rest_framework.views import APIView


class HasOrgRole(permissions.BasePermission):
    message = "This API token's role does not allow this action."

    def has_permission(self, request: Request, view: "APIView") -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        if request.method in permissions.SAFE_METHODS:
            minimum = getattr(view, "read_role", MembershipRole.VIEWER)
        else:
            minimum = view.get_write_role() if hasattr(view, "get_write_role") else MembershipRole.RESPONDER
        if not token.has_role(minimum):
            self.message = (
                f"This needs a token with the {MembershipRole(minimum).label.lower()} role or higher; "
                f"this token is {token.role}."
            )
            return False
        return True

"""The OpenAPI schema documents every error status a route can answer, derived from the view by class.

Set as DEFAULT_SCHEMA_CLASS. After drf-spectacular builds an operation, `AutoSchema` adds the error responses
it really answers, each a reusable response (components/responses) with the one `Error` body of
orgs/api/errors.py:

- 400 everywhere: invalid input, an action the domain refuses, and on any route a NUL character in the URL
  or a query value over core.limits.QUERY_VALUE_MAX_CHARS (core.middleware.RejectUnsafeInputMiddleware; every
  free string query parameter is documented with that maxLength);
- 401 on every route that needs a token;
- 403 where the token's role can fall short (HasOrgRole: writes, role-restricted actions, admin-only reads);
- 404 on routes with path parameters (no such object in the token's org) and on paginated lists (a page
  past the end, an invalid cursor);
- 413 and 415 on routes with a body: over the parser's size limit, or not a documented media type;
- 429 on routes with a throttle (every /api/v1/ route: orgs/api/throttles.py), with its `Retry-After` header.

A route that answers something more says so with `@extend_schema(responses={..., code: error_response(code)})`.
"""

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions

from core import limits
from orgs.api.errors import ErrorSerializer
from orgs.api.permissions import HasOrgRole
from orgs.models import ROLE_RANK, ApiTokenRole, MembershipRole

# Each error status: its reusable response (components/responses) and what it means.
ERRORS = {
    400: ("BadRequest", "The request is invalid: `error.fields` names each bad field."),
    401: ("Unauthorized", "No token, or an invalid, revoked or expired one."),
    403: ("Forbidden", "The token's role does not allow this."),
    404: ("NotFound", "No such object in the token's organization."),
    405: ("MethodNotAllowed", "Method not allowed."),
    409: ("Conflict", "The request conflicts with the current state."),
    413: ("ContentTooLarge", "The request body is too large."),
    415: ("UnsupportedMediaType", "Unsupported media type: send the documented Content-Type."),
    429: ("TooManyRequests", "Too many requests: retry after the Retry-After header's seconds."),
}
# Headers an error response carries, by status.
ERROR_HEADERS = {
    429: {
        "Retry-After": {
            "description": "Seconds to wait before the next request counts against a fresh budget.",
            "schema": {"type": "integer", "minimum": 1},
        }
    }
}
PAGING = {"page", "cursor"}  # an invalid value is DRF's 404 "Invalid page" / "Invalid cursor"
LOWEST_TOKEN_ROLE_RANK = min(ROLE_RANK[role] for role in ApiTokenRole.values)


def error_response(status_code: int, description: str = "") -> OpenApiResponse:
    """An error response for `@extend_schema(responses=...)`, for the statuses a route answers beyond the usual."""
    return OpenApiResponse(ErrorSerializer, description=description or ERRORS[status_code][1])


def bound_text(schema: dict[str, Any]) -> None:
    """A free string (or list of them) a query parameter takes gets the bound core.middleware enforces."""
    if schema.get("type") == "array":
        schema = schema.get("items", {})
    if schema.get("type") == "string" and "enum" not in schema and "maxLength" not in schema:
        schema["maxLength"] = limits.QUERY_VALUE_MAX_CHARS


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query":
                bound_text(parameter.get("schema", {}))
        responses = operation["responses"]
        for code in self.error_statuses(operation):
            responses.setdefault(str(code), self._error_response_ref(code))
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_response_ref(self, code: int) -> dict[str, str]:
        name, description = ERRORS[code]
        component = ResolvedComponent(name=name, type=ResolvedComponent.RESPONSE, object=code)
        if component not in self.registry:
            error = self.resolve_serializer(ErrorSerializer, "response")
            component.schema = {
                "description": description,
                **({"headers": ERROR_HEADERS[code]} if code in ERROR_HEADERS else {}),
                "content": {"application/json": {"schema": error.ref}},
            }
            self.registry.register(component)
        return component.ref

    def error_statuses(self, operation: dict[str, Any]) -> set[int]:
        """The 4xx statuses this operation can answer, from its view and its documented inputs."""
        parameters = operation.get("parameters", [])
        codes = {400}
        if operation.get("security") and {} not in operation["security"]:
            codes.add(401)
        if self._role_can_refuse():
            codes.add(403)
        if any(p["in"] == "path" or (p["in"] == "query" and p["name"] in PAGING) for p in parameters):
            codes.add(404)
        if "requestBody" in operation:
            codes.add(415)
            if any(getattr(parser, "max_body_bytes", None) for parser in self.view.get_parsers()):
                codes.add(413)
        if self.view.get_throttles():
            codes.add(429)
        return codes

    def _role_can_refuse(self) -> bool:
        """Whether HasOrgRole refuses some token here: the role this method needs is above the lowest token role."""
        view = self.view
        if not any(isinstance(permission, HasOrgRole) for permission in view.get_permissions()):
            return False
        if self.method in permissions.SAFE_METHODS:
            minimum = getattr(view, "read_role", MembershipRole.VIEWER)
        else:
            minimum = view.get_write_role() if hasattr(view, "get_write_role") else MembershipRole.RESPONDER
        return ROLE_RANK[minimum] > LOWEST_TOKEN_ROLE_RANK

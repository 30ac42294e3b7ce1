"""One error body for every 4xx: {"error": {"status", "code", "message", "fields"}}."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from orgs.throttling import RateLimited

MESSAGES = {
    400: "The request is invalid.",
    401: "Authentication is required.",
    403: "You do not have permission to do this.",
    404: "Not found.",
    405: "Method not allowed.",
    415: "Unsupported media type.",
    429: "Too many requests.",
}


class ErrorDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status, repeated.")
    code = serializers.CharField(help_text="Machine-readable: `invalid`, `not_authenticated`, `permission_denied`, …")
    message = serializers.CharField(help_text="One sentence for a person.")
    fields = serializers.DictField(
        child=serializers.JSONField(),
        help_text="400 only: each invalid field (or `non_field_errors`) with its messages; empty otherwise.",
    )


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx answer (the `Error` component of the OpenAPI schema)."""

    error = ErrorDetailSerializer()


def error_body(status_code: int, code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"status": status_code, "code": code, "message": message, "fields": fields or {}}}


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {k: _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        if any(isinstance(v, dict | list) for v in detail):
            return [_flatten(v) for v in detail]
        return [str(v) for v in detail]
    return [str(detail)]


def _from_django_validation_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError({k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()})
    return exceptions.ValidationError({"non_field_errors": exc.messages})


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Map every API error, including Django's ValidationError raised by actions, to one shape (an action's
    RateLimited is a 429 with Retry-After, like the API's own rate limits)."""
    if isinstance(exc, RateLimited):
        throttled = exceptions.Throttled(detail=exc.messages[0])
        throttled.wait = exc.retry_after  # DRF's handler sends it as Retry-After
        exc = throttled
    elif isinstance(exc, DjangoValidationError):
        exc = _from_django_validation_error(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = _flatten(detail)
        non_field = fields.get("non_field_errors") if isinstance(fields, dict) else None
        message = non_field[0] if non_field else MESSAGES[400]
        response.data = error_body(response.status_code, "invalid", message, fields)
    else:
        detail = getattr(exc, "detail", None)
        message = str(detail) if detail else MESSAGES.get(response.status_code, "Error.")
        if isinstance(exc, exceptions.NotFound):
            code = "not_found"
        response.data = error_body(response.status_code, str(code), message)
    return response


def json_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body(404, "not_found", MESSAGES[404]), status=status.HTTP_404_NOT_FOUND)

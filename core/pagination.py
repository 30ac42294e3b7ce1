"""Cursor pagination that answers a forged cursor the way DRF answers a garbled one: 404 "Invalid cursor".

DRF decodes the cursor's base64 and query string itself, but uses the position it carries (`p=`) in a
filter unchecked: a well-formed cursor whose position is not a value of the ordering field (`p=abc` for
an integer id, a NUL character) reached the database and failed as a 500. Here the position is converted
by the ordering field first, and anything it refuses is the same 404 as any other invalid cursor.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from rest_framework import pagination
from rest_framework.exceptions import NotFound
from rest_framework.request import Request


class CursorPagination(pagination.CursorPagination):
    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list | None:
        self.model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Request) -> pagination.Cursor | None:
        cursor = super().decode_cursor(request)
        if cursor is None or cursor.position is None:
            return cursor
        ordering = self.ordering[0] if isinstance(self.ordering, list | tuple) else self.ordering
        field = self.model._meta.get_field(ordering.lstrip("-"))
        try:
            if "\x00" in cursor.position:
                raise ValidationError("NUL")
            field.to_python(cursor.position)
        except (ValidationError, ValueError, TypeError, OverflowError):
            raise NotFound(self.invalid_cursor_message) from None
        return cursor

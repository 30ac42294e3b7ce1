"""Small helpers every app's pages share: pagination here; the form helpers live in core.pages and are
re-exported for the pages that import them from here."""

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest

from core.pages import confirm_delete, form_add_validation_error, form_save

__all__ = ["PAGE_SIZE", "confirm_delete", "form_add_validation_error", "form_save", "paginate"]

PAGE_SIZE = 50


def paginate(request: HttpRequest, queryset: Any, per_page: int = PAGE_SIZE) -> Any:
    """One page of `queryset` from the request's `?page=` (out-of-range pages give the last page)."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))

"""Small helpers every app's pages share (forms and pagination)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest

PAGE_SIZE = 50


def form_add_validation_error(form: Form, exc: ValidationError) -> None:
    """Attach an action's ValidationError to the form: field errors where the form has the field."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def paginate(request: HttpRequest, queryset: Any, per_page: int = PAGE_SIZE) -> Any:
    """One page of `queryset` from the request's `?page=` (out-of-range pages give the last page)."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))

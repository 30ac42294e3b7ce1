"""Small helpers every app's pages share (forms, settings pages and pagination)."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

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


def form_save(
    request: HttpRequest,
    form: Form,
    change: Callable[[dict[str, Any]], Any],
    done: Callable[[Any], str],
    *,
    back: str,
    template: str,
    **page: Any,
) -> HttpResponse:
    """Run `change` with a valid form's data and go `back` with the `done` message, or show the form again
    (400 with the errors; an action's ValidationError lands on its fields)."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = change(form.cleaned_data)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, done(saved))
            return redirect(back)
    context = {"form": form, "cancel_url": back, **page}
    return render(request, template, context, status=400 if form.errors else 200)


def confirm_delete(
    request: HttpRequest, remove: Callable[[], Any], done: str, *, back: str, template: str, **page: Any
) -> HttpResponse:
    """GET asks for confirmation; POST runs `remove` and goes `back`, or shows why it was refused (400)."""
    context = {"cancel_url": back, **page}
    if request.method == "POST":
        try:
            remove()
        except ValidationError as exc:
            return render(request, template, {**context, "refused": exc.messages}, status=400)
        messages.success(request, done)
        return redirect(back)
    return render(request, template, context)

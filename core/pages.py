"""Page helpers every app's HTML views share: saving a form, a confirmed delete, a change applied from a form
posted on a detail page, and the add/edit/delete pages of an app's settings page (one form template and one
confirmation template for every app: templates/core/settings_form.html and settings_confirm.html).

A refused change (an invalid form, or an action's ValidationError) shows the form again with the reasons and
status 400; a done one goes back with a success message."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core.forms import SettingsForm


def form_add_validation_error(form: Form, exc: ValidationError) -> None:
    """Attach an action's ValidationError to the form: field errors where the form has the field."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def form_error_messages(form: Form) -> list[str]:
    """Every error of the form, field and non-field, as text (for a page that lists why a change was refused)."""
    return [str(error) for errors in form.errors.values() for error in errors]


def form_apply(
    request: HttpRequest,
    form: Form,
    change: Callable[[dict[str, Any]], Any],
    done: str | Callable[[Any], str],
    *,
    success: Callable[[], HttpResponse],
    failure: Callable[[], HttpResponse],
) -> HttpResponse:
    """Run `change` with a valid form's data, say `done` (text, or made from what `change` returned) and answer
    `success()`; an invalid form or a refused change (its ValidationError lands on the form) answers `failure()`."""
    if form.is_valid():
        try:
            saved = change(form.cleaned_data)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, done(saved) if callable(done) else done)
            return success()
    return failure()


@dataclass(frozen=True)
class RecordPage:
    """The page of one record (an incident, a retrospective) that forms are posted from: a done change goes back to
    it (`back(record, anchor)`), a refused one shows it again (`template` with `context(request, record, **extra)`)
    saying why, with status 400."""

    template: str
    context: Callable[..., dict[str, Any]]
    back: Callable[[Any, str], HttpResponse]

    def refuse(self, request: HttpRequest, record: Any, form: Form, what: str, **extra: Any) -> HttpResponse:
        """The page again with why `what` did not happen (400); `extra` keeps what was typed."""
        errors = form_error_messages(form)
        context = self.context(request, record, refused=what, refused_errors=errors, **extra)
        return render(request, self.template, context, status=400)

    def apply(
        self,
        request: HttpRequest,
        record: Any,
        form: Form,
        change: Callable[[dict[str, Any]], Any],
        done: str,
        refused: str,
        anchor: str = "",
        **extra: Any,
    ) -> HttpResponse:
        """Run `change` with a valid form's data; go back to the record, or show its page again with the errors."""
        return form_apply(
            request,
            form,
            change,
            done,
            success=lambda: self.back(record, anchor),
            failure=lambda: self.refuse(request, record, form, refused, **extra),
        )


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

    def form_page() -> HttpResponse:
        context = {"form": form, "cancel_url": back, **page}
        return render(request, template, context, status=400 if form.errors else 200)

    if request.method != "POST":
        return form_page()
    return form_apply(request, form, change, done, success=lambda: redirect(back), failure=form_page)


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


@dataclass(frozen=True)
class SettingsPages:
    """The add, edit and delete pages of one app's settings page, whose sections are anchors of it.

    `settings` names the settings page's URL, `crumb` and `crumb_url` the app page the breadcrumb starts from
    ("Incidents / Settings"), and `title` heads the confirmation pages ("Incident settings"). Every URL takes the
    request's org slug. A page's own words (`title`, `submit_label`, `note`, `body`, `confirm_label`) and its
    `section` come as keywords."""

    settings: str
    crumb: str
    crumb_url: str
    title: str
    form_template: str = "core/settings_form.html"
    confirm_template: str = "core/settings_confirm.html"

    def url(self, request: HttpRequest, section: str = "") -> str:
        """The settings page, at `section` if given."""
        url = reverse(self.settings, kwargs={"org_slug": request.organization.slug})
        return url + (f"#{section}" if section else "")

    def _frame(self, request: HttpRequest) -> dict[str, str]:
        crumb_url = reverse(self.crumb_url, kwargs={"org_slug": request.organization.slug})
        return {"settings_crumb": self.crumb, "settings_crumb_url": crumb_url, "settings_title": self.title}

    def save(
        self,
        request: HttpRequest,
        form: Form,
        change: Callable[[dict[str, Any]], Any],
        done: Callable[[Any], str],
        **page: Any,
    ) -> HttpResponse:
        """Run `change` with a valid form's data and go back to the settings section, or show the form again (a
        SettingsForm in the rows of its layout)."""
        back = self.url(request, page["section"])
        rows = form.rows() if isinstance(form, SettingsForm) else None
        return form_save(
            request,
            form,
            change,
            done,
            back=back,
            template=self.form_template,
            rows=rows,
            **self._frame(request),
            **page,
        )

    def delete(self, request: HttpRequest, remove: Callable[[], Any], done: str, **page: Any) -> HttpResponse:
        """GET asks for confirmation; POST runs `remove`, or shows why it was refused (400)."""
        back = self.url(request, page["section"])
        return confirm_delete(
            request, remove, done, back=back, template=self.confirm_template, **self._frame(request), **page
        )

"""The shared kit in core that the apps' pages and APIs use instead of their own copies: applying a posted form,
the settings pages' URLs and redirects, the zoned datetime-local field and the optional date-time fields."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import RequestFactory

from core.fields import UTCDateTimeField, ZonedDateTimeField, optional_datetime_fields
from core.pages import SettingsPages, form_apply, form_error_messages
from incidents.models import MILESTONES, Incident


class NameForm(forms.Form):
    name = forms.CharField(max_length=10)


def post(data: dict | None = None, organization: object = None):
    request = RequestFactory().post("/", data or {})
    request.session = {}
    request._messages = FallbackStorage(request)
    request.organization = organization
    return request


def said(request) -> list[str]:
    return [str(message) for message in get_messages(request)]


def answer(text: str):
    return lambda: HttpResponse(text)


# --- form_apply -------------------------------------------------------------------------------------------


def test_a_valid_form_runs_the_change_says_done_and_answers_success():
    request, changed = post({"name": "Ada"}), []
    response = form_apply(
        request,
        NameForm(request.POST),
        changed.append,
        lambda saved: f"{saved} changed",
        success=answer("ok"),
        failure=answer("again"),
    )

    assert (response.content, changed, said(request)) == (b"ok", [{"name": "Ada"}], ["None changed"])


def test_an_invalid_form_answers_failure_without_running_the_change():
    request, changed = post({"name": "x" * 11}), []
    form = NameForm(request.POST)

    response = form_apply(request, form, changed.append, "done", success=answer("ok"), failure=answer("again"))

    assert (response.content, changed, said(request)) == (b"again", [], [])
    assert form_error_messages(form) == ["Ensure this value has at most 10 characters (it has 11)."]


def test_a_refused_change_lands_on_its_field_or_on_the_form():
    def refuse(data: dict) -> None:
        raise ValidationError({"name": "Taken.", "other": "Not a field here."})

    request = post({"name": "Ada"})
    form = NameForm(request.POST)

    response = form_apply(request, form, refuse, "done", success=answer("ok"), failure=answer("again"))

    assert response.content == b"again"
    assert (form.errors["name"], form.non_field_errors()) == (["Taken."], ["Not a field here."])
    assert said(request) == []


# --- settings pages ---------------------------------------------------------------------------------------

PAGES = SettingsPages(
    settings="incidents:incident-settings", crumb="Incidents", crumb_url="incidents:incident-list", title="T"
)


def test_settings_pages_point_at_a_section_of_the_org_settings_page(org):
    request = post(organization=org)

    assert PAGES.url(request) == "/o/acme/incidents/settings/"
    assert PAGES.url(request, "roles") == "/o/acme/incidents/settings/#roles"


def test_a_saved_settings_form_goes_back_to_its_section_with_the_message(org):
    request = post({"name": "Ada"}, organization=org)

    response = PAGES.save(request, NameForm(request.POST), lambda data: data["name"], "{} saved".format, section="x")

    assert (response.status_code, response["Location"]) == (302, "/o/acme/incidents/settings/#x")
    assert said(request) == ["Ada saved"]


def test_a_confirmed_settings_delete_goes_back_to_its_section(org):
    request, removed = post(organization=org), []

    response = PAGES.delete(request, lambda: removed.append(1), "Gone.", section="types")

    assert (response.status_code, response["Location"], removed) == (302, "/o/acme/incidents/settings/#types", [1])
    assert said(request) == ["Gone."]


# --- fields ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "utc"),
    [
        (UTCDateTimeField(), datetime(2024, 5, 1, 9, 30, tzinfo=UTC)),
        (ZonedDateTimeField(tz=ZoneInfo("Europe/Paris")), datetime(2024, 5, 1, 7, 30, tzinfo=UTC)),
    ],
)
def test_a_datetime_local_input_is_read_in_its_zone_and_shown_in_it(field, utc):
    value = field.clean("2024-05-01T09:30")

    assert (value, value.utcoffset(), field.prepare_value(value)) == (utc, UTC.utcoffset(None), "2024-05-01T09:30")


def test_optional_datetime_fields_follow_the_models_nullability_in_the_given_order():
    fields = optional_datetime_fields(Incident, MILESTONES, started_at="When impact began.")

    assert [(f.required, f.allow_null) for f in fields] == [
        (False, Incident._meta.get_field(name).null) for name in MILESTONES
    ]
    assert [f.help_text for f in fields[:2]] == ["When impact began.", None]
    assert fields[0]._creation_counter < fields[-1]._creation_counter

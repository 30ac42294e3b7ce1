"""The input-safety kit of core: JSON and YAML limits, the middleware's safety net, bounded dates, slugs."""

import json
from datetime import UTC, date, datetime

import pytest
import yaml as pyyaml
from django import forms
from django.core.exceptions import ValidationError
from django.db import DataError
from django.test import RequestFactory

from core import fields, limits, safejson
from core import yaml as bounded_yaml
from core.middleware import RejectUnsafeInputMiddleware
from core.text import slug_from

# --- JSON ---------------------------------------------------------------------------------------------


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_json_at_the_depth_limit_loads_and_one_more_level_is_refused():
    assert safejson.nesting_depth(safejson.loads(nested(limits.MAX_NESTING_DEPTH))) == limits.MAX_NESTING_DEPTH

    with pytest.raises(safejson.JSONRefused) as refused:
        safejson.loads(nested(limits.MAX_NESTING_DEPTH + 1))

    assert (str(refused.value), refused.value.too_deep) == ("nested too deeply (at most 64 levels)", True)


def test_json_deep_enough_to_exhaust_the_decoder_is_refused_the_same_way():
    with pytest.raises(safejson.JSONRefused) as refused:
        safejson.loads(nested(200_000))

    assert refused.value.too_deep is True


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ('{"n": NaN}', "NaN is not a JSON number"),
        ('{"n": 1e999}', "number 1e999 is out of range"),
        ("{oops", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
    ],
)
def test_json_that_postgresql_or_json_itself_refuses_is_refused(text, detail):
    with pytest.raises(safejson.JSONRefused) as refused:
        safejson.loads(text)

    assert (refused.value.detail, refused.value.too_deep) == (detail, False)


def test_unstorable_names_the_first_bad_string_by_its_path():
    body = json.loads('{"ok": "fine", "labels": {"env": ["prod", "bad\\u0000"]}}')

    assert safejson.unstorable(body) == ("labels.env.1", "Null characters are not allowed.")
    assert safejson.unstorable({"a": ["\ud800"]}) == ("a.0", safejson.SURROGATE_MESSAGE)
    assert safejson.unstorable({"k\x00": 1}) == ("k\x00", "Null characters are not allowed.")
    assert safejson.unstorable({"a": [1, {"b": "c"}]}) is None


def test_clean_drops_nuls_and_replaces_surrogates_keys_included():
    assert safejson.clean({"a\x00": ["x\x00y", "\ud800z"], "n": 1}) == {"a": ["xy", "?z"], "n": 1}


# --- YAML ---------------------------------------------------------------------------------------------


def test_yaml_with_anchors_merge_keys_and_several_documents_loads():
    text = "base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\nlist: [*b, *b]\n---\nsecond: true\n"

    assert bounded_yaml.safe_load_all(text) == [
        {"base": {"x": 1}, "other": {"x": 1, "y": 2}, "list": [{"x": 1}, {"x": 1}]},
        {"second": True},
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[" * 65 + "]" * 65, "nested too deeply (at most 64 levels)"),
        (
            "a:\n" + "".join("  " * i + "b:\n" for i in range(1, 70)) + "  " * 70 + "c\n",
            "nested too deeply (at most 64 levels)",
        ),
        ("a: &a [*a]\n", "an alias refers to a node that contains it"),
        ("x" * (limits.YAML_MAX_BYTES + 1), f"larger than the limit of {limits.YAML_MAX_BYTES:,} bytes"),
    ],
)
def test_yaml_past_a_limit_is_refused_with_the_limit(text, problem):
    with pytest.raises(bounded_yaml.YAMLLimitError) as refused:
        bounded_yaml.safe_load_all(text)

    assert refused.value.problem == problem
    assert isinstance(refused.value, pyyaml.YAMLError)


def test_a_billion_laughs_is_refused_before_it_is_expanded():
    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(8)
    )

    with pytest.raises(bounded_yaml.YAMLLimitError) as refused:
        bounded_yaml.safe_load_all(laughs)

    assert refused.value.problem == "too large once its aliases are expanded (at most 100,000 nodes)"


# --- the middleware's safety net ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/teams/", "/integrations/webhook/k/"])
def test_a_data_error_that_validation_missed_is_a_400_in_the_api_shape(path):
    middleware = RejectUnsafeInputMiddleware(lambda request: None)

    response = middleware.process_exception(RequestFactory().post(path), DataError("value too long"))

    assert response.status_code == 400
    assert json.loads(response.content) == {
        "error": {
            "status": 400,
            "code": "invalid",
            "message": "A value is out of range or too long to store.",
            "fields": {},
        }
    }


@pytest.mark.django_db
def test_a_data_error_on_a_page_is_the_400_page_and_other_errors_pass_through():
    middleware = RejectUnsafeInputMiddleware(lambda request: None)
    request = RequestFactory().post("/o/acme/teams/new/")

    response = middleware.process_exception(request, DataError("value too long"))

    assert response.status_code == 400
    assert "A value is out of range or too long to store." in response.content.decode()
    assert middleware.process_exception(request, ValueError("a bug")) is None


# --- dates and slugs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "inside"),
    [
        (date(1970, 1, 1), True),
        (date(2100, 12, 31), True),
        (date(1969, 12, 31), False),
        (date(2101, 1, 1), False),
        (datetime(2100, 12, 31, 23, 59, tzinfo=UTC), True),
        (datetime(2101, 1, 1, tzinfo=UTC), False),
        (datetime(1, 1, 1), False),  # noqa: DTZ001 - a naive one is taken as UTC
    ],
)
def test_dates_are_bounded_to_the_documented_range(value, inside):
    if inside:
        fields.validate_date_in_range(value)
    else:
        with pytest.raises(ValidationError) as refused:
            fields.validate_date_in_range(value)
        assert refused.value.messages == ["Enter a date between 1970-01-01 and 2100-12-31."]


def test_a_slug_derived_from_a_name_fits_its_column_even_when_slugify_lengthens_it():
    assert slug_from("ﬁ" * 40, 50) == "fi" * 25
    assert slug_from("Payments platform reliability and incident response crew 001", 50) == (
        "payments-platform-reliability-and-incident-respons"
    )
    assert slug_from("a" * 49 + " b", 50) == "a" * 49  # no trailing hyphen after the cut


@pytest.mark.django_db
def test_a_page_form_over_the_upload_limit_is_a_413_with_the_limit(member_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000

    response = member_client.post("/o/acme/teams/new/", {"name": "Big", "description": "x" * 20_000})

    assert response.status_code == 413
    assert "The form is larger than the limit of 10,000 bytes." in response.content.decode()


def test_date_inputs_carry_the_range_so_the_browser_offers_nothing_outside_it():
    date_input = fields.BoundedDateField(widget=forms.DateInput(attrs={"type": "date"}))
    datetime_input = fields.BoundedDateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    assert (date_input.widget.attrs, datetime_input.widget.attrs) == (
        {"min": "1970-01-01", "max": "2100-12-31"},
        {"min": "1970-01-01T00:00", "max": "2100-12-31T23:59"},
    )

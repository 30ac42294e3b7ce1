"""No input makes a 5xx on the API: every route of the URLconf, walked with hostile input of each class.

Classes (issue 13, section 4): a NUL character in a path parameter, a query parameter or a JSON string; a
value longer than anything the route stores; dates at the edge of the calendar; JSON nested past the depth
limit or larger than the body limit; a forged timeline cursor. The requests come from org A's admin token
(so they reach the views), and no write may leave anything behind. The NUL class only fails on PostgreSQL,
so CI runs this module there; on SQLite it still checks every status and body.
"""

import base64
import json
import re
from typing import Any

import pytest
from django.urls import NoReverseMatch, reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from core import limits
from core.fields import DATE_RANGE_MESSAGE
from tests.orgs import test_tenancy
from tests.orgs.test_tenancy import (
    TOKEN_BOOKKEEPING,
    api_route_lookups,
    api_routes,
    org_rows,
    route_kwargs,
    route_methods,
)

pytestmark = pytest.mark.django_db

PLACEHOLDER = "HOSTILEVALUE"
NUL_FIELD_MESSAGE = "Null characters are not allowed."
# Ours, or DRF's when a UTC offset takes the value out of Python's calendar before our range check runs.
DATE_MESSAGES = ([DATE_RANGE_MESSAGE], ["Datetime value out of range."])
EDGE_VALUES = {
    "date": ("0001-01-01", "9999-12-31", "1969-12-31", "2101-01-01"),
    "date-time": ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00", "2101-01-01T00:00:00Z"),
}
WRITE_METHODS = ("post", "put", "patch")


@pytest.fixture
def org_a(org: Any, owner: Any) -> test_tenancy.OrgA:
    """The tenancy walker's org A: a row of every model the API and the pages expose."""
    return test_tenancy.org_a.__wrapped__(org, owner)


@pytest.fixture
def admin(org_a: Any, api_client_for: Any) -> APIClient:
    client = api_client_for(org_a.organization, "admin")
    client.raise_request_exception = False
    return client


def hostile_urls(org_a: Any, value: str) -> list[tuple[str, list[str]]]:
    """(url, methods) of every API route with a path parameter, each parameter in turn replaced by `value`."""
    urls = []
    for route in api_routes():
        lookups = api_route_lookups(route, org_a)
        for name in sorted(route_kwargs(route)):
            kwargs = {k: (PLACEHOLDER if k == name else lookups[k]) for k in route_kwargs(route)}
            try:
                url = reverse(route.name, kwargs=kwargs)
            except NoReverseMatch:  # an <int:> or <uuid:> converter: such a value never reaches a view
                continue
            urls.append((url.replace(PLACEHOLDER, value), route_methods(route)))
    return urls


def send(client: APIClient, method: str, url: str, body: Any = None) -> Any:
    if method in ("get", "delete"):
        return getattr(client, method)(url)
    raw = body if isinstance(body, str | bytes) else json.dumps(body if body is not None else {})
    return getattr(client, method)(url, raw, content_type="application/json")


def schema_operations() -> list[tuple[str, str, dict[str, Any]]]:
    """(path template, method, operation) of the whole API, from the OpenAPI generator."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [(path, method, op) for path, ops in schema["paths"].items() for method, op in ops.items()]


def fill(path: str, org_a: Any) -> str | None:
    """An OpenAPI path template (`/api/v1/incidents/{number}/`) filled with org A's identifiers, or None."""
    for route in api_routes():
        template = "/" + re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route.route).replace("^", "").replace("$", "")
        if template == path:
            lookups = api_route_lookups(route, org_a)
            return re.sub(r"\{(\w+)\}", lambda m, found=lookups: found[m.group(1)], path)
    return None


# --- NUL characters ---------------------------------------------------------------------------------------


def test_nul_in_any_path_parameter_is_a_400_naming_the_path(org_a, admin):
    before = org_rows(org_a.organization, ignoring=TOKEN_BOOKKEEPING)
    urls = hostile_urls(org_a, "%00")

    answers = [(m, url, send(admin, m, url)) for url, methods in urls for m in methods]

    assert len(urls) > 20
    assert [(m, url, r.status_code) for m, url, r in answers if r.status_code != 400] == []
    assert {json.dumps(r.json(), sort_keys=True) for _, _, r in answers} == {
        json.dumps(
            {
                "error": {
                    "status": 400,
                    "code": "invalid",
                    "message": f"path: {NUL_FIELD_MESSAGE}",
                    "fields": {"path": [NUL_FIELD_MESSAGE]},
                }
            },
            sort_keys=True,
        )
    }
    assert org_rows(org_a.organization, ignoring=TOKEN_BOOKKEEPING) == before


def test_over_long_path_parameters_are_not_server_errors(org_a, admin):
    before = org_rows(org_a.organization, ignoring=TOKEN_BOOKKEEPING)

    answers = [
        (m, url, send(admin, m, url).status_code) for url, methods in hostile_urls(org_a, "x" * 300) for m in methods
    ]

    assert [a for a in answers if a[2] >= 500] == []
    assert [a for a in answers if a[2] not in (400, 404)] == []
    assert org_rows(org_a.organization, ignoring=TOKEN_BOOKKEEPING) == before


def query_parameters(org_a: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """(url, name, schema) of every query parameter of every GET operation, on org A's objects."""
    found = []
    for path, method, operation in schema_operations():
        if method != "get":
            continue
        url = fill(path, org_a)
        assert url is not None, f"no org A object fills {path}"
        found += [(url, p["name"], p.get("schema", {})) for p in operation.get("parameters", []) if p["in"] == "query"]
    return found


def test_nul_in_any_query_parameter_is_a_400_naming_it(org_a, admin):
    parameters = query_parameters(org_a)

    answers = [(url, name, admin.get(url, {name: "a\x00b"})) for url, name, _ in parameters]

    assert len(parameters) > 50
    assert [(url, name, r.status_code) for url, name, r in answers if r.status_code != 400] == []
    assert [
        (url, name, r.json()["error"]["fields"])
        for url, name, r in answers
        if r.json()["error"]["fields"] != {name: [NUL_FIELD_MESSAGE]}
    ] == []


def test_every_free_string_query_parameter_is_bounded_in_the_schema(org_a):
    strings = [
        (url, name, schema)
        for url, name, schema in query_parameters(org_a)
        if (schema.get("items", schema) if schema.get("type") == "array" else schema).get("type") == "string"
    ]

    assert len(strings) > 50
    unbounded = [
        (url, name)
        for url, name, schema in strings
        if "enum" not in schema.get("items", schema)
        and schema.get("items", schema).get("maxLength") != limits.QUERY_VALUE_MAX_CHARS
    ]
    assert unbounded == []


def test_a_query_value_over_the_bound_is_a_400_naming_it_and_one_at_the_bound_is_no_error(org_a, admin):
    parameters = query_parameters(org_a)
    over = "x" * (limits.QUERY_VALUE_MAX_CHARS + 1)
    message = f"Ensure this value has at most {limits.QUERY_VALUE_MAX_CHARS} characters (it has {len(over)})."

    answers = [(url, name, admin.get(url, {name: over})) for url, name, _ in parameters]
    at_bound = [
        (url, name, admin.get(url, {name: "x" * limits.QUERY_VALUE_MAX_CHARS}).status_code)
        for url, name, _ in parameters
    ]

    assert [(url, name, r.status_code) for url, name, r in answers if r.status_code != 400] == []
    assert [
        (url, name, r.json()["error"]["fields"])
        for url, name, r in answers
        if r.json()["error"]["fields"] != {name: [message]}
    ] == []
    # At the bound the route reads the value: a filter that matches nothing, a bad choice or cursor, never a 5xx
    assert [a for a in at_bound if a[2] not in (200, 400, 404)] == []


def test_edge_dates_in_any_query_parameter_are_a_400_naming_the_range(org_a, admin):
    dated = [
        (url, name, schema["format"])
        for url, name, schema in query_parameters(org_a)
        if schema.get("format") in EDGE_VALUES
    ]

    answers = [(url, name, v, admin.get(url, {name: v})) for url, name, kind in dated for v in EDGE_VALUES[kind]]

    assert len(dated) >= 20  # analytics since/until, shifts start/end, on-call at, audit since/until, incidents
    assert [(u, n, v, r.status_code) for u, n, v, r in answers if r.status_code != 400] == []
    assert [
        (u, n, v, r.json()["error"]["fields"])
        for u, n, v, r in answers
        if r.json()["error"]["fields"].get(n) not in DATE_MESSAGES
    ] == []


# --- request bodies ----------------------------------------------------------------------------------------


def write_calls(org_a: Any) -> list[tuple[str, str]]:
    """(method, url) of every API operation that takes a JSON body, on org A's objects."""
    calls = []
    for path, method, operation in schema_operations():
        if method in WRITE_METHODS and "requestBody" in operation:
            url = fill(path, org_a)
            assert url is not None, f"no org A object fills {path}"
            calls.append((method, url))
    return calls


@pytest.mark.parametrize("depth", [limits.MAX_NESTING_DEPTH + 1, 1000, 100_000])
def test_deeply_nested_json_is_a_400_with_the_limit_on_every_write(org_a, admin, depth):
    before = org_rows(org_a.organization, ignoring=TOKEN_BOOKKEEPING)
    calls = write_calls(org_a)
    body = '{"name": ' + "[" * depth + "]" * depth + "}"

    answers = [(m, url, send(admin, m, url, body)) for m, url in calls]

    assert len(calls) > 40
    assert [(m, url, r.status_code) for m, url, r in answers if r.status_code != 400] == []
    assert {r.json()["error"]["message"] for _, _, r in answers} == {
        f"JSON parse error - nested too deeply (at most {limits.MAX_NESTING_DEPTH} levels)."
    }
    assert org_rows(org_a.organization, ignoring=TOKEN_BOOKKEEPING) == before


def test_json_within_the_depth_limit_is_parsed(org_a, admin):
    # Control for the test above: one level less is an ordinary body, judged by the serializer.
    depth = limits.MAX_NESTING_DEPTH - 1
    body = '{"name": ' + "[" * depth + "]" * depth + "}"

    response = send(admin, "post", "/api/v1/teams/", body)

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"name": ["Not a valid string."]}


def test_a_body_over_the_size_limit_is_a_413_with_the_limit_on_every_write(org_a, admin):
    before = org_rows(org_a.organization, ignoring=TOKEN_BOOKKEEPING)
    body = json.dumps({"name": "x" * limits.JSON_MAX_BODY_BYTES})

    answers = [(m, url, send(admin, m, url, body)) for m, url in write_calls(org_a)]

    assert [(m, url, r.status_code) for m, url, r in answers if r.status_code != 413] == []
    assert {json.dumps(r.json(), sort_keys=True) for _, _, r in answers} == {
        json.dumps(
            {
                "error": {
                    "status": 413,
                    "code": "too_large",
                    "message": f"The request body is larger than the limit of {limits.JSON_MAX_BODY_BYTES:,} bytes.",
                    "fields": {},
                }
            },
            sort_keys=True,
        )
    }
    assert org_rows(org_a.organization, ignoring=TOKEN_BOOKKEEPING) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Ops\u0000", "description": "x"}, "name"),
        ({"labels": {"env\u0000": "prod"}}, "labels.env\x00"),
        ({"labels": {"env": "pr\u0000od"}}, "labels.env"),
        ({"sections": [{"title": "a", "prompt": "\ud800"}]}, "sections.0.prompt"),
    ],
)
def test_unstorable_text_anywhere_in_a_json_body_is_a_400_naming_the_field(org_a, admin, body, field):
    before = org_rows(org_a.organization, ignoring=TOKEN_BOOKKEEPING)
    calls = write_calls(org_a)

    answers = [(m, url, send(admin, m, url, json.dumps(body))) for m, url in calls]

    assert [(m, url, r.status_code) for m, url, r in answers if r.status_code != 400] == []
    messages = {NUL_FIELD_MESSAGE, "Text must be valid Unicode: it contains an unpaired surrogate."}
    assert [
        (m, url, r.json()["error"]["fields"])
        for m, url, r in answers
        if list(r.json()["error"]["fields"]) != [field] or r.json()["error"]["fields"][field][0] not in messages
    ] == []
    assert org_rows(org_a.organization, ignoring=TOKEN_BOOKKEEPING) == before


def date_body_calls(org_a: Any) -> list[tuple[str, str, str, str]]:
    """(method, url, property, format) of every JSON body property that is a date or date-time."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    calls = []
    for path, method, operation in schema_operations():
        for media in operation.get("requestBody", {}).get("content", {}).values():
            component = media["schema"].get("$ref", "").rsplit("/", 1)[-1]
            if "Output" in component:  # documented as a body, but the view reads its input serializer
                continue
            properties = components.get(component, {}).get("properties", {})
            for name, prop in properties.items():
                if prop.get("format") in EDGE_VALUES and not prop.get("readOnly"):
                    calls.append((method, fill(path, org_a), name, prop["format"]))
    return calls


def test_edge_dates_in_any_json_body_are_a_400_and_save_nothing(org_a, admin):
    before = org_rows(org_a.organization, ignoring=TOKEN_BOOKKEEPING)
    calls = date_body_calls(org_a)

    answers = [
        (m, url, name, value, send(admin, m, url, {name: value, "reason": "edge"}))
        for m, url, name, kind in calls
        for value in EDGE_VALUES[kind]
    ]

    assert len(calls) >= 15  # milestones, due dates, overrides, layers, silences, token expiry
    assert [(m, u, n, v, r.status_code) for m, u, n, v, r in answers if r.status_code != 400] == []
    assert [
        (m, u, n, v, r.json()["error"]["fields"].get(n))
        for m, u, n, v, r in answers
        if r.json()["error"]["fields"].get(n) not in DATE_MESSAGES
    ] == []
    assert org_rows(org_a.organization, ignoring=TOKEN_BOOKKEEPING) == before


# --- the timeline cursor ----------------------------------------------------------------------------------


def cursor(query: str) -> str:
    return base64.b64encode(query.encode()).decode()


@pytest.mark.parametrize(
    "forged",
    [
        cursor("p=abc"),
        cursor("p=\x00"),
        cursor("p=1.5"),
        cursor("p=1e5"),
        cursor("o=-1&p=1"),
        cursor("r=x&p=1"),
        "not-base64!",
        base64.b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_forged_timeline_cursor_is_a_404_like_drf_answers_a_garbled_one(org_a, admin, forged):
    response = admin.get(f"/api/v1/incidents/{org_a.incident.number}/timeline/", {"cursor": forged})

    assert response.status_code == 404
    assert response.json() == {"error": {"status": 404, "code": "not_found", "message": "Invalid cursor", "fields": {}}}


def test_a_cursor_past_any_id_is_an_empty_page(org_a, admin):
    response = admin.get(f"/api/v1/incidents/{org_a.incident.number}/timeline/", {"cursor": cursor("p=-1")})
    beyond = admin.get(
        f"/api/v1/incidents/{org_a.incident.number}/timeline/", {"cursor": cursor("p=" + "9" * 30 + "&r=1")}
    )

    assert (response.status_code, response.json()["results"]) == (200, [])
    assert (beyond.status_code, beyond.json()["results"]) == (200, [])


def test_a_real_timeline_cursor_still_pages(org_a, admin):
    first = admin.get(f"/api/v1/incidents/{org_a.incident.number}/timeline/", {"page_size": 1}).json()

    second = admin.get(first["next"])

    assert second.status_code == 200
    assert [e["id"] for e in second.json()["results"]] != [e["id"] for e in first["results"]]

"""No input makes a 5xx on the pages: every page of every org, walked with hostile input of each class, as
org A's owner (so each request reaches its view). NUL characters are a 400 page naming where they were;
over-long values and edge dates are a form error or a 404, never a 500; nothing is saved by a refused post.
Named cases from issue 13 (a 60-character team name, a 300-character invitation email, deep YAML on the
Backstage import, Markdown past its limit) are checked on the page and on the API alike."""

from typing import Any

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from core import limits
from incidents.models import TimelineEvent
from orgs.models import Invitation, Team
from services.models import Service
from tests.orgs import test_tenancy
from tests.orgs.test_tenancy import TOKEN_BOOKKEEPING, org_pages, org_rows, page_kwargs, page_lookups, page_url

pytestmark = pytest.mark.django_db

PLACEHOLDER = "hostilevalue"
NUL_MESSAGE = "Null characters are not allowed."
EDGE_QUERIES = [
    {"since": "0001-01-01", "until": "9999-12-31", "start": "0001-01-01", "end": "9999-12-31", "at": "0001-01-01"},
    {"since": "9999-12-31", "until": "0001-01-01", "start": "9999-12-31", "end": "0001-01-01", "at": "9999-12-31"},
    {"since": "9999-12-31", "start": "9999-12-31T23:59", "due": "9999-12-31", "week": "9999-W52"},
    {"until": "0001-01-01", "end": "0001-01-01T00:00", "page": "99999999999999999999", "days": "99999999999"},
    {"q": "x" * 5000, "search": "x" * 5000, "service": "x" * 300, "team": "x" * 300, "severity": "x" * 300},
]


@pytest.fixture
def org_a(org: Any, owner: Any) -> test_tenancy.OrgA:
    """The tenancy walker's org A: a row of every model the API and the pages expose."""
    return test_tenancy.org_a.__wrapped__(org, owner)


@pytest.fixture
def owner_client(org_a: Any, client_for: Any) -> Client:
    client = client_for(org_a.owner)
    client.raise_request_exception = False
    return client


def pages_with(org_a: Any, value: str) -> list[str]:
    """Every page URL with a path parameter, each parameter in turn replaced by `value`."""
    urls = []
    for page in org_pages():
        lookups = page_lookups(page, org_a)
        for name in sorted(page_kwargs(page)):
            kwargs = {"org_slug": org_a.organization.slug, **lookups, name: PLACEHOLDER}
            try:
                url = reverse(page.name, kwargs=kwargs)
            except NoReverseMatch:  # an <int:> or <uuid:> converter: such a value never reaches a view
                continue
            urls.append(url.replace(PLACEHOLDER, value))
    return urls


def all_pages(org_a: Any) -> list[str]:
    return [page_url(page, org_a.organization.slug, page_lookups(page, org_a)) for page in org_pages()]


def test_nul_in_any_page_path_is_a_400_page_naming_the_path(org_a, owner_client):
    before = org_rows(org_a.organization)
    urls = pages_with(org_a, "%00") + [url + "%00/" for url in all_pages(org_a)]

    answers = [(m, url, getattr(owner_client, m)(url)) for url in urls for m in ("get", "post")]

    assert [(m, url, r.status_code) for m, url, r in answers if r.status_code != 400] == []
    assert [(m, url) for m, url, r in answers if f"path: {NUL_MESSAGE}" not in r.content.decode()] == []
    assert org_rows(org_a.organization) == before


def test_over_long_page_path_parameters_are_not_server_errors(org_a, owner_client):
    before = org_rows(org_a.organization)

    answers = [
        (m, url, getattr(owner_client, m)(url).status_code)
        for url in pages_with(org_a, "x" * 300)
        for m in ("get", "post")
    ]

    assert [a for a in answers if a[2] >= 500] == []
    assert org_rows(org_a.organization) == before


@pytest.mark.parametrize("name", ["q", "search", "service", "team", "severity", "status", "since", "cursor"])
def test_nul_in_any_query_parameter_of_any_page_is_a_400(org_a, owner_client, name):
    answers = [(url, owner_client.get(url, {name: "a\x00b"})) for url in all_pages(org_a)]

    assert [(url, r.status_code) for url, r in answers if r.status_code != 400] == []
    assert [url for url, r in answers if f"{name}: {NUL_MESSAGE}" not in r.content.decode()] == []


def test_nul_in_any_form_field_of_any_page_is_a_400_and_saves_nothing(org_a, owner_client):
    before = org_rows(org_a.organization)
    form = {"name": "Walker\x00", "title": "t", "body": "b", "email": "a@b.test", "description": "d"}

    answers = [(url, owner_client.post(url, form)) for url in all_pages(org_a)]

    assert [(url, r.status_code) for url, r in answers if r.status_code != 400] == []
    assert [url for url, r in answers if f"name: {NUL_MESSAGE}" not in r.content.decode()] == []
    assert org_rows(org_a.organization) == before


@pytest.mark.parametrize("query", EDGE_QUERIES)
def test_edge_dates_and_huge_numbers_in_queries_are_not_server_errors(org_a, owner_client, query):
    answers = [(url, owner_client.get(url, query).status_code) for url in all_pages(org_a)]

    assert [a for a in answers if a[1] >= 500] == []


# Pages whose POST deletes or regenerates what later pages need: the walk below skips them.
DESTRUCTIVE = ("delete", "remove", "revoke", "archive", "regenerate", "merge", "leave")


@pytest.mark.parametrize("value", ["0001-01-01T00:00", "9999-12-31T23:59", "0001-01-01", "9999-12-31"])
def test_edge_dates_posted_to_any_page_are_not_server_errors(org_a, owner_client, value):
    fields = ("started_at", "detected_at", "resolved_at", "due_at", "due_date", "until", "starts_at", "ends_at")
    form = {name: value for name in (*fields, "start_date", "end_date", "expires_at", "since", "reason")}
    urls = [
        page_url(page, org_a.organization.slug, page_lookups(page, org_a))
        for page in org_pages()
        if not any(word in page.name for word in DESTRUCTIVE)
    ]

    answers = [(url, owner_client.post(url, form).status_code) for url in urls]

    assert [a for a in answers if a[1] >= 500] == []


@pytest.mark.parametrize(
    ("path", "form", "field"),
    [
        ("incidents/declare/", {"title": "Edge", "severity": "SEV1", "started_at": "0001-01-01T00:00"}, "started_at"),
        ("incidents/{number}/milestones/", {"resolved_at": "9999-12-31T23:59", "reason": "edge"}, "resolved_at"),
        ("analytics/", {"since": "0001-01-01"}, "since"),
    ],
)
def test_an_edge_date_on_a_page_form_is_a_form_error_and_saves_nothing(org_a, owner_client, path, form, field):
    before = org_rows(org_a.organization)
    url = f"/o/{org_a.organization.slug}/" + path.format(number=org_a.incident.number)

    response = owner_client.get(url, form) if path == "analytics/" else owner_client.post(url, form)

    assert response.status_code in (200, 400)
    assert "Enter a date between 1970-01-01 and 2100-12-31." in response.content.decode()
    assert org_rows(org_a.organization) == before


# --- named cases from the issue ------------------------------------------------------------------------------


def test_a_60_character_team_name_gets_a_slug_cut_to_its_column(org_a, owner_client, api_client_for):
    on_page = "Payments platform reliability and incident response crew 001"
    by_api = "Checkout platform reliability and incident response crew 002"
    api = api_client_for(org_a.organization, "admin")

    page = owner_client.post(f"/o/{org_a.organization.slug}/teams/new/", {"name": on_page})
    created = api.post("/api/v1/teams/", {"name": by_api}, format="json")

    assert (len(on_page), len(by_api)) == (60, 60)
    assert page.status_code == 302
    assert created.status_code == 201
    assert sorted(Team.objects.for_org(org_a.organization).filter(name__in=[on_page, by_api]).values_list("slug")) == [
        ("checkout-platform-reliability-and-incident-respons",),
        ("payments-platform-reliability-and-incident-respons",),
    ]


def test_a_team_name_that_slugifies_longer_than_itself_still_fits(org_a, api_client_for):
    api = api_client_for(org_a.organization, "admin")

    response = api.post("/api/v1/teams/", {"name": "ﬁ" * 40}, format="json")  # "ﬁ" slugifies to "fi"

    assert response.status_code == 201
    assert response.json()["slug"] == "fi" * 25


def test_a_300_character_invitation_email_is_refused_on_the_page_and_the_api(org_a, owner_client, api_client_for):
    email = "a" * 60 + "@" + ".".join(["b" * 59] * 4) + ".test"  # 305 characters, every label valid
    api = api_client_for(org_a.organization, "admin")

    page = owner_client.post(f"/o/{org_a.organization.slug}/members/invite/", {"email": email, "role": "viewer"})
    by_api = api.post("/api/v1/invitations/", {"email": email, "role": "viewer"}, format="json")

    assert page.status_code in (200, 400)
    assert "Ensure this value has at most 254 characters (it has 305)." in page.content.decode()
    assert by_api.status_code == 400
    assert by_api.json()["error"]["fields"] == {"email": ["Ensure this field has no more than 254 characters."]}
    assert Invitation.objects.filter(email=email).exists() is False


DEEP_YAML = (
    "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: deep\n  x: " + "[" * 1000 + "]" * 1000
)
LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (DEEP_YAML, f"nested too deeply (at most {limits.MAX_NESTING_DEPTH} levels)."),
        (LAUGHS, f"too large once its aliases are expanded (at most {limits.YAML_MAX_NODES:,} nodes)."),
        ("a: &a [*a]\n", "an alias refers to a node that contains it."),
    ],
)
def test_hostile_yaml_on_the_backstage_import_is_refused_on_the_page_and_the_api(
    org_a, owner_client, api_client_for, text, problem
):
    api = api_client_for(org_a.organization, "admin")
    before = org_rows(org_a.organization, ignoring=TOKEN_BOOKKEEPING)

    page = owner_client.post(f"/o/{org_a.organization.slug}/services/import/", {"yaml": text})
    by_api = api.post("/api/v1/services/import/", {"yaml": text}, format="json")

    assert page.status_code in (200, 400)
    assert problem in page.content.decode()
    assert by_api.status_code == 400
    [message] = by_api.json()["error"]["fields"]["yaml"]
    assert message.startswith("Invalid YAML")
    assert message.endswith(problem)
    assert org_rows(org_a.organization, ignoring=TOKEN_BOOKKEEPING) == before
    assert Service.objects.for_org(org_a.organization).count() == 2


def test_a_note_past_the_markdown_limit_is_refused_with_the_limit_on_the_page_and_the_api(
    org_a, owner_client, api_client_for
):
    api = api_client_for(org_a.organization, "responder")
    body = "x" * (limits.TEXT_MAX_CHARS + 1)
    notes_before = TimelineEvent.objects.filter(incident=org_a.incident).count()

    page = owner_client.post(f"/o/{org_a.organization.slug}/incidents/{org_a.incident.number}/notes/", {"body": body})
    by_api = api.post(f"/api/v1/incidents/{org_a.incident.number}/timeline/", {"body": body}, format="json")

    assert page.status_code in (200, 400)
    assert f"at most {limits.TEXT_MAX_CHARS} characters" in page.content.decode()
    assert by_api.status_code == 400
    assert by_api.json()["error"]["fields"] == {
        "body": [f"Ensure this field has no more than {limits.TEXT_MAX_CHARS} characters."]
    }
    assert TimelineEvent.objects.filter(incident=org_a.incident).count() == notes_before

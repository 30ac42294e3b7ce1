"""Pages of the service catalog through the Django test client: the catalog list (filters, sort,
pagination), a service's page, the editor and its role matrix, archive, health, hygiene, Backstage
import and export, and constant query counts however big the catalog grows."""

import pytest
import yaml
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgs.models import AuditEvent, Membership, MembershipRole, Team, TeamMembership
from orgs.tenancy import Actor
from services import actions
from services.models import (
    Service,
    ServiceDependency,
    ServiceLabel,
    ServiceLink,
    ServiceLinkKind,
    ServiceRespondingTeam,
)
from tests.factories import ServiceFactory, TeamFactory

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system()
BASE = "/o/acme/services/"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def names(response) -> list[str]:
    return [service.name for service in response.context["page"]]


def form_data(**overrides) -> dict:
    """A valid ServiceForm POST: a tier 3 production service with nothing else."""
    return {
        "name": "Ledger",
        "slug": "",
        "description": "",
        "tier": "3",
        "lifecycle": "production",
        "health": "operational",
        "owner_team": "",
        "responding_teams": [],
        "links": "",
        "labels": "",
        "dependencies": [],
    } | overrides


def catalog_rows(org) -> dict:
    """Everything of the org's catalog, to assert that a refused request changed nothing."""
    return {
        model.__name__: list(model.objects.for_org(org).order_by("pk").values())
        for model in (Service, ServiceLabel, ServiceLink, ServiceDependency, ServiceRespondingTeam)
    }


@pytest.fixture
def admin(org, make_member) -> Membership:
    return make_member(org, MembershipRole.ADMIN, email="admin@acme.test")


@pytest.fixture
def responder(org, make_member) -> Membership:
    return make_member(org, MembershipRole.RESPONDER, email="responder@acme.test")


@pytest.fixture
def viewer(org, make_member) -> Membership:
    return make_member(org, MembershipRole.VIEWER, email="viewer@acme.test")


@pytest.fixture
def payments(org) -> Team:
    return TeamFactory(
        organization=org, name="Payments", slug="payments", chat_channel="#payments", email="pay@acme.test"
    )


@pytest.fixture
def web(org) -> Team:
    return TeamFactory(organization=org, name="Web", slug="web")


@pytest.fixture
def catalog(org, payments, web) -> dict[str, Service]:
    """checkout -> payments-api -> postgres; web-app -> checkout; plus an unowned experimental service."""
    postgres = ServiceFactory(
        organization=org,
        name="Postgres",
        tier=1,
        owner_team=web,
        responding_teams=[payments],
        labels={"region": "eu"},
        links=[{"kind": "runbook", "title": "DB runbook", "url": "https://runbooks.acme.test/db"}],
    )
    payments_api = ServiceFactory(
        organization=org,
        name="Payments API",
        tier=1,
        owner_team=payments,
        labels={"language": "python", "pci": "true"},
        dependencies=[postgres],
    )
    checkout = ServiceFactory(
        organization=org,
        name="Checkout",
        tier=2,
        owner_team=payments,
        description="Cart and checkout.",
        labels={"language": "python"},
        dependencies=[payments_api],
        links=[
            {"kind": "runbook", "title": "Checkout runbook", "url": "https://runbooks.acme.test/checkout"},
            {"kind": "dashboard", "title": "Grafana", "url": "https://grafana.acme.test/d/checkout"},
        ],
    )
    web_app = ServiceFactory(
        organization=org,
        name="Web app",
        tier=3,
        lifecycle="staging",
        owner_team=web,
        labels={"language": "go"},
        dependencies=[checkout],
    )
    flags = ServiceFactory(organization=org, name="Feature flags", tier=4, lifecycle="experimental")
    return {s.slug: s for s in (postgres, payments_api, checkout, web_app, flags)}


# --- catalog list ------------------------------------------------------------------------------------


def test_list_shows_the_catalog_with_owners_tiers_labels_and_health(catalog, member_client):
    response = member_client.get(BASE)

    content = response.content.decode()
    assert response.status_code == 200
    assert names(response) == ["Checkout", "Feature flags", "Payments API", "Postgres", "Web app"]
    assert 'title="Mission critical: an outage stops customers or revenue.">Tier 1</span>' in content
    assert '<span class="tag"><span class="tag-key">pci</span>true</span>' in content
    assert '<a href="/o/acme/teams/payments/">Payments</a>' in content
    assert "Operational" in content
    assert 'href="/o/acme/services/new/"' in content
    assert 'href="/o/acme/services/import/"' in content
    assert 'href="/o/acme/services/export/"' in content


def test_list_marks_production_services_without_an_owner(org, catalog, member_client):
    ServiceFactory(organization=org, name="Orphan", lifecycle="production")

    content = member_client.get(BASE).content.decode()

    assert content.count("⚠ No owner") == 1  # the experimental unowned service is not flagged


def test_list_links_to_hygiene_with_its_count(catalog, member_client):
    response = member_client.get(BASE)

    # checkout and payments-api are tier 1-2 without responders; payments-api has no runbook
    assert response.context["hygiene_total"] == 3
    assert "3 ownership gaps" in response.content.decode()
    assert 'href="/o/acme/services/hygiene/"' in response.content.decode()


def test_list_empty_state_tells_an_admin_how_to_start(admin, client_for):
    response = client_for(admin).get(BASE)

    content = response.content.decode()
    assert "No services in the catalog yet" in content
    assert "Create a service" in content
    assert "Import catalog-info.yaml" in content


def test_list_empty_state_for_a_viewer_offers_no_actions(viewer, client_for):
    response = client_for(viewer).get(BASE)

    content = response.content.decode()
    assert "An admin of this organization can add services" in content
    assert 'href="/o/acme/services/new/"' not in content
    assert 'href="/o/acme/services/import/"' not in content


def test_archived_services_are_hidden_unless_included(catalog, member_client):
    actions.service_archive(service=catalog["postgres"], actor=SYSTEM)

    hidden = member_client.get(BASE)
    shown = member_client.get(BASE, {"archived": "1"})

    assert names(hidden) == ["Checkout", "Feature flags", "Payments API", "Web app"]
    assert names(shown) == ["Checkout", "Feature flags", "Payments API", "Postgres", "Web app"]
    assert '<tr class="inactive">' in shown.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"team": "payments"}, ["Checkout", "Payments API", "Postgres"]),  # owner or responding team
        ({"team": "web"}, ["Postgres", "Web app"]),
        ({"tier": "1"}, ["Payments API", "Postgres"]),
        ({"lifecycle": "staging"}, ["Web app"]),
        ({"label": "language=python"}, ["Checkout", "Payments API"]),
        ({"label": "pci=true", "tier": "1"}, ["Payments API"]),
        ({"q": "cart"}, ["Checkout"]),
        ({"tier": "9"}, ["Checkout", "Feature flags", "Payments API", "Postgres", "Web app"]),  # invalid: ignored
    ],
    ids=["team-owner-or-responder", "team-web", "tier", "lifecycle", "label", "label-and-tier", "search", "bad-tier"],
)
def test_list_filters(catalog, member_client, query, expected):
    response = member_client.get(BASE, query)

    assert response.status_code == 200
    assert names(response) == expected


def test_htmx_filter_request_gets_only_the_results(catalog, member_client):
    response = member_client.get(BASE, {"tier": "1"}, headers={"HX-Request": "true"})

    content = response.content.decode()
    assert names(response) == ["Payments API", "Postgres"]
    assert "<html" not in content
    assert 'class="filters' not in content
    assert content.count("<tr") == 3  # header + two services
    assert response["Vary"] == "HX-Request, Cookie"


def test_label_filter_offers_every_key_value_pair(catalog, member_client):
    response = member_client.get(BASE)

    assert response.context["form"].fields["label"].choices == [
        ("", "All labels"),
        ("language=go", "language=go"),
        ("language=python", "language=python"),
        ("pci=true", "pci=true"),
        ("region=eu", "region=eu"),
    ]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Checkout", "Feature flags", "Payments API", "Postgres", "Web app"]),
        ("-name", ["Web app", "Postgres", "Payments API", "Feature flags", "Checkout"]),
        ("tier", ["Payments API", "Postgres", "Checkout", "Web app", "Feature flags"]),
        ("-tier", ["Feature flags", "Web app", "Checkout", "Payments API", "Postgres"]),
        ("lifecycle", ["Feature flags", "Checkout", "Payments API", "Postgres", "Web app"]),
        ("owner", ["Checkout", "Payments API", "Postgres", "Web app", "Feature flags"]),
    ],
)
def test_list_sorts(catalog, member_client, sort, expected):
    response = member_client.get(BASE, {"sort": sort})

    assert names(response) == expected


def test_list_sorts_by_recently_updated(catalog, member_client):
    actions.service_update(service=catalog["postgres"], actor=SYSTEM, description="Primary database.")

    response = member_client.get(BASE, {"sort": "-updated"})

    assert names(response)[0] == "Postgres"
    assert names(response)[1:] == ["Feature flags", "Web app", "Checkout", "Payments API"]


def test_sort_headers_keep_the_filters_and_toggle_direction(catalog, member_client):
    response = member_client.get(BASE, {"team": "payments", "sort": "name", "page": "1"})

    headers = response.context["sort_headers"]
    assert headers["name"] == {"url": "?team=payments&sort=-name", "active": True, "arrow": "▲"}
    assert headers["tier"] == {"url": "?team=payments&sort=tier", "active": False, "arrow": ""}
    assert headers["updated"]["url"] == "?team=payments&sort=-updated"


def test_list_paginates_by_50_keeping_the_filters(org, member_client):
    Service.objects.bulk_create(
        Service(organization=org, name=f"Service {i:03}", slug=f"service-{i:03}", tier=2) for i in range(51)
    )

    first = member_client.get(BASE, {"tier": "2"})
    second = member_client.get(BASE, {"tier": "2", "page": "2"})

    assert len(first.context["page"].object_list) == 50
    assert names(second) == ["Service 050"]
    assert 'href="?tier=2&amp;page=2"' in first.content.decode()


def test_services_nav_item_is_active_on_catalog_pages(catalog, member_client):
    content = member_client.get(BASE).content.decode()

    assert '<a href="/o/acme/services/" class="active" aria-current="page">' in content


# --- service page ------------------------------------------------------------------------------------


def test_detail_shows_ownership_runbook_links_and_dependencies(org, catalog, payments, make_member, member_client):
    pat = make_member(org, MembershipRole.RESPONDER, email="pat@acme.test").user
    TeamMembership.objects.create(organization=org, team=payments, user=pat)

    response = member_client.get(f"{BASE}checkout/")

    content = response.content.decode()
    assert response.status_code == 200
    assert [link.title for link in response.context["runbooks"]] == ["Checkout runbook"]
    assert [link.title for link in response.context["other_links"]] == ["Grafana"]
    assert 'href="https://runbooks.acme.test/checkout"' in content
    assert 'href="mailto:pat@acme.test"' in content
    assert "#payments" in content
    assert 'href="mailto:pay@acme.test"' in content
    assert [(r.service.slug, r.distance) for r in response.context["blast_radius"]] == [("web-app", 1)]
    assert response.context["cycle"] == []
    assert '<svg class="dep-graph"' in content
    assert 'href="/o/acme/services/payments-api/"' in content


def test_detail_graph_places_upstream_left_and_dependents_right(catalog, member_client):
    layout = member_client.get(f"{BASE}payments-api/").context["layout"]

    columns = {node.service.slug: node.column for node in layout.nodes}
    assert columns == {"postgres": -1, "payments-api": 0, "checkout": 1, "web-app": 2}
    assert sorted((e.source.slug, e.target.slug, e.on_cycle) for e in layout.edges) == [
        ("checkout", "payments-api", False),
        ("payments-api", "postgres", False),
        ("web-app", "checkout", False),
    ]


def test_detail_shows_a_dependency_cycle_in_red(catalog, member_client):
    actions.service_dependency_add(service=catalog["postgres"], depends_on=catalog["checkout"], actor=SYSTEM)

    response = member_client.get(f"{BASE}checkout/")

    content = response.content.decode()
    assert [s.slug for s in response.context["cycle"]] == ["checkout", "payments-api", "postgres", "checkout"]
    assert "Dependency cycle" in content
    assert sorted((e.source.slug, e.target.slug) for e in response.context["layout"].edges if e.on_cycle) == [
        ("checkout", "payments-api"),
        ("payments-api", "postgres"),
        ("postgres", "checkout"),
    ]
    assert 'class="dep-edge dep-edge-cycle"' in content


def test_detail_warns_about_a_production_service_without_owner(org, member_client):
    ServiceFactory(organization=org, name="Orphan")

    content = member_client.get(f"{BASE}orphan/").content.decode()

    assert "No owner team" in content
    assert "No runbook linked." in content
    assert 'href="/o/acme/services/orphan/edit/?focus=owner_team#id_owner_team"' in content


def test_detail_of_an_archived_service_shows_the_banner_and_unarchive(catalog, member_client):
    actions.service_archive(service=catalog["checkout"], actor=SYSTEM)

    content = member_client.get(f"{BASE}checkout/").content.decode()

    assert "This service is archived" in content
    assert 'action="/o/acme/services/checkout/unarchive/"' in content


def test_detail_of_another_orgs_service_is_404(catalog, other_org, other_member, client_for):
    response = client_for(other_member).get(f"/o/{other_org.slug}/services/checkout/")

    assert response.status_code == 404


def test_viewer_reads_the_page_without_edit_controls(catalog, viewer, client_for):
    response = client_for(viewer).get(f"{BASE}checkout/")

    content = response.content.decode()
    assert response.status_code == 200
    assert response.context["can_edit"] is False
    assert "/edit/" not in content
    assert "/archive/" not in content
    assert "/health/" not in content


# --- create and edit ---------------------------------------------------------------------------------


def test_admin_creates_a_service_with_everything(org, catalog, payments, web, admin, client_for):
    response = client_for(admin).post(
        f"{BASE}new/",
        form_data(
            name="Ledger",
            description="Double-entry books.",
            tier="1",
            owner_team="payments",
            responding_teams=["web"],
            links="runbook | Ledger runbook | https://runbooks.acme.test/ledger\nrepository | https://git.acme.test/l",
            labels="language=python\n\npci=true",
            dependencies=["postgres", "payments-api"],
        ),
    )

    ledger = Service.objects.get(slug="ledger")
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}ledger/"
    assert messages_of(response) == ["Ledger added to the catalog."]
    assert (ledger.organization, ledger.tier, ledger.owner_team, ledger.description) == (
        org,
        1,
        payments,
        "Double-entry books.",
    )
    assert [link.team for link in ledger.responding_team_links.all()] == [web]
    assert sorted((link.kind, link.title, link.url) for link in ledger.links.all()) == [
        ("repository", "", "https://git.acme.test/l"),
        ("runbook", "Ledger runbook", "https://runbooks.acme.test/ledger"),
    ]
    assert {label.key: label.value for label in ledger.labels.all()} == {"language": "python", "pci": "true"}
    assert sorted(edge.depends_on.slug for edge in ledger.dependency_edges.all()) == ["payments-api", "postgres"]
    assert AuditEvent.objects.filter(action="service.created", target_id="ledger").count() == 1


def test_creating_a_production_service_without_owner_saves_and_warns(admin, client_for):
    response = client_for(admin).post(f"{BASE}new/", form_data(name="Orphan"))

    assert response.status_code == 302
    assert Service.objects.get(slug="orphan").owner_team is None
    assert messages_of(response) == [
        "Orphan added to the catalog.",
        "Orphan is in production with no owner team: nobody is accountable for it.",
    ]


def test_form_shows_the_no_owner_warning_for_production_without_owner(org, catalog, admin, client_for):
    client = client_for(admin)

    blank = client.get(f"{BASE}new/")
    flags = client.get(f"{BASE}feature-flags/edit/")
    invalid = client.post(f"{BASE}new/", form_data(name="", lifecycle="production"))

    assert blank.context["form"].warns_no_owner is False
    assert flags.context["form"].warns_no_owner is False  # experimental
    assert invalid.context["form"].warns_no_owner is True
    assert '<div id="owner-warning" class="callout callout-warning">' in invalid.content.decode()


def test_tier_choices_explain_each_tier(admin, client_for):
    content = client_for(admin).get(f"{BASE}new/").content.decode()

    assert "Tier 1 — Mission critical: an outage stops customers or revenue." in content
    assert "Tier 4 — Low: experimental or internal tooling, no customer impact." in content


def test_admin_edits_a_service(catalog, web, admin, client_for):
    client = client_for(admin)
    page = client.get(f"{BASE}checkout/edit/")

    response = client.post(
        f"{BASE}checkout/edit/", page.context["form"].initial | {"tier": "1", "owner_team": "web", "slug": ""}
    )

    checkout = Service.objects.get(slug="checkout")
    assert page.context["form"].initial["links"] == (
        "dashboard | Grafana | https://grafana.acme.test/d/checkout\n"
        "runbook | Checkout runbook | https://runbooks.acme.test/checkout"
    )
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}checkout/"
    assert (checkout.tier, checkout.owner_team) == (1, web)
    assert checkout.links.count() == 2
    assert [edge.depends_on.slug for edge in checkout.dependency_edges.all()] == ["payments-api"]
    assert AuditEvent.objects.filter(action="service.updated", target_id="checkout").get().changes == {
        "tier": {"before": 2, "after": 1},
        "owner_team": {"before": "payments", "after": "web"},
    }


def test_edit_offers_the_orgs_other_services_as_dependencies(catalog, other_org, admin, client_for):
    ServiceFactory(organization=other_org, name="Globex DB")

    form = client_for(admin).get(f"{BASE}checkout/edit/").context["form"]

    assert [s.slug for s in form.fields["dependencies"].queryset] == [
        "feature-flags",
        "payments-api",
        "postgres",
        "web-app",
    ]


def test_focus_parameter_autofocuses_the_field(catalog, admin, client_for):
    response = client_for(admin).get(f"{BASE}checkout/edit/", {"focus": "owner_team"})

    assert response.context["form"].fields["owner_team"].widget.attrs == {"autofocus": True}
    assert '<select name="owner_team" autofocus' in response.content.decode()


def test_responder_in_the_owner_team_edits_that_service_only(org, catalog, payments, responder, client_for):
    TeamMembership.objects.create(organization=org, team=payments, user=responder.user)
    client = client_for(responder)

    own = client.post(f"{BASE}checkout/edit/", client.get(f"{BASE}checkout/edit/").context["form"].initial | {
        "description": "Ours.", "slug": "checkout"})  # fmt: skip
    before = catalog_rows(org)
    other = client.post(f"{BASE}postgres/edit/", form_data(name="Postgres", slug="postgres"))

    assert own.status_code == 302
    assert Service.objects.get(slug="checkout").description == "Ours."
    assert client.get(f"{BASE}postgres/edit/").status_code == 403
    assert other.status_code == 403
    assert catalog_rows(org) == before


def test_viewer_in_the_owner_team_cannot_edit(org, catalog, payments, viewer, client_for):
    TeamMembership.objects.create(organization=org, team=payments, user=viewer.user)

    response = client_for(viewer).get(f"{BASE}checkout/edit/")

    assert response.status_code == 403


@pytest.mark.parametrize("role", ["viewer", "responder"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "new/"),
        ("post", "new/"),
        ("get", "checkout/edit/"),
        ("post", "checkout/edit/"),
        ("get", "checkout/archive/"),
        ("post", "checkout/archive/"),
        ("post", "checkout/unarchive/"),
        ("post", "checkout/health/"),
        ("get", "import/"),
        ("post", "import/"),
    ],
)
def test_viewers_and_responders_outside_the_owner_team_cannot_write(
    request, org, catalog, client_for, role, method, path
):
    client = client_for(request.getfixturevalue(role))
    before = catalog_rows(org)

    response = getattr(client, method)(f"{BASE}{path}", form_data(name="Hijack", health="major_outage"))

    assert response.status_code == 403
    assert catalog_rows(org) == before


@pytest.mark.parametrize("role", ["viewer", "responder", "admin"])
@pytest.mark.parametrize("path", ["", "checkout/", "hygiene/", "export/"])
def test_every_member_reads_the_catalog(request, catalog, client_for, role, path):
    response = client_for(request.getfixturevalue(role)).get(f"{BASE}{path}")

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"labels": "language=python\nteam payments"}, {"labels": ["Line 2: “team payments” is not key=value."]}),
        (
            {"labels": "a=1\nbad key=x\na=2"},
            {
                "labels": [
                    "Line 2: “bad key” is not a valid label key (letters, numbers, '-', '_', '.').",
                    "Line 3: the label “a” is given twice.",
                ]
            },
        ),
        (
            {"links": "runbook | Runbook | https://ok.acme.test\nwiki | Wiki | https://wiki.acme.test"},
            {
                "links": [
                    "Line 2: “wiki” is not a link type (use one of runbook, repository, dashboard, docs, chat, other)."
                ]
            },
        ),
        ({"links": "runbook | Runbook | not-a-url"}, {"links": ["Line 1: “not-a-url” is not an http(s) URL."]}),
        ({"links": "https://runbooks.acme.test"}, {"links": ["Line 1: write “type | title | url”."]}),
        ({"slug": "checkout"}, {"slug": ["A service with the slug “checkout” already exists."]}),
        ({"slug": "new"}, {"slug": ["“new” is reserved; choose another slug."]}),
        ({"name": "Checkout"}, {"slug": ["A service with the slug “checkout” already exists."]}),
        (
            {"owner_team": "globex-ops"},
            {"owner_team": ["Select a valid choice. That choice is not one of the available choices."]},
        ),
        (
            {"responding_teams": ["globex-ops"]},
            {"responding_teams": ["Select a valid choice. globex-ops is not one of the available choices."]},
        ),
        (
            {"dependencies": ["globex-db"]},
            {"dependencies": ["Select a valid choice. globex-db is not one of the available choices."]},
        ),
        ({"tier": "7"}, {"tier": ["Select a valid choice. 7 is not one of the available choices."]}),
    ],
    ids=[
        "label-line",
        "label-key-and-duplicate",
        "link-type",
        "link-url",
        "link-shape",
        "duplicate-slug",
        "reserved-slug",
        "duplicate-derived-slug",
        "other-org-owner-team",
        "other-org-responding-team",
        "other-org-dependency",
        "tier",
    ],
)
def test_create_form_errors_re_render_with_400_and_change_nothing(
    org, other_org, catalog, admin, client_for, fields, errors
):
    TeamFactory(organization=other_org, name="Globex Ops", slug="globex-ops")
    ServiceFactory(organization=other_org, name="Globex DB")
    before = catalog_rows(org)
    audit_before = AuditEvent.objects.count()

    response = client_for(admin).post(f"{BASE}new/", form_data(name="Ledger") | fields)

    assert response.status_code == 400
    assert response.context["form"].errors == errors
    assert "The service was not saved." in response.content.decode()
    assert catalog_rows(org) == before
    assert AuditEvent.objects.count() == audit_before


def test_edit_with_a_bad_link_line_changes_nothing(org, catalog, admin, client_for):
    client = client_for(admin)
    initial = client.get(f"{BASE}checkout/edit/").context["form"].initial
    before = catalog_rows(org)

    response = client.post(f"{BASE}checkout/edit/", initial | {"tier": "1", "links": "runbook | x | ftp://nope"})

    assert response.status_code == 400
    assert response.context["form"].errors == {"links": ["Line 1: “ftp://nope” is not an http(s) URL."]}
    assert catalog_rows(org) == before


def test_renaming_the_slug_to_a_taken_one_is_a_form_error(org, catalog, admin, client_for):
    client = client_for(admin)
    initial = client.get(f"{BASE}checkout/edit/").context["form"].initial
    before = catalog_rows(org)

    response = client.post(f"{BASE}checkout/edit/", initial | {"slug": "postgres"})

    assert response.status_code == 400
    assert response.context["form"].errors == {"slug": ["A service with the slug “postgres” already exists."]}
    assert catalog_rows(org) == before


# --- archive, unarchive, health ----------------------------------------------------------------------


def test_archive_asks_for_confirmation_then_archives(catalog, admin, client_for):
    client = client_for(admin)

    confirm = client.get(f"{BASE}payments-api/archive/")
    response = client.post(f"{BASE}payments-api/archive/")

    assert confirm.status_code == 200
    assert confirm.context["title"] == "Archive Payments API?"
    assert "2 services still depend on it, directly or not." in confirm.content.decode()
    assert Service.objects.get(slug="payments-api").is_archived is True
    assert response["Location"] == f"{BASE}payments-api/"
    assert names(client.get(BASE)) == ["Checkout", "Feature flags", "Postgres", "Web app"]


def test_unarchive_brings_the_service_back(catalog, admin, client_for):
    actions.service_archive(service=catalog["checkout"], actor=SYSTEM)
    client = client_for(admin)

    response = client.post(f"{BASE}checkout/unarchive/")

    assert response.status_code == 302
    assert Service.objects.get(slug="checkout").is_archived is False
    assert messages_of(response) == ["Checkout is back in the catalog."]


def test_unarchive_is_post_only(catalog, admin, client_for):
    assert client_for(admin).get(f"{BASE}checkout/unarchive/").status_code == 405


def test_owner_team_member_sets_health(org, catalog, payments, responder, client_for):
    TeamMembership.objects.create(organization=org, team=payments, user=responder.user)

    response = client_for(responder).post(f"{BASE}checkout/health/", {"health": "partial_outage"})

    assert response.status_code == 302
    assert response["Location"] == f"{BASE}checkout/"
    assert Service.objects.get(slug="checkout").health == "partial_outage"
    assert messages_of(response) == ["Checkout is now “partial outage”."]


def test_invalid_health_changes_nothing(org, catalog, admin, client_for):
    before = catalog_rows(org)

    response = client_for(admin).post(f"{BASE}checkout/health/", {"health": "on_fire"})

    assert response.status_code == 302
    assert messages_of(response) == ["Choose a valid health status."]
    assert catalog_rows(org) == before


# --- hygiene -----------------------------------------------------------------------------------------


def test_hygiene_lists_exactly_the_gaps_with_fix_links(org, catalog, member_client):
    ServiceFactory(organization=org, name="Orphan", tier=2)

    response = member_client.get(f"{BASE}hygiene/")

    content = response.content.decode()
    sections = {key: [s.slug for s in services] for key, *_, services in response.context["sections"]}
    assert sections == {
        "no_owner": ["orphan"],
        "no_runbook": ["payments-api", "orphan"],
        "no_responders": ["payments-api", "checkout", "orphan"],
    }
    assert 'href="/o/acme/services/orphan/edit/?focus=owner_team#id_owner_team"' in content
    assert 'href="/o/acme/services/payments-api/edit/?focus=links#id_links"' in content
    assert 'href="/o/acme/services/checkout/edit/?focus=responding_teams#id_responding_teams"' in content


def test_hygiene_says_all_clear_for_empty_sections(org, payments, member_client):
    ServiceFactory(
        organization=org,
        name="Tidy",
        owner_team=payments,
        responding_teams=[payments],
        links=[{"kind": "runbook", "title": "", "url": "https://runbooks.acme.test/tidy"}],
    )

    content = member_client.get(f"{BASE}hygiene/").content.decode()

    assert content.count("✓ All clear") == 3


def test_hygiene_shows_fix_links_only_for_services_the_member_may_edit(org, catalog, payments, responder, client_for):
    TeamMembership.objects.create(organization=org, team=payments, user=responder.user)

    response = client_for(responder).get(f"{BASE}hygiene/")

    content = response.content.decode()
    assert response.context["editable"] == {catalog["checkout"].pk, catalog["payments-api"].pk}
    assert "/o/acme/services/checkout/edit/" in content
    assert "/o/acme/services/postgres/edit/" not in content


# --- import ------------------------------------------------------------------------------------------

LEDGER_YAML = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ledger
  title: Ledger
  annotations:
    firebreak.io/tier: "1"
  links:
    - url: https://runbooks.acme.test/ledger
      title: Ledger runbook
      type: runbook
spec:
  type: service
  lifecycle: production
  owner: group:default/payments
  dependsOn:
    - component:default/checkout
"""


def test_import_preview_writes_nothing(org, catalog, admin, client_for):
    before = catalog_rows(org)
    audit_before = AuditEvent.objects.count()

    response = client_for(admin).post(f"{BASE}import/", {"yaml": LEDGER_YAML})

    content = response.content.decode()
    assert response.status_code == 200
    assert [(c.kind, c.slug, c.action) for c in response.context["result"].changes] == [("service", "ledger", "create")]
    assert response.context["created_count"] == 1
    assert response.context["rows"] == [
        {
            "kind": "service",
            "slug": "ledger",
            "action": "create",
            "fields": [
                ("name", "—", "Ledger"),
                ("kind", "—", "component"),
                ("service type", "—", "service"),
                ("tier", "—", "1"),
                ("lifecycle", "—", "production"),
                ("health", "—", "operational"),
                ("owner team", "—", "payments"),
                ("links", "—", "runbook: Ledger runbook"),
                ("dependencies", "—", "checkout"),
            ],
        }
    ]
    assert "Apply import" in content
    assert '<input type="hidden" name="confirm" value="1">' in content
    assert catalog_rows(org) == before
    assert AuditEvent.objects.count() == audit_before


def test_import_preview_shows_updates_as_before_and_after(org, catalog, admin, client_for):
    yaml_text = (
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: checkout\n  title: Checkout\n"
        "  description: Cart and checkout.\n  labels:\n    language: rust\nspec:\n  lifecycle: production\n"
    )

    response = client_for(admin).post(f"{BASE}import/", {"yaml": yaml_text})

    row = response.context["rows"][0]
    assert (row["slug"], row["action"]) == ("checkout", "update")
    assert ("labels", "language=python", "language=rust") in row["fields"]
    assert ("owner team", "payments", "—") in row["fields"]
    assert 'class="import-before">language=python</span>' in response.content.decode()


def test_import_apply_writes(org, catalog, payments, admin, client_for):
    response = client_for(admin).post(f"{BASE}import/", {"yaml": LEDGER_YAML, "confirm": "1"})

    ledger = Service.objects.get(organization=org, slug="ledger")
    assert response.status_code == 302
    assert response["Location"] == BASE
    assert messages_of(response) == ["Imported the catalog: 1 created, 0 updated, 0 unchanged."]
    assert (ledger.tier, ledger.owner_team, ledger.links.get().kind) == (1, payments, ServiceLinkKind.RUNBOOK)
    assert [edge.depends_on.slug for edge in ledger.dependency_edges.all()] == ["checkout"]


def test_import_accepts_an_uploaded_file(org, catalog, admin, client_for):
    upload = SimpleUploadedFile("catalog-info.yaml", LEDGER_YAML.encode(), content_type="application/yaml")

    response = client_for(admin).post(f"{BASE}import/", {"file": upload})

    assert response.status_code == 200
    assert response.context["yaml_text"] == LEDGER_YAML


def test_import_errors_list_the_messages_and_import_nothing(org, catalog, admin, client_for):
    bad = LEDGER_YAML.replace("lifecycle: production", "lifecycle: live")
    before = catalog_rows(org)

    response = client_for(admin).post(f"{BASE}import/", {"yaml": bad, "confirm": "1"})

    message = 'Document 1 (Component "ledger"): spec.lifecycle: "live" is not one of production, staging, experimental, deprecated.'  # noqa: E501
    assert response.status_code == 400
    assert response.context["form"].errors == {"yaml": [message]}
    assert "Nothing was imported." in response.content.decode()
    assert catalog_rows(org) == before


def test_import_without_yaml_is_a_form_error(admin, client_for):
    response = client_for(admin).post(f"{BASE}import/", {"yaml": "  "})

    assert response.status_code == 400
    assert response.context["form"].errors == {"__all__": ["Choose a catalog-info.yaml file or paste its YAML."]}


# --- export ------------------------------------------------------------------------------------------


def test_export_downloads_the_catalog_as_yaml(catalog, viewer, client_for):
    response = client_for(viewer).get(f"{BASE}export/")

    documents = list(yaml.safe_load_all(response.content))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/yaml; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="catalog-info.yaml"'
    assert sorted(d["metadata"]["name"] for d in documents if d["kind"] != "Group") == [
        "checkout",
        "feature-flags",
        "payments-api",
        "postgres",
        "web-app",
    ]


def test_export_of_one_service(catalog, member_client):
    response = member_client.get(f"{BASE}export/", {"service": "checkout"})

    documents = list(yaml.safe_load_all(response.content))
    assert response["Content-Disposition"] == 'attachment; filename="checkout.catalog-info.yaml"'
    assert [(d["kind"], d["metadata"]["name"]) for d in documents] == [("Group", "payments"), ("Component", "checkout")]


def test_export_of_another_orgs_service_is_404(catalog, other_org, other_member, client_for):
    response = client_for(other_member).get(f"/o/{other_org.slug}/services/export/", {"service": "checkout"})

    assert response.status_code == 404


# --- team page ---------------------------------------------------------------------------------------


def test_team_page_lists_the_services_it_owns(catalog, member_client):
    response = member_client.get("/o/acme/teams/payments/")

    content = response.content.decode()
    assert [s.slug for s in response.context["services"]] == ["payments-api", "checkout"]
    assert 'href="/o/acme/services/checkout/"' in content
    assert '<span class="badge badge-tier badge-tier-1"' in content


# --- query counts ------------------------------------------------------------------------------------


def grow_catalog(org, team: Team, other_team: Team, count: int) -> None:
    """Add services up to `count`, each with 3 labels, 2 links, a responding team and edges to the two before."""
    start = Service.objects.for_org(org).count()
    services = Service.objects.bulk_create(
        Service(organization=org, name=f"Bulk {i:03}", slug=f"bulk-{i:03}", tier=1 + i % 4, owner_team=team)
        for i in range(start, count)
    )
    ServiceLabel.objects.bulk_create(
        ServiceLabel(organization=org, service=s, key=key, value=f"v{s.pk % 3}")
        for s in services
        for key in ("language", "region", "tier-group")
    )
    ServiceLink.objects.bulk_create(
        ServiceLink(organization=org, service=s, kind=kind, title=kind, url=f"https://{kind}.acme.test/{s.slug}")
        for s in services
        for kind in ("runbook", "dashboard")
    )
    ServiceRespondingTeam.objects.bulk_create(
        ServiceRespondingTeam(organization=org, service=s, team=other_team) for s in services
    )
    everything = list(Service.objects.for_org(org).order_by("slug"))
    ServiceDependency.objects.bulk_create(
        [
            ServiceDependency(organization=org, service=s, depends_on=everything[i - back])
            for i, s in enumerate(everything)
            for back in (1, 2)
            if i - back >= 0 and s in services
        ]
    )


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url", [BASE, f"{BASE}?team=payments&sort=-tier", f"{BASE}bulk-005/", "/o/acme/teams/payments/"]
)
def test_pages_run_a_constant_number_of_queries_however_big_the_catalog(org, payments, web, member_client, url):
    grow_catalog(org, payments, web, 10)
    small = count_queries(member_client, url)

    grow_catalog(org, payments, web, 200)
    large = count_queries(member_client, url)

    assert Service.objects.for_org(org).count() == 200
    assert ServiceDependency.objects.for_org(org).count() == 397
    assert large == small

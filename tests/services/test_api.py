"""The service catalog API: CRUD, filters, dependencies and blast radius, import/export, roles."""

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgs.models import AuditEvent
from orgs.tenancy import Actor
from services import actions
from services.models import Service, ServiceDependency
from tests.factories import ServiceFactory, TeamFactory

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system()


def edges(org, pairs):
    services = {s.slug: s for s in Service.objects.for_org(org)}
    for source, target in pairs:
        actions.service_dependency_add(service=services[source], depends_on=services[target], actor=SYSTEM)


def test_create_returns_the_full_service_and_audits(org, api_client):
    payments = TeamFactory(organization=org, name="Payments", slug="payments")
    web = TeamFactory(organization=org, name="Web", slug="web")
    ServiceFactory(organization=org, name="Postgres", kind="resource")

    response = api_client.post(
        "/api/v1/services/",
        {
            "name": "Checkout API",
            "description": "Takes the money.",
            "tier": 1,
            "lifecycle": "production",
            "owner_team": "payments",
            "responding_teams": ["web"],
            "labels": {"language": "python", "pci": "true"},
            "links": [{"kind": "runbook", "title": "Runbook", "url": "https://runbooks.example.com/checkout"}],
            "dependencies": ["postgres"],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    body.pop("id"), body.pop("created_at"), body.pop("updated_at")
    assert body == {
        "slug": "checkout-api",
        "name": "Checkout API",
        "description": "Takes the money.",
        "kind": "component",
        "type": "service",
        "tier": 1,
        "tier_meaning": "Mission critical: an outage stops customers or revenue.",
        "lifecycle": "production",
        "health": "operational",
        "owner_team": "payments",
        "responding_teams": ["web"],
        "escalation_policy": None,
        "labels": {"language": "python", "pci": "true"},
        "links": [{"kind": "runbook", "title": "Runbook", "url": "https://runbooks.example.com/checkout"}],
        "dependencies": ["postgres"],
        "archived": False,
        "archived_at": None,
        "warnings": [],
    }
    event = AuditEvent.objects.for_org(org).get(action="service.created", target_id="checkout-api")
    assert event.actor_label == "API token “admin token”"
    assert event.changes["owner_team"] == {"before": None, "after": payments.slug}
    assert event.changes["responding_teams"] == {"before": None, "after": [web.slug]}


def test_production_without_owner_is_saved_with_a_warning(org, api_client):
    response = api_client.post("/api/v1/services/", {"name": "Orphan", "lifecycle": "production"}, format="json")

    assert response.status_code == 201
    assert response.json()["warnings"] == ["Production service without an owner team."]


def test_a_long_name_without_a_slug_gets_one_cut_to_63_characters(org, api_client):
    name = "Customer notifications delivery pipeline for every region - primary"  # 68 characters

    response = api_client.post("/api/v1/services/", {"name": name}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["slug"] == "customer-notifications-delivery-pipeline-for-every-region-prima"
    assert Service.objects.for_org(org).get(name=name).slug == response.json()["slug"]
    # Cut where a separator would end it: the separator goes too
    cut_at_dash = "a" * 62 + " b"
    second = api_client.post("/api/v1/services/", {"name": cut_at_dash}, format="json")
    assert (second.status_code, second.json()["slug"]) == (201, "a" * 62)


def test_a_name_with_nothing_to_make_a_slug_from_asks_for_one(org, api_client):
    response = api_client.post("/api/v1/services/", {"name": "日本の決済"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["slug"] == [
        "The name has no letters or numbers to make a slug from: give the service a slug."
    ]
    given = api_client.post("/api/v1/services/", {"name": "日本の決済", "slug": "jp-payments"}, format="json")
    assert (given.status_code, given.json()["slug"]) == (201, "jp-payments")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "X", "owner_team": "globex-team"}, "owner_team"),
        ({"name": "X", "responding_teams": ["globex-team"]}, "responding_teams"),
        ({"name": "X", "dependencies": ["globex-db"]}, "dependencies"),
        ({"name": "X", "tier": 7}, "tier"),
        ({"name": "X", "labels": {"bad key!": "v"}}, "labels"),
        ({"name": "X", "slug": "export"}, "slug"),
        ({"name": "X", "links": [{"kind": "runbook", "url": "ftp://nope"}]}, "links"),
    ],
)
def test_invalid_or_cross_org_references_are_400_and_save_nothing(org, other_org, api_client, payload, field):
    TeamFactory(organization=other_org, slug="globex-team")
    ServiceFactory(organization=other_org, name="Globex DB", slug="globex-db")
    audit_before = AuditEvent.objects.for_org(org).count()

    response = api_client.post("/api/v1/services/", payload, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert list(response.json()["error"]["fields"]) == [field]
    assert Service.objects.for_org(org).exists() is False
    assert AuditEvent.objects.for_org(org).count() == audit_before


@pytest.mark.parametrize("role", ["viewer", "responder"])
def test_only_admin_tokens_write(org, api_client_for, role):
    ServiceFactory(organization=org, name="Search")
    client = api_client_for(org, role)

    assert client.get("/api/v1/services/search/").status_code == 200
    assert client.post("/api/v1/services/", {"name": "New"}, format="json").status_code == 403
    assert client.patch("/api/v1/services/search/", {"tier": 1}, format="json").status_code == 403
    assert client.delete("/api/v1/services/search/").status_code == 403
    assert client.post("/api/v1/services/import/", "", content_type="application/yaml").status_code == 403
    assert list(Service.objects.for_org(org).values_list("slug", "tier", "archived_at")) == [("search", 3, None)]


def test_patch_changes_only_given_fields_and_audits_only_real_changes(org, api_client):
    ServiceFactory(organization=org, name="Search", labels={"language": "java"})

    changed = api_client.patch("/api/v1/services/search/", {"tier": 2}, format="json")
    same = api_client.patch("/api/v1/services/search/", {"tier": 2}, format="json")

    assert (changed.status_code, same.status_code) == (200, 200)
    assert changed.json()["tier"] == 2
    assert changed.json()["labels"] == {"language": "java"}
    updates = AuditEvent.objects.for_org(org).filter(action="service.updated")
    assert [e.changes for e in updates] == [{"tier": {"before": 3, "after": 2}}]


def test_list_filters_sort_and_archive(org, api_client):
    platform = TeamFactory(organization=org, slug="platform")
    web = TeamFactory(organization=org, slug="web")
    ServiceFactory(organization=org, name="Web", tier=1, owner_team=web, labels={"language": "ts"})
    ServiceFactory(
        organization=org, name="Postgres", tier=1, owner_team=platform, responding_teams=[web], labels={"region": "eu"}
    )
    ServiceFactory(organization=org, name="Flags", tier=4, lifecycle="experimental", labels={"language": "go"})
    old = ServiceFactory(organization=org, name="Old", tier=4, lifecycle="deprecated")
    actions.service_archive(service=old, actor=SYSTEM)

    def slugs(query=""):
        response = api_client.get(f"/api/v1/services/{query}")
        assert response.status_code == 200, response.json()
        return [s["slug"] for s in response.json()["results"]]

    assert slugs() == ["flags", "postgres", "web"]
    assert slugs("?include_archived=true") == ["flags", "old", "postgres", "web"]
    assert slugs("?team=web") == ["postgres", "web"]
    assert slugs("?tier=1") == ["postgres", "web"]
    assert slugs("?lifecycle=experimental") == ["flags"]
    assert slugs("?label=language") == ["flags", "web"]
    assert slugs("?label=language=go") == ["flags"]
    assert slugs("?search=post") == ["postgres"]
    assert slugs("?ordering=-tier") == ["flags", "postgres", "web"]
    bad = api_client.get("/api/v1/services/?tier=9")
    assert bad.status_code == 400
    assert list(bad.json()["error"]["fields"]) == ["tier"]


def test_delete_archives_and_unarchive_restores(org, api_client):
    actions.service_create(organization=org, actor=SYSTEM, name="Legacy")

    assert api_client.delete("/api/v1/services/legacy/").status_code == 204
    assert api_client.get("/api/v1/services/").json()["count"] == 0
    assert api_client.get("/api/v1/services/legacy/").json()["archived"] is True
    restored = api_client.post("/api/v1/services/legacy/unarchive/")
    assert restored.json()["archived"] is False
    actions_logged = list(
        AuditEvent.objects.for_org(org).filter(target_type="service").values_list("action", flat=True)
    )
    assert sorted(actions_logged) == ["service.archived", "service.created", "service.unarchived"]


def test_dependencies_blast_radius_with_a_diamond_and_a_cycle(org, api_client):
    for name in ("web", "api", "checkout", "search", "postgres", "billing", "notify"):
        ServiceFactory(organization=org, name=name)
    # Diamond: api -> checkout -> postgres and api -> search -> postgres. Cycle: billing <-> notify.
    edges(
        org,
        [
            ("web", "api"),
            ("api", "checkout"),
            ("api", "search"),
            ("checkout", "postgres"),
            ("search", "postgres"),
            ("billing", "postgres"),
            ("billing", "notify"),
            ("notify", "billing"),
        ],
    )

    postgres = api_client.get("/api/v1/services/postgres/dependencies/").json()
    billing = api_client.get("/api/v1/services/billing/dependencies/").json()

    assert [(s["slug"], s["distance"]) for s in postgres["blast_radius"]] == [
        ("billing", 1),
        ("checkout", 1),
        ("search", 1),
        ("api", 2),
        ("notify", 2),
        ("web", 3),
    ]
    assert postgres["cycle"] == []
    assert [s["slug"] for s in postgres["dependents"]] == ["billing", "checkout", "search"]
    assert billing["cycle"] == ["billing", "notify", "billing"]
    assert [(s["slug"], s["distance"]) for s in billing["upstream"]] == [("notify", 1), ("postgres", 1)]
    assert [(s["slug"], s["distance"]) for s in billing["blast_radius"]] == [("notify", 1)]


def test_add_and_remove_a_dependency(org, other_org, api_client):
    ServiceFactory(organization=org, name="web")
    ServiceFactory(organization=org, name="api")
    ServiceFactory(organization=other_org, name="theirs")

    added = api_client.post("/api/v1/services/web/dependencies/", {"depends_on": "api"}, format="json")
    cross = api_client.post("/api/v1/services/web/dependencies/", {"depends_on": "theirs"}, format="json")
    self_edge = api_client.post("/api/v1/services/web/dependencies/", {"depends_on": "web"}, format="json")

    assert added.status_code == 201
    assert [s["slug"] for s in added.json()["dependencies"]] == ["api"]
    assert (cross.status_code, list(cross.json()["error"]["fields"])) == (400, ["depends_on"])
    assert (self_edge.status_code, list(self_edge.json()["error"]["fields"])) == (400, ["dependencies"])
    assert api_client.delete("/api/v1/services/web/dependencies/api/").status_code == 204
    assert ServiceDependency.objects.for_org(org).exists() is False


CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: payments
  title: Payments
spec:
  type: team
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  annotations:
    firebreak.io/tier: "1"
spec:
  type: service
  lifecycle: production
  owner: group:default/payments
  dependsOn: [resource:default/db]
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: db
spec:
  type: database
  lifecycle: production
  owner: payments
"""


def test_import_yaml_body_dry_run_then_apply_then_export(org, api_client):
    preview = api_client.post("/api/v1/services/import/?dry_run=1", CATALOG, content_type="application/yaml")

    assert preview.status_code == 200, preview.json()
    assert (preview.json()["dry_run"], preview.json()["created"]) == (True, 3)
    assert Service.objects.for_org(org).exists() is False

    applied = api_client.post("/api/v1/services/import/", {"yaml": CATALOG}, format="json")
    again = api_client.post("/api/v1/services/import/", CATALOG, content_type="application/yaml")

    assert (applied.json()["created"], applied.json()["dry_run"]) == (3, False)
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (0, 0, 3)
    checkout = api_client.get("/api/v1/services/checkout/").json()
    assert (checkout["tier"], checkout["owner_team"], checkout["dependencies"]) == (1, "payments", ["db"])

    exported = api_client.get("/api/v1/services/export/")
    assert exported["Content-Type"] == "application/yaml; charset=utf-8"
    names = [(d["kind"], d["metadata"]["name"]) for d in yaml.safe_load_all(exported.content) if d]
    assert names == [("Group", "payments"), ("Component", "checkout"), ("Resource", "db")]
    one = api_client.get("/api/v1/services/export/?service=db")
    assert [d["metadata"]["name"] for d in yaml.safe_load_all(one.content) if d] == ["payments", "db"]


def test_import_errors_are_400_naming_document_and_field(org, api_client):
    broken = CATALOG.replace("owner: group:default/payments", "owner: user:jdoe")

    response = api_client.post("/api/v1/services/import/", broken, content_type="application/yaml")
    malformed = api_client.post("/api/v1/services/import/", "kind: [unclosed", content_type="application/yaml")

    assert response.status_code == 400
    [message] = response.json()["error"]["fields"]["yaml"]
    assert message.startswith('Document 2 (Component "checkout"): spec.owner')
    assert malformed.status_code == 400
    assert list(malformed.json()["error"]["fields"]) == ["yaml"]
    assert Service.objects.for_org(org).exists() is False


def test_list_query_count_does_not_grow_with_services(org, api_client):
    def build(count, prefix):
        previous = None
        for i in range(count):
            service = ServiceFactory(
                organization=org,
                name=f"{prefix}{i:03d}",
                labels={"a": "1", "b": "2", "c": "3"},
                links=[{"kind": "runbook", "url": f"https://r.example.com/{prefix}{i}"}],
                dependencies=[previous] if previous else [],
            )
            previous = service

    def queries(page_size):
        with CaptureQueriesContext(connection) as captured:
            response = api_client.get(f"/api/v1/services/?page_size={page_size}")
        assert response.status_code == 200
        return len(captured)

    build(10, "a")
    api_client.get("/api/v1/services/")  # the token's last_used_at stamp is written once a minute
    small = queries(200)
    build(190, "b")
    large = queries(200)

    assert large == small

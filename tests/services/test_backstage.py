"""Backstage catalog import/export: round trip between orgs, idempotence, dry runs, errors and tenancy."""

from textwrap import dedent
from typing import Any

import pytest
import yaml
from django.core.exceptions import ValidationError

from orgs import actions as org_actions
from orgs.models import AuditEvent, Membership, Organization, Team
from orgs.tenancy import Actor
from services import actions, backstage
from services.backstage import ImportChange, ImportResult
from services.models import Service, ServiceDependency
from tests.factories import ServiceDependencyFactory, ServiceFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(owner: Membership) -> Actor:
    return Actor(user=owner.user)


def catalog(organization: Organization) -> list[dict[str, Any]]:
    """Every service of the org as service_snapshot(), by slug."""
    return sorted(
        (actions.service_snapshot(service) for service in Service.objects.for_org(organization)),
        key=lambda snapshot: snapshot["slug"],
    )


def teams(organization: Organization) -> list[tuple[str, str, str, str, str]]:
    """Every team of the org as (slug, name, description, email, chat_channel)."""
    return list(
        Team.objects.for_org(organization)
        .order_by("slug")
        .values_list("slug", "name", "description", "email", "chat_channel")
    )


def service(organization: Organization, slug: str) -> Service:
    """One service of the org by slug."""
    return Service.objects.for_org(organization).get(slug=slug)


def import_errors(organization: Organization, actor: Actor, text: str) -> list[str]:
    """The messages of the ValidationError a failing import raises (always under the `yaml` key)."""
    with pytest.raises(ValidationError) as excinfo:
        backstage.catalog_import(organization=organization, yaml_text=text, actor=actor)
    assert list(excinfo.value.error_dict) == ["yaml"]
    return excinfo.value.message_dict["yaml"]


def assert_nothing_imported(organization: Organization, enqueued: Any) -> None:
    """No team, service, edge or audit event exists in the org, and nothing was enqueued."""
    assert Team.objects.for_org(organization).exists() is False
    assert Service.objects.for_org(organization).exists() is False
    assert ServiceDependency.objects.for_org(organization).exists() is False
    assert AuditEvent.objects.for_org(organization).exists() is False
    assert enqueued.calls == []


def build_catalog(organization: Organization) -> None:
    """A realistic catalog: 3 teams, 7 services, labels, links, tiers, a diamond and a cycle in the edges."""
    payments = TeamFactory(
        organization=organization,
        name="Payments",
        slug="payments",
        description="Money in, money out.",
        email="payments@acme.test",
        chat_channel="#payments-oncall",
    )
    platform = TeamFactory(organization=organization, name="Platform Engineering", slug="platform", description="")
    sre = TeamFactory(
        organization=organization, name="SRE", slug="sre", description="", chat_channel="https://chat.acme.test/sre"
    )
    database = ServiceFactory(
        organization=organization,
        name="Primary database",
        slug="db",
        kind="resource",
        service_type="database",
        tier=1,
        owner_team=platform,
        responding_teams=[sre],
        labels={"engine": "postgres"},
    )
    cache = ServiceFactory(
        organization=organization,
        name="Cache",
        slug="cache",
        kind="resource",
        service_type="cache",
        lifecycle="staging",
        owner_team=platform,
    )
    ledger = ServiceFactory(
        organization=organization,
        name="Ledger",
        slug="ledger",
        description="Double-entry bookkeeping: every cent accounted for.\nSecond line.",
        tier=1,
        owner_team=payments,
        responding_teams=[sre, platform],
        dependencies=[database],
        links=[
            {"kind": "runbook", "title": "Ledger runbook", "url": "https://wiki.acme.test/ledger/runbook"},
            {"kind": "repository", "title": "", "url": "https://git.acme.test/ledger"},
        ],
    )
    payments_api = ServiceFactory(
        organization=organization,
        name="Payments API",
        slug="payments-api",
        tier=2,
        owner_team=payments,
        dependencies=[database, cache],
        labels={"domain": "payments", "acme.test/cost-center": "cc-42"},
        links=[
            {"kind": "dashboard", "title": "Grafana", "url": "https://grafana.acme.test/d/payments"},
            {"kind": "docs", "title": "API docs", "url": "https://docs.acme.test/payments"},
            {"kind": "chat", "title": "Slack", "url": "https://acme.slack.test/payments"},
            {"kind": "other", "title": "Status", "url": "https://status.acme.test"},
        ],
    )
    reconciler = ServiceFactory(
        organization=organization,
        name="Reconciler",
        slug="reconciler",
        service_type="batch",
        tier=4,
        lifecycle="experimental",
        health="degraded_performance",
        owner_team=payments,
        dependencies=[ledger],
    )
    ServiceDependencyFactory(service=ledger, depends_on=reconciler)
    ServiceFactory(
        organization=organization,
        name="Checkout",
        slug="checkout",
        service_type="website",
        tier=1,
        owner_team=payments,
        responding_teams=[sre],
        dependencies=[payments_api, ledger],
        labels={"domain": "shop"},
    )
    ServiceFactory(
        organization=organization,
        name="Commerce",
        slug="commerce",
        kind="system",
        lifecycle="deprecated",
        description="Everything that sells.",
    )


BASIC = dedent(
    """\
    apiVersion: backstage.io/v1alpha1
    kind: Group
    metadata:
      name: payments
      title: Payments
      description: Money in, money out.
      annotations:
        firebreak.io/chat-channel: "#payments-oncall"
    spec:
      type: team
      profile:
        email: payments@acme.test
      children: []
    ---
    apiVersion: backstage.io/v1alpha1
    kind: Component
    metadata:
      name: checkout
      title: Checkout
      labels:
        domain: shop
      annotations:
        firebreak.io/tier: "2"
      links:
        - url: https://wiki.acme.test/checkout
          title: Runbook
          type: runbook
        - url: https://github.test/acme/checkout
          type: source
    spec:
      type: website
      lifecycle: production
      owner: group:default/payments
      dependsOn:
        - resource:default/db
    ---
    apiVersion: backstage.io/v1alpha1
    kind: Resource
    metadata:
      name: db
    spec:
      type: database
      owner: payments
    """
)


# --- round trip ------------------------------------------------------------------------------------


def test_export_imported_into_another_org_reproduces_the_catalog(org, other_org):
    build_catalog(org)
    exported = backstage.catalog_export(organization=org)

    result = backstage.catalog_import(organization=other_org, yaml_text=exported, actor=Actor.system())

    assert (result.dry_run, result.created, result.updated, result.unchanged) == (False, 10, 0, 0)
    assert [(change.kind, change.slug) for change in result.changes] == [
        ("team", "payments"),
        ("team", "platform"),
        ("team", "sre"),
        ("service", "cache"),
        ("service", "checkout"),
        ("service", "commerce"),
        ("service", "db"),
        ("service", "ledger"),
        ("service", "payments-api"),
        ("service", "reconciler"),
    ]
    assert catalog(other_org) == catalog(org)
    assert teams(other_org) == teams(org)
    assert teams(other_org) == [
        ("payments", "Payments", "Money in, money out.", "payments@acme.test", "#payments-oncall"),
        ("platform", "Platform Engineering", "", "", ""),
        ("sre", "SRE", "", "", "https://chat.acme.test/sre"),
    ]
    assert set(ServiceDependency.objects.for_org(other_org).values_list("service__slug", "depends_on__slug")) == {
        ("checkout", "payments-api"),
        ("checkout", "ledger"),
        ("payments-api", "db"),
        ("payments-api", "cache"),
        ("ledger", "db"),
        ("ledger", "reconciler"),
        ("reconciler", "ledger"),
    }
    assert backstage.catalog_export(organization=other_org) == exported


def test_export_is_valid_backstage_yaml_in_a_stable_order(org):
    build_catalog(org)

    documents = list(yaml.safe_load_all(backstage.catalog_export(organization=org)))

    assert [(document["kind"], document["metadata"]["name"]) for document in documents] == [
        ("Group", "payments"),
        ("Group", "platform"),
        ("Group", "sre"),
        ("Resource", "cache"),
        ("Component", "checkout"),
        ("System", "commerce"),
        ("Resource", "db"),
        ("Component", "ledger"),
        ("Component", "payments-api"),
        ("Component", "reconciler"),
    ]
    assert {document["apiVersion"] for document in documents} == {"backstage.io/v1alpha1"}
    assert documents[4]["spec"] == {
        "type": "website",
        "lifecycle": "production",
        "owner": "group:default/payments",
        "dependsOn": ["component:default/ledger", "component:default/payments-api"],
    }
    assert documents[5]["spec"] == {"lifecycle": "deprecated"}
    assert documents[7]["metadata"]["annotations"] == {
        "firebreak.io/tier": "1",
        "firebreak.io/responding-teams": "platform,sre",
    }
    assert documents[9]["metadata"]["annotations"] == {
        "firebreak.io/tier": "4",
        "firebreak.io/health": "degraded_performance",
    }


def test_export_of_one_service_holds_it_and_its_teams_only(org):
    build_catalog(org)

    exported = backstage.catalog_export(organization=org, services=[service(org, "ledger")])

    assert exported == dedent(
        """\
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Group
        metadata:
          name: payments
          title: Payments
          description: Money in, money out.
          annotations:
            firebreak.io/chat-channel: '#payments-oncall'
        spec:
          type: team
          profile:
            displayName: Payments
            email: payments@acme.test
          children: []
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Group
        metadata:
          name: platform
          title: Platform Engineering
        spec:
          type: team
          profile:
            displayName: Platform Engineering
          children: []
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Group
        metadata:
          name: sre
          title: SRE
          annotations:
            firebreak.io/chat-channel: https://chat.acme.test/sre
        spec:
          type: team
          profile:
            displayName: SRE
          children: []
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata:
          name: ledger
          title: Ledger
          description: 'Double-entry bookkeeping: every cent accounted for.

            Second line.'
          annotations:
            firebreak.io/tier: '1'
            firebreak.io/responding-teams: platform,sre
          links:
          - url: https://git.acme.test/ledger
            type: repository
          - url: https://wiki.acme.test/ledger/runbook
            title: Ledger runbook
            type: runbook
        spec:
          type: service
          lifecycle: production
          owner: group:default/payments
          dependsOn:
          - resource:default/db
          - component:default/reconciler
        """
    )


def test_export_leaves_out_archived_services_and_services_of_other_orgs(org, other_org, actor):
    kept = actions.service_create(organization=org, actor=actor, name="Kept", slug="kept")
    archived = actions.service_create(organization=org, actor=actor, name="Gone", slug="gone")
    actions.service_archive(service=archived, actor=actor)
    foreign = actions.service_create(organization=other_org, actor=Actor.system(), name="Foreign", slug="foreign")

    everything = backstage.catalog_export(organization=org)
    chosen = backstage.catalog_export(organization=org, services=[kept, archived, foreign])

    assert [document["metadata"]["name"] for document in yaml.safe_load_all(everything)] == ["kept"]
    assert chosen == everything
    assert "owner" not in next(yaml.safe_load_all(everything))["spec"]


def test_export_of_an_empty_catalog_is_empty(org):
    assert backstage.catalog_export(organization=org) == ""


# --- import ----------------------------------------------------------------------------------------


def test_import_maps_groups_components_and_resources(org, actor):
    result = backstage.catalog_import(organization=org, yaml_text=BASIC, actor=actor)

    assert result.as_dict()["created"] == 3
    assert teams(org) == [("payments", "Payments", "Money in, money out.", "payments@acme.test", "#payments-oncall")]
    assert catalog(org) == [
        {
            "name": "Checkout",
            "slug": "checkout",
            "description": "",
            "kind": "component",
            "service_type": "website",
            "tier": 2,
            "lifecycle": "production",
            "health": "operational",
            "owner_team": "payments",
            "labels": {"domain": "shop"},
            "links": [
                ["repository", "", "https://github.test/acme/checkout"],
                ["runbook", "Runbook", "https://wiki.acme.test/checkout"],
            ],
            "responding_teams": [],
            "dependencies": ["db"],
        },
        {
            "name": "db",
            "slug": "db",
            "description": "",
            "kind": "resource",
            "service_type": "database",
            "tier": 3,
            "lifecycle": "production",
            "health": "operational",
            "owner_team": "payments",
            "labels": {},
            "links": [],
            "responding_teams": [],
            "dependencies": [],
        },
    ]


def test_import_result_as_dict_is_the_api_shape(org, actor):
    text = dedent(
        """\
        apiVersion: backstage.io/v1alpha1
        kind: System
        metadata:
          name: commerce
        """
    )

    result = backstage.catalog_import(organization=org, yaml_text=text, actor=actor)

    assert result.as_dict() == {
        "dry_run": False,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "changes": [
            {
                "kind": "service",
                "slug": "commerce",
                "action": "create",
                "changes": {
                    "name": {"before": None, "after": "commerce"},
                    "slug": {"before": None, "after": "commerce"},
                    "description": {"before": None, "after": ""},
                    "kind": {"before": None, "after": "system"},
                    "service_type": {"before": None, "after": "service"},
                    "tier": {"before": None, "after": 3},
                    "lifecycle": {"before": None, "after": "production"},
                    "health": {"before": None, "after": "operational"},
                    "labels": {"before": None, "after": {}},
                    "links": {"before": None, "after": []},
                    "responding_teams": {"before": None, "after": []},
                    "dependencies": {"before": None, "after": []},
                },
            }
        ],
    }
    assert service(org, "commerce").owner_team is None


def test_importing_the_same_file_twice_changes_nothing_the_second_time(org, actor):
    backstage.catalog_import(organization=org, yaml_text=BASIC, actor=actor)
    audit_count = AuditEvent.objects.for_org(org).count()
    stamps = dict(Service.objects.for_org(org).values_list("slug", "updated_at"))
    team_stamps = dict(Team.objects.for_org(org).values_list("slug", "updated_at"))
    edge_ids = list(ServiceDependency.objects.for_org(org).values_list("pk", flat=True))

    result = backstage.catalog_import(organization=org, yaml_text=BASIC, actor=actor)

    assert result.changes == [
        ImportChange("team", "payments", "unchanged", {}),
        ImportChange("service", "checkout", "unchanged", {}),
        ImportChange("service", "db", "unchanged", {}),
    ]
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert AuditEvent.objects.for_org(org).count() == audit_count
    assert dict(Service.objects.for_org(org).values_list("slug", "updated_at")) == stamps
    assert dict(Team.objects.for_org(org).values_list("slug", "updated_at")) == team_stamps
    assert list(ServiceDependency.objects.for_org(org).values_list("pk", flat=True)) == edge_ids


def test_reimporting_an_export_into_its_own_org_is_all_unchanged(org, actor):
    build_catalog(org)
    before = catalog(org)
    audit_count = AuditEvent.objects.for_org(org).count()

    result = backstage.catalog_import(
        organization=org, yaml_text=backstage.catalog_export(organization=org), actor=actor
    )

    assert (result.created, result.updated, result.unchanged) == (0, 0, 10)
    assert catalog(org) == before
    assert AuditEvent.objects.for_org(org).count() == audit_count


def test_dry_run_previews_exactly_the_real_import_and_writes_nothing(org, actor, enqueued):
    preview = backstage.catalog_import(organization=org, yaml_text=BASIC, actor=actor, dry_run=True)

    assert_nothing_imported(org, enqueued)

    real = backstage.catalog_import(organization=org, yaml_text=BASIC, actor=actor)

    assert preview == ImportResult(dry_run=True, changes=real.changes)
    assert real.dry_run is False
    assert [(change.kind, change.slug, change.action) for change in preview.changes] == [
        ("team", "payments", "create"),
        ("service", "checkout", "create"),
        ("service", "db", "create"),
    ]


def test_dry_run_of_an_update_leaves_the_catalog_as_it_was(org, actor):
    backstage.catalog_import(organization=org, yaml_text=BASIC, actor=actor)
    before = catalog(org)
    audit_count = AuditEvent.objects.for_org(org).count()
    changed = BASIC.replace('firebreak.io/tier: "2"', 'firebreak.io/tier: "1"')

    result = backstage.catalog_import(organization=org, yaml_text=changed, actor=actor, dry_run=True)

    assert result.changes[1] == ImportChange("service", "checkout", "update", {"tier": {"before": 2, "after": 1}})
    assert catalog(org) == before
    assert AuditEvent.objects.for_org(org).count() == audit_count


def test_changing_label_tier_and_owner_updates_exactly_those_fields(org, actor):
    backstage.catalog_import(organization=org, yaml_text=BASIC, actor=actor)
    org_actions.team_create(organization=org, actor=actor, name="Storefront", slug="storefront")
    last_audit_id = AuditEvent.objects.for_org(org).order_by("id").last().pk
    changed = (
        BASIC.replace("domain: shop", "domain: store")
        .replace('firebreak.io/tier: "2"', 'firebreak.io/tier: "1"')
        .replace("owner: group:default/payments", "owner: group:storefront")
    )

    result = backstage.catalog_import(organization=org, yaml_text=changed, actor=actor)

    expected = {
        "tier": {"before": 2, "after": 1},
        "owner_team": {"before": "payments", "after": "storefront"},
        "labels": {"before": {"domain": "shop"}, "after": {"domain": "store"}},
    }
    assert result.changes == [
        ImportChange("team", "payments", "unchanged", {}),
        ImportChange("service", "checkout", "update", expected),
        ImportChange("service", "db", "unchanged", {}),
    ]
    assert list(
        AuditEvent.objects.for_org(org).filter(pk__gt=last_audit_id).values_list("action", "target_id", "changes")
    ) == [("service.updated", "checkout", expected)]
    assert actions.service_snapshot(service(org, "checkout"))["owner_team"] == "storefront"


def test_changing_a_group_updates_the_team(org, actor):
    backstage.catalog_import(organization=org, yaml_text=BASIC, actor=actor)
    changed = BASIC.replace("title: Payments", "title: Payments Team").replace("#payments-oncall", "#pay")

    result = backstage.catalog_import(organization=org, yaml_text=changed, actor=actor)

    assert result.changes[0] == ImportChange(
        "team",
        "payments",
        "update",
        {
            "name": {"before": "Payments", "after": "Payments Team"},
            "chat_channel": {"before": "#payments-oncall", "after": "#pay"},
        },
    )
    assert teams(org) == [("payments", "Payments Team", "Money in, money out.", "payments@acme.test", "#pay")]
    assert AuditEvent.objects.for_org(org).filter(action="team.updated").count() == 1


def test_import_keeps_services_the_file_does_not_mention(org, actor):
    actions.service_create(organization=org, actor=actor, name="Mainframe", slug="mainframe", tier=1)

    backstage.catalog_import(organization=org, yaml_text=BASIC, actor=actor)

    assert sorted(Service.objects.for_org(org).values_list("slug", flat=True)) == ["checkout", "db", "mainframe"]
    assert service(org, "mainframe").tier == 1


def test_import_keeps_live_health_unless_the_file_sets_it(org, actor):
    backstage.catalog_import(organization=org, yaml_text=BASIC, actor=actor)
    actions.service_update(service=service(org, "db"), actor=actor, health="major_outage")

    unchanged = backstage.catalog_import(organization=org, yaml_text=BASIC, actor=actor)
    with_health = BASIC.replace("  name: db\n", "  name: db\n  annotations:\n    firebreak.io/health: operational\n")
    changed = backstage.catalog_import(organization=org, yaml_text=with_health, actor=actor)

    assert unchanged.changes[2] == ImportChange("service", "db", "unchanged", {})
    assert changed.changes[2] == ImportChange(
        "service", "db", "update", {"health": {"before": "major_outage", "after": "operational"}}
    )


@pytest.mark.parametrize(
    "reference", ["group:default/payments", "group:payments", "payments", "Group:Default/payments"]
)
def test_owner_accepts_every_group_reference_form(org, actor, reference):
    text = BASIC.replace("owner: group:default/payments", f"owner: {reference}")

    backstage.catalog_import(organization=org, yaml_text=text, actor=actor)

    assert service(org, "checkout").owner_team == Team.objects.for_org(org).get(slug="payments")


def test_an_owner_that_is_not_a_team_yet_is_created(org, actor):
    text = BASIC.replace("owner: payments", "owner: group:dba")

    result = backstage.catalog_import(organization=org, yaml_text=text, actor=actor)

    assert result.changes[1] == ImportChange(
        "team",
        "dba",
        "create",
        {
            "name": {"before": None, "after": "dba"},
            "slug": {"before": None, "after": "dba"},
            "description": {"before": None, "after": ""},
            "email": {"before": None, "after": ""},
            "chat_channel": {"before": None, "after": ""},
        },
    )
    assert teams(org) == [
        ("dba", "dba", "", "", ""),
        ("payments", "Payments", "Money in, money out.", "payments@acme.test", "#payments-oncall"),
    ]
    assert service(org, "db").owner_team.slug == "dba"


def test_depends_on_accepts_every_reference_form_and_forward_references(org, actor):
    text = BASIC.replace(
        "    - resource:default/db\n",
        "    - resource:default/db\n    - resource:queue\n    - component:default/search\n    - ledger\n",
    ) + dedent(
        """\
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Resource
        metadata:
          name: queue
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata:
          name: search
        """
    )
    actions.service_create(organization=org, actor=actor, name="Ledger", slug="ledger")

    backstage.catalog_import(organization=org, yaml_text=text, actor=actor)

    assert actions.service_snapshot(service(org, "checkout"))["dependencies"] == ["db", "ledger", "queue", "search"]


def test_link_types_map_to_link_kinds(org, actor):
    text = dedent(
        """\
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata:
          name: web
          links:
            - {url: "https://a.test/1", type: runbook}
            - {url: "https://a.test/2", type: repo}
            - {url: "https://a.test/3", type: Repository}
            - {url: "https://a.test/4", type: dashboard}
            - {url: "https://a.test/5", type: documentation}
            - {url: "https://a.test/6", type: docs}
            - {url: "https://a.test/7", type: slack}
            - {url: "https://a.test/8", type: chat}
            - {url: "https://a.test/9", type: website}
            - {url: "https://a.test/10"}
        """
    )

    backstage.catalog_import(organization=org, yaml_text=text, actor=actor)

    assert actions.service_snapshot(service(org, "web"))["links"] == [
        ["chat", "", "https://a.test/7"],
        ["chat", "", "https://a.test/8"],
        ["dashboard", "", "https://a.test/4"],
        ["docs", "", "https://a.test/5"],
        ["docs", "", "https://a.test/6"],
        ["other", "", "https://a.test/10"],
        ["other", "", "https://a.test/9"],
        ["repository", "", "https://a.test/2"],
        ["repository", "", "https://a.test/3"],
        ["runbook", "", "https://a.test/1"],
    ]


def test_unknown_kinds_and_empty_documents_are_skipped(org, actor):
    text = dedent(
        """\
        ---
        ---
        apiVersion: backstage.io/v1alpha1
        kind: API
        metadata:
          name: payments-api
        spec:
          type: openapi
        ---
        apiVersion: backstage.io/v1alpha1
        kind: User
        metadata:
          name: jdoe
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Location
        metadata:
          name: everything
        spec:
          targets: [./a.yaml]
        """
    )

    result = backstage.catalog_import(organization=org, yaml_text=text, actor=actor)

    assert result == ImportResult(dry_run=False, changes=[])
    assert Service.objects.for_org(org).exists() is False


def test_responding_teams_annotation_links_teams_of_the_file_and_the_org(org, actor):
    org_actions.team_create(organization=org, actor=actor, name="SRE", slug="sre")
    text = BASIC.replace(
        'firebreak.io/tier: "2"', 'firebreak.io/tier: "2"\n    firebreak.io/responding-teams: " sre, payments"'
    )

    backstage.catalog_import(organization=org, yaml_text=text, actor=actor)

    assert actions.service_snapshot(service(org, "checkout"))["responding_teams"] == ["payments", "sre"]


# --- errors ------------------------------------------------------------------------------------------


REFUSED = [
    pytest.param(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: web\n  title: a: b\n",
        ["Invalid YAML at line 5, column 11: mapping values are not allowed here."],
        id="malformed-yaml-names-the-line-and-column",
    ),
    pytest.param(
        BASIC.replace("owner: group:default/payments", "owner: user:jdoe"),
        [
            'Document 2 (Component "checkout"): spec.owner: "user:jdoe" is not a group reference; '
            "use group:<name> or <name>."
        ],
        id="an-owner-that-is-a-user",
    ),
    pytest.param(
        BASIC.replace("owner: group:default/payments", "owner: group:ops/payments"),
        [
            'Document 2 (Component "checkout"): spec.owner: "group:ops/payments" is in namespace "ops"; '
            "only the default namespace is supported."
        ],
        id="an-owner-in-another-namespace",
    ),
    pytest.param(
        BASIC.replace("    - resource:default/db\n", "    - resource:default/db\n    - component:ledger\n"),
        [
            'Document 2 (Component "checkout"): spec.dependsOn[1]: "component:ledger" is not a service in this file '
            "or this organization."
        ],
        id="depends-on-a-missing-service",
    ),
    pytest.param(
        BASIC.replace(
            "    - resource:default/db\n", "    - api:payments\n    - component:default/checkout\n    - resource:x/db\n"
        ),
        [
            'Document 2 (Component "checkout"): spec.dependsOn[0]: "api:payments" is not a component or resource '
            "reference.",
            'Document 2 (Component "checkout"): spec.dependsOn[1]: "component:default/checkout" is the service itself; '
            "a service cannot depend on itself.",
            'Document 2 (Component "checkout"): spec.dependsOn[2]: "resource:x/db" is in namespace "x"; '
            "only the default namespace is supported.",
        ],
        id="depends-on-an-api-or-itself",
    ),
    pytest.param(
        BASIC.replace("lifecycle: production", "lifecycle: beta"),
        [
            'Document 2 (Component "checkout"): spec.lifecycle: "beta" is not one of production, staging, '
            "experimental, deprecated."
        ],
        id="an-unknown-lifecycle",
    ),
    *(
        pytest.param(
            BASIC.replace('firebreak.io/tier: "2"', f"firebreak.io/tier: {tier}"),
            [
                f'Document 2 (Component "checkout"): metadata.annotations["firebreak.io/tier"]: '
                f'"{value}" is not one of 1, 2, 3, 4.'
            ],
            id=f"a-tier-annotation-outside-1-to-4-{value}",
        )
        for tier, value in [('"5"', "5"), ('"0"', "0"), ("high", "high"), ('"1.5"', "1.5")]
    ),
    pytest.param(
        BASIC
        + dedent(
            """\
            ---
            apiVersion: backstage.io/v1alpha1
            kind: Component
            metadata:
              title: Nameless
            ---
            apiVersion: backstage.io/v1alpha1
            metadata:
              name: kindless
            ---
            - just
            - a list
            """
        ),
        [
            "Document 4 (Component): metadata.name is required.",
            "Document 5: kind is required.",
            "Document 6: expected a mapping with apiVersion, kind, metadata and spec.",
        ],
        id="a-document-without-kind-or-name",
    ),
    pytest.param(
        BASIC
        + dedent(
            """\
            ---
            apiVersion: backstage.io/v1alpha1
            kind: Component
            metadata:
              name: search
              labels:
                "bad key!": x
              annotations:
                firebreak.io/responding-teams: ghosts
              links:
                - url: ftp://files.test
            spec:
              lifecycle: retired
              owner: user:jdoe
            ---
            apiVersion: backstage.io/v1alpha1
            kind: Resource
            metadata:
              name: db
            ---
            apiVersion: backstage.io/v1
            kind: Group
            metadata:
              name: Payments.Team
            spec:
              profile:
                email: not-an-email
            """
        ),
        [
            'Document 4 (Component "search"): spec.lifecycle: "retired" is not one of production, staging, '
            "experimental, deprecated.",
            'Document 4 (Component "search"): spec.owner: "user:jdoe" is not a group reference; use group:<name> or '
            "<name>.",
            'Document 4 (Component "search"): metadata.labels.bad key!: "bad key!" is not a valid label key.',
            'Document 4 (Component "search"): metadata.links[0].url: "ftp://files.test" is not an http(s) URL.',
            'Document 4 (Component "search"): metadata.annotations["firebreak.io/responding-teams"]: team "ghosts" is '
            "not a Group in this file or a team of this organization.",
            'Document 5 (Resource "db"): metadata.name: "db" is already defined by Document 3 (Resource "db").',
            'Document 6 (Group "Payments.Team"): apiVersion: "backstage.io/v1" is not a Backstage apiVersion; '
            "use backstage.io/v1alpha1.",
            'Document 6 (Group "Payments.Team"): metadata.name: "Payments.Team" is not a valid team slug; '
            "use lowercase letters, numbers, '-' or '_' (at most 50 characters).",
            'Document 6 (Group "Payments.Team"): spec.profile.email: "not-an-email" is not a valid email address.',
        ],
        id="one-bad-document-stops-the-good-ones-and-every-error-is-reported",
    ),
    pytest.param(
        BASIC.replace('firebreak.io/tier: "2"', 'firebreak.io/tier: "2"\n    firebreak.io/responding-teams: sre'),
        [
            'Document 2 (Component "checkout"): metadata.annotations["firebreak.io/responding-teams"]: team "sre" is '
            "not a Group in this file or a team of this organization."
        ],
        id="a-responding-team-that-exists-nowhere",
    ),
    pytest.param(
        BASIC.replace("  name: db\n", "  name: import\n").replace("resource:default/db", "resource:default/import"),
        ['Document 3 (Resource "import"): metadata.name: "import" is reserved for services; choose another name.'],
        id="a-reserved-service-name",
    ),
]


@pytest.mark.parametrize(("text", "errors"), REFUSED)
def test_a_refused_file_names_every_error_and_imports_nothing(org, actor, enqueued, text, errors):
    assert import_errors(org, actor, text) == errors
    assert_nothing_imported(org, enqueued)


def test_an_unquoted_tier_is_read_as_text(org, actor):
    text = BASIC.replace('firebreak.io/tier: "2"', "firebreak.io/tier: 4")

    backstage.catalog_import(organization=org, yaml_text=text, actor=actor)

    assert service(org, "checkout").tier == 4


def test_a_group_title_taken_by_another_team_is_refused(org, actor):
    org_actions.team_create(organization=org, actor=actor, name="payments", slug="money")
    audit_count = AuditEvent.objects.for_org(org).count()

    assert import_errors(org, actor, BASIC) == [
        'Document 1 (Group "payments"): metadata.title: a team named "Payments" already exists (slug "money").'
    ]
    assert Service.objects.for_org(org).exists() is False
    assert list(Team.objects.for_org(org).values_list("slug", flat=True)) == ["money"]
    assert AuditEvent.objects.for_org(org).count() == audit_count


def test_a_failing_import_leaves_an_existing_catalog_untouched(org, actor):
    backstage.catalog_import(organization=org, yaml_text=BASIC, actor=actor)
    before = catalog(org)
    audit_count = AuditEvent.objects.for_org(org).count()
    text = BASIC.replace('firebreak.io/tier: "2"', 'firebreak.io/tier: "1"').replace("owner: payments", "owner: user:x")

    assert import_errors(org, actor, text) == [
        'Document 3 (Resource "db"): spec.owner: "user:x" is not a group reference; use group:<name> or <name>.'
    ]
    assert catalog(org) == before
    assert AuditEvent.objects.for_org(org).count() == audit_count


# --- tenancy ---------------------------------------------------------------------------------------


def test_depends_on_a_service_of_another_org_is_missing(org, other_org, actor, enqueued):
    actions.service_create(organization=other_org, actor=Actor.system(), name="Ledger", slug="ledger")
    text = BASIC.replace("    - resource:default/db\n", "    - resource:default/db\n    - component:ledger\n")

    assert import_errors(org, actor, text) == [
        'Document 2 (Component "checkout"): spec.dependsOn[1]: "component:ledger" is not a service in this file '
        "or this organization."
    ]
    assert_nothing_imported(org, enqueued)


def test_an_owner_that_is_a_team_of_another_org_is_created_in_this_org(org, other_org, actor):
    theirs = org_actions.team_create(organization=other_org, actor=Actor.system(), name="DBA", slug="dba")
    text = BASIC.replace("owner: payments", "owner: dba")

    backstage.catalog_import(organization=org, yaml_text=text, actor=actor)

    ours = service(org, "db").owner_team
    assert (ours.organization, ours.slug, ours.name) == (org, "dba", "dba")
    assert ours.pk != theirs.pk
    assert Team.objects.for_org(other_org).get(slug="dba").owned_services.exists() is False


def test_a_service_matching_a_slug_of_another_org_is_created_here(org, other_org, actor):
    theirs = actions.service_create(organization=other_org, actor=Actor.system(), name="Their DB", slug="db", tier=1)
    before = actions.service_snapshot(theirs)

    result = backstage.catalog_import(organization=org, yaml_text=BASIC, actor=actor)

    assert result.changes[2].action == "create"
    assert actions.service_snapshot(service(other_org, "db")) == before
    edge = ServiceDependency.objects.get(service__slug="checkout")
    assert (edge.organization, edge.depends_on.organization) == (org, org)


def test_an_owner_team_to_create_whose_name_is_taken_is_refused(org, actor):
    org_actions.team_create(organization=org, actor=actor, name="DBA", slug="database-admins")
    text = BASIC.replace("owner: payments", "owner: dba")

    assert import_errors(org, actor, text) == [
        'Document 3 (Resource "db"): spec.owner: team "dba" would be created, but a team named "dba" already exists '
        '(slug "database-admins").'
    ]
    assert list(Team.objects.for_org(org).values_list("slug", flat=True)) == ["database-admins"]


def test_an_error_raised_while_writing_names_the_document_and_rolls_everything_back(org, actor):
    org_actions.team_create(organization=org, actor=actor, name="Alpha", slug="a")
    org_actions.team_create(organization=org, actor=actor, name="Beta", slug="b")
    before, audit_count = teams(org), AuditEvent.objects.for_org(org).count()
    # Swapping two names is valid in the end, but team_update checks each rename on its own.
    text = dedent(
        """\
        apiVersion: backstage.io/v1alpha1
        kind: Group
        metadata: {name: a, title: Beta}
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Group
        metadata: {name: b, title: Alpha}
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata: {name: web}
        """
    )

    assert import_errors(org, actor, text) == ['Document 1 (Group "a"): name: A team named “Beta” already exists.']
    assert teams(org) == before
    assert Service.objects.for_org(org).exists() is False
    assert AuditEvent.objects.for_org(org).count() == audit_count

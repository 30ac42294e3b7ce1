"""Tenancy: every model is org-owned or allowlisted, and a second org's credentials reach nothing of org A.

The walkers introspect the URLconf, so a route or page added later is walked automatically; one they
cannot fill with org A's identifiers fails the test until ROUTE_LOOKUPS / PAGE_LOOKUPS cover it.
"""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from alerting import actions as alerting_actions
from alerting.events import InboundEvent
from alerting.models import Alert, AlertGroup, Integration
from incidents import actions as incident_actions
from incidents.models import (
    Incident,
    IncidentRole,
    IncidentTask,
    IncidentType,
    Severity,
    StatusUpdate,
    TimelineEvent,
)
from orgs import urls as orgs_urls
from orgs.models import (
    ApiToken,
    AuditEvent,
    Invitation,
    Membership,
    MembershipRole,
    Organization,
    OrgOwnedModel,
    Team,
    TeamMembership,
    User,
)
from orgs.tenancy import FIREBREAK_APPS, GLOBAL_MODELS, Actor
from services import actions as service_actions
from services.models import Service
from tests.drills import tenancy_rows as drills_rows
from tests.factories import AuditEventFactory, InvitationFactory, MembershipFactory, TeamFactory, api_token_for
from tests.notifications import tenancy_rows as notifications_rows
from tests.oncall import tenancy_rows as oncall_rows
from tests.retros import analytics_tenancy_rows as analytics_rows
from tests.retros import tenancy_rows as retros_rows
from tests.statuspage import tenancy_rows as statuspage_rows
from tests.ticketing import tenancy_rows as ticketing_rows
from tests.workflows import tenancy_rows as workflows_rows
from tests.workflows import webhook_tenancy_rows as webhooks_rows

pytestmark = pytest.mark.django_db

API_PREFIX = "api/v1/"
IDENTIFYING_FIELDS = ("uuid", "slug", "prefix", "key_prefix", "token_hash", "email")
# Sent with every POST/PUT/PATCH: valid for each write the orgs API has, so that a scoping bug would
# show up as a change to org A rather than hide behind a 400. It names nothing of org A.
WRITE_PAYLOAD = {
    "name": "Walker",
    "slug": "walker",
    "description": "walked",
    "email": "walker@globex.test",
    "role": MembershipRole.VIEWER,
    "user": "owner@globex.test",
}
WALKED_METHODS = ("get", "post", "put", "patch", "delete")
# The acting token's own "last used" stamp is authentication bookkeeping, not a change to org data.
TOKEN_BOOKKEEPING = ("last_used_at",)
# Routes that carry an org slug but are public by design (the status pages, anonymous; private ones answer their
# viewers only): tests/statuspage/test_public_pages.py walks them instead.
PUBLIC_ORG_PREFIXES = ("status/",)
NOT_FOUND_BODY = {"error": {"status": 404, "code": "not_found", "message": "Not found.", "fields": {}}}


@dataclass(frozen=True)
class OrgA:
    """Org A with at least one row of every org-owned model the API and pages expose."""

    organization: Organization
    owner: Membership
    second_member: Membership
    team: Team
    invitation: Invitation
    token: ApiToken
    audit_event: AuditEvent
    service: Service  # owned by `team`, depends on `upstream_service`
    upstream_service: Service
    severity: Severity
    incident_role: IncidentRole  # the commander role, held by `owner` on `incident`
    incident: Incident  # affects `service`, declared by `owner`
    task: IncidentTask
    note: TimelineEvent
    status_update: StatusUpdate
    incident_type: IncidentType  # the type of `incident`, its default severity `severity`
    integration: Integration  # routes to `service`
    alert_group: AlertGroup  # of `integration`, holding `alert`, attached to `incident`
    alert: Alert
    # Rows of the newer apps, built by their tests/<app>/tenancy_rows.py (in EXTENSIONS order).
    extra: dict[str, Any] = field(default_factory=dict)


# Apps that keep their org A rows and lookups next to their own tests.
EXTENSIONS = (
    oncall_rows,
    notifications_rows,
    ticketing_rows,
    statuspage_rows,
    retros_rows,
    analytics_rows,
    drills_rows,
    workflows_rows,
    webhooks_rows,
)


# basename of a router registration -> URL kwargs naming one of org A's objects.
ROUTE_LOOKUPS: dict[str, Callable[[OrgA], dict[str, str]]] = {
    "team": lambda a: {"slug": a.team.slug, "user_id": str(a.second_member.user.uuid)},
    "member": lambda a: {"id": str(a.second_member.uuid)},
    "invitation": lambda a: {"id": str(a.invitation.uuid)},
    "api-token": lambda a: {"id": str(a.token.uuid)},
    "audit-event": lambda a: {"id": str(a.audit_event.uuid)},
    "service": lambda a: {"slug": a.service.slug, "depends_on": a.upstream_service.slug},
    "incident": lambda a: {
        "number": str(a.incident.number),
        "role_slug": a.incident_role.slug,
        "task_id": str(a.task.uuid),
        "event_id": str(a.note.pk),
    },
    "severity": lambda a: {"name": a.severity.name},
    "incident-role": lambda a: {"slug": a.incident_role.slug},
    "incident-type": lambda a: {"slug": a.incident_type.slug},
    "integration": lambda a: {"id": str(a.integration.uuid)},
    "alert-group": lambda a: {"id": str(a.alert_group.uuid)},
    "alert": lambda a: {"id": str(a.alert.uuid)},
}

# Namespaced URL name of a page under /o/<org_slug>/ -> its other kwargs, naming one of org A's objects.
PAGE_LOOKUPS: dict[str, Callable[[OrgA], dict[str, str]]] = {
    "orgs:member-role-change": lambda a: {"uuid": str(a.second_member.uuid)},
    "orgs:member-remove": lambda a: {"uuid": str(a.second_member.uuid)},
    "orgs:invitation-revoke": lambda a: {"uuid": str(a.invitation.uuid)},
    "orgs:team-detail": lambda a: {"slug": a.team.slug},
    "orgs:team-update": lambda a: {"slug": a.team.slug},
    "orgs:team-delete": lambda a: {"slug": a.team.slug},
    "orgs:team-member-add": lambda a: {"slug": a.team.slug},
    "orgs:team-member-remove": lambda a: {"slug": a.team.slug, "uuid": str(a.second_member.user.uuid)},
    "orgs:api-token-revoke": lambda a: {"uuid": str(a.token.uuid)},
    "orgs:api-token-created": lambda a: {"uuid": str(a.token.uuid)},
    "services:service-list": lambda a: {},
    "services:service-create": lambda a: {},
    "services:service-hygiene": lambda a: {},
    "services:service-import": lambda a: {},
    "services:service-export": lambda a: {},
    "services:service-detail": lambda a: {"slug": a.service.slug},
    "services:service-update": lambda a: {"slug": a.service.slug},
    "services:service-health": lambda a: {"slug": a.service.slug},
    "services:service-archive": lambda a: {"slug": a.service.slug},
    "services:service-unarchive": lambda a: {"slug": a.service.slug},
    **{
        f"incidents:incident-{name}": lambda a: {"number": str(a.incident.number)}
        for name in (
            "detail",
            "update",
            "transition",
            "merge",
            "severity",
            "milestones",
            "role-assign",
            "role-release",
            "task-add",
            "note-add",
            "status-update",
        )
    },
    "incidents:incident-list": lambda a: {},
    "incidents:incident-create": lambda a: {},
    "incidents:incident-task-toggle": lambda a: {"number": str(a.incident.number), "uuid": str(a.task.uuid)},
    "incidents:incident-event-pin": lambda a: {"number": str(a.incident.number), "event_id": str(a.note.pk)},
    "incidents:incident-page-dependent": lambda a: {"number": str(a.incident.number), "slug": a.service.slug},
    "incidents:severity-update": lambda a: {"name": a.severity.name},
    "incidents:severity-delete": lambda a: {"name": a.severity.name},
    "incidents:incident-role-update": lambda a: {"slug": a.incident_role.slug},
    "incidents:incident-role-delete": lambda a: {"slug": a.incident_role.slug},
    "incidents:incident-type-update": lambda a: {"slug": a.incident_type.slug},
    "incidents:incident-type-delete": lambda a: {"slug": a.incident_type.slug},
    **{
        f"alerting:alert-group-{name}": lambda a: {"uuid": str(a.alert_group.uuid)}
        for name in ("detail", "acknowledge", "resolve", "silence", "merge", "escalate", "attach")
    },
    **{
        f"alerting:integration-{name}": lambda a: {"uuid": str(a.integration.uuid)}
        for name in ("update", "regenerate", "delete", "key")
    },
}

for extension in EXTENSIONS:
    assert not set(extension.ROUTE_LOOKUPS) & set(ROUTE_LOOKUPS), extension.__name__
    assert not set(extension.PAGE_LOOKUPS) & set(PAGE_LOOKUPS), extension.__name__
    ROUTE_LOOKUPS.update(extension.ROUTE_LOOKUPS)
    PAGE_LOOKUPS.update(extension.PAGE_LOOKUPS)

# Identifiers that exist in no org: what a request for a missing object looks like.
MISSING_LOOKUPS = {
    "slug": "no-such-object",
    "uuid": str(uuid.UUID(int=1)),
    "number": "999999",
    "event_id": "999999",
    "name": "NO-SUCH-SEVERITY",
    "page_slug": "no-such-page",
}
for extension in EXTENSIONS:
    MISSING_LOOKUPS.update(getattr(extension, "MISSING_LOOKUPS", {}))


# --- helpers ----------------------------------------------------------------------------------------


def firebreak_models(*, include_auto_created: bool = False) -> Iterator[type]:
    for label in FIREBREAK_APPS:
        yield from apps.get_app_config(label).get_models(include_auto_created=include_auto_created)


def org_queryset(model: type, organization: Organization) -> QuerySet | None:
    """The rows of `model` that belong to `organization` (None for a model with no tie to one)."""
    if issubclass(model, OrgOwnedModel):
        return model.objects.for_org(organization)
    if model is Membership:
        return Membership.objects.filter(organization=organization)
    if model is Organization:
        return Organization.objects.filter(pk=organization.pk)
    if model is User:
        return User.objects.filter(memberships__organization=organization)
    return None


def org_rows(organization: Organization, *, ignoring: tuple[str, ...] = ()) -> dict[str, list[dict[str, Any]]]:
    """Every row of the org in every Firebreak model, all columns (so counts and updated_at) but `ignoring`."""
    snapshot = {}
    for model in firebreak_models():
        qs = org_queryset(model, organization)
        assert qs is not None, f"org_rows() does not know how {model._meta.label} relates to an organization"
        rows = qs.order_by("pk").values()
        snapshot[model._meta.label] = [{k: v for k, v in row.items() if k not in ignoring} for row in rows]
    return snapshot


def org_identifiers(organization: Organization) -> set[str]:
    """Every client-visible identifier of the org's rows: uuids, slugs, token prefixes and hashes, emails."""
    found = {organization.slug}
    for model in firebreak_models():
        fields = [f.name for f in model._meta.concrete_fields if f.name in IDENTIFYING_FIELDS]
        if model is Organization or not fields:
            continue
        for row in org_queryset(model, organization).values_list(*fields):
            found.update(str(value) for value in row if value)
    return found


def leaked(content: bytes, identifiers: set[str]) -> list[str]:
    text = content.decode()
    return sorted(i for i in identifiers if i in text)


def request(client: Client, method: str, url: str) -> HttpResponse:
    if method in ("get", "delete"):
        return getattr(client, method)(url)
    if isinstance(client, APIClient):
        return getattr(client, method)(url, WRITE_PAYLOAD, format="json")
    return getattr(client, method)(url, WRITE_PAYLOAD)


def no_lookups(org_a: "OrgA") -> dict[str, str]:
    return {}


@dataclass(frozen=True)
class Route:
    name: str  # with namespaces, for reverse()
    route: str  # the pattern text from the URLconf root
    kwargs: frozenset[str]  # named groups along the whole include chain
    pattern: URLPattern


def urlconf_routes() -> list[Route]:
    """Every URL pattern of the project, found by walking the resolver (so new routes are found too)."""

    def walk(patterns: list, prefix: str, namespaces: tuple[str, ...], kwargs: frozenset[str]) -> Iterator[Route]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern).lstrip("^")
            names = kwargs | set(pattern.pattern.regex.groupindex)
            if isinstance(pattern, URLResolver):
                inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
                yield from walk(pattern.url_patterns, route, inner, names)
            else:
                yield Route(":".join((*namespaces, pattern.name or "")), route, names, pattern)

    return list(walk(get_resolver().url_patterns, "", (), frozenset()))


def api_routes() -> list[Route]:
    """Every route under /api/v1/."""
    routes = [r for r in urlconf_routes() if r.route.startswith(API_PREFIX)]
    assert [r.route for r in routes if not r.pattern.name] == [], "the walker reverses API routes by name"
    return routes


def route_kwargs(route: Route) -> set[str]:
    return set(route.kwargs) - {"format"}


def route_methods(route: Route) -> list[str]:
    """The HTTP methods a route serves: the viewset's action map, minus what http_method_names refuses."""
    view_class = getattr(route.pattern.callback, "cls", None)
    assert view_class is not None, f"{route.name}: the walker only knows DRF views under /api/v1/"
    served = getattr(route.pattern.callback, "actions", None) or {
        m: m for m in WALKED_METHODS if hasattr(view_class, m)
    }
    return [m for m in WALKED_METHODS if m in served and m in view_class.http_method_names]


def api_route_lookups(route: Route, org_a: "OrgA") -> dict[str, str]:
    basename = getattr(route.pattern.callback, "initkwargs", {}).get("basename")
    return ROUTE_LOOKUPS.get(basename, no_lookups)(org_a)


@dataclass(frozen=True)
class ApiCall:
    method: str
    url: str
    object_route: bool


def api_calls(org_a: "OrgA") -> list[ApiCall]:
    """Every (method, URL) the API serves, object routes filled with org A's identifiers."""
    calls = []
    for route in api_routes():
        lookups = api_route_lookups(route, org_a)
        missing = route_kwargs(route) - set(lookups)
        assert missing == set(), f"{route.name}: no org A value for {sorted(missing)} in ROUTE_LOOKUPS"
        kwargs = {k: lookups[k] for k in route_kwargs(route)}
        if "format" in route.kwargs:
            kwargs["format"] = "json"
        url = reverse(route.name, kwargs=kwargs)
        calls += [ApiCall(method, url, bool(route_kwargs(route))) for method in route_methods(route)]
    return calls


def org_pages() -> list[Route]:
    """Every page under /o/<org_slug>/, of any app (the routes whose include chain takes `org_slug`)."""
    pages = [r for r in urlconf_routes() if "org_slug" in r.kwargs and not r.route.startswith(PUBLIC_ORG_PREFIXES)]
    assert [r.route for r in pages if not r.pattern.name] == [], "the walker reverses pages by name"
    return pages


def page_kwargs(page: Route) -> set[str]:
    return set(page.kwargs) - {"org_slug"}


def page_lookups(page: Route, org_a: "OrgA") -> dict[str, str]:
    lookups = PAGE_LOOKUPS.get(page.name, no_lookups)(org_a)
    missing = page_kwargs(page) - set(lookups)
    assert missing == set(), f"{page.name}: no org A value for {sorted(missing)} in PAGE_LOOKUPS"
    return {k: lookups[k] for k in page_kwargs(page)}


def page_url(page: Route, org_slug: str, lookups: dict[str, str]) -> str:
    return reverse(page.name, kwargs={"org_slug": org_slug, **lookups})


@pytest.fixture
def org_a(org: Organization, owner: Membership) -> OrgA:
    second = MembershipFactory(
        organization=org, role=MembershipRole.RESPONDER, user__email="responder@acme.test", user__full_name="Rhea Acme"
    )
    team = TeamFactory(organization=org, name="Acme Payments", slug="acme-payments")
    TeamMembership.objects.create(organization=org, team=team, user=owner.user)
    TeamMembership.objects.create(organization=org, team=team, user=second.user)
    invitation = InvitationFactory(organization=org, email="invitee@acme.test", invited_by=owner.user)
    token, _ = api_token_for(org, "admin", name="Acme deploy bot")
    event = AuditEventFactory(organization=org, target_id=team.slug, target_label=team.name)
    system = Actor.system()
    upstream = service_actions.service_create(organization=org, actor=system, name="Acme Ledger DB", tier=1)
    service = service_actions.service_create(
        organization=org,
        actor=system,
        name="Acme Ledger",
        owner_team=team,
        labels={"acme-label": "acme-value"},
        links=[{"kind": "runbook", "title": "Acme runbook", "url": "https://runbooks.acme.test/ledger"}],
        dependencies=[upstream],
    )
    # Not the default roles: a slug like "scribe" would be found inside any response's "description".
    severity = incident_actions.severity_create(
        organization=org, actor=system, name="SEV1", rank=1, description="Everything at acme.test is down."
    )
    role = incident_actions.incident_role_create(
        organization=org, actor=system, name="Acme Commander", checklist=["Call the acme bridge"], is_commander=True
    )
    incident_type = incident_actions.incident_type_create(
        organization=org,
        actor=system,
        name="Acme Ledger Breach",
        default_severity=severity,
        checklist=["Rotate acme keys"],
    )
    acting_owner = Actor(user=owner.user)
    incident = incident_actions.incident_declare(
        organization=org,
        actor=acting_owner,
        title="Acme ledger down",
        severity=severity,
        services=[service],
        incident_type=incident_type,
    )
    task = incident_actions.task_add(
        incident=incident, title="Check the acme ledger", actor=acting_owner, assignee=second.user
    )
    note = incident_actions.note_add(incident=incident, body="Ledger writes fail for acme.", actor=acting_owner)
    update = incident_actions.status_update_post(incident=incident, message="Acme is on it.", actor=acting_owner)
    integration, _ = alerting_actions.integration_create(
        organization=org, actor=system, service=service, name="Acme Ledger Prometheus", kind="alertmanager"
    )
    alert_group = alerting_actions.alert_ingest(
        integration=integration,
        event=InboundEvent(
            action="trigger",
            dedup_key="acme-ledger-disk-full",
            summary="Acme ledger disk full",
            labels={"acme-alert-label": "acme-ledger-db-1"},
            payload={"acme-raw": "ledger disk at 97%"},
        ),
    ).group
    alert_group = alerting_actions.alert_group_attach(group=alert_group, incident=incident, actor=acting_owner)
    org_a = OrgA(
        *(org, owner, second, team, invitation, token, event, service, upstream),
        *(severity, role, incident, task, note, update, incident_type),
        *(integration, alert_group, alert_group.alerts.get()),
    )
    for extension in EXTENSIONS:
        org_a.extra.update(extension.build(org_a))
    return org_a


@pytest.fixture
def globex(other_org: Organization, other_member: Membership) -> Organization:
    """The second org, with rows of its own so that its lists are not trivially empty."""
    team = TeamFactory(organization=other_org, name="Globex Ops", slug="globex-ops")
    TeamMembership.objects.create(organization=other_org, team=team, user=other_member.user)
    InvitationFactory(organization=other_org, email="invitee@globex.test")
    AuditEventFactory(organization=other_org, target_id=team.slug, target_label=team.name)
    return other_org


# --- models --------------------------------------------------------------------------------------


def test_every_model_is_org_owned_or_allowlisted_global():
    offenders = []
    for model in firebreak_models(include_auto_created=True):
        label = model._meta.label
        owner_of_auto_table = model._meta.auto_created
        if owner_of_auto_table:
            # A plain ManyToManyField's table: acceptable only on a global model (User.groups);
            # between org-owned models it must be an explicit OrgOwnedModel `through`.
            if owner_of_auto_table._meta.label not in GLOBAL_MODELS:
                offenders.append(label)
        elif not issubclass(model, OrgOwnedModel) and label not in GLOBAL_MODELS:
            offenders.append(label)

    assert offenders == []


def test_global_allowlist_names_only_existing_models_that_are_not_org_owned():
    labels = {m._meta.label: m for m in firebreak_models()}

    assert sorted(g for g in GLOBAL_MODELS if g not in labels) == []
    assert sorted(g for g in GLOBAL_MODELS if issubclass(labels[g], OrgOwnedModel)) == []


def test_org_owned_models_have_an_organization_foreign_key_and_for_org():
    org_owned = [m for m in firebreak_models() if issubclass(m, OrgOwnedModel)]

    wrong = [
        m._meta.label
        for m in org_owned
        if m._meta.get_field("organization").related_model is not Organization or not hasattr(m.objects, "for_org")
    ]

    assert wrong == []


# --- API walker -----------------------------------------------------------------------------------


def test_api_walker_covers_every_route_with_org_a_identifiers(org_a):
    uncovered = []
    for route in api_routes():
        missing = route_kwargs(route) - set(api_route_lookups(route, org_a))
        if missing:
            uncovered.append(f"{route.name} needs {sorted(missing)}")

    assert uncovered == [], "add the route's basename with an org A object to ROUTE_LOOKUPS"


def test_api_walker_has_org_a_rows_for_every_exposed_model(org_a):
    exposed = {route.pattern.callback.cls.queryset.model for route in api_routes()}

    missing = sorted(m._meta.label for m in exposed if org_queryset(m, org_a.organization).exists() is False)

    assert missing == [], "create an org A row of these models in the org_a fixture"


def test_api_walker_identifiers_resolve_for_org_a_itself(org_a, api_client_for):
    # Control for the walker below: org A's identifiers are live, so the 404s it sees mean "not yours".
    own = api_client_for(org_a.organization, "admin")
    own.raise_request_exception = False
    identifiers = org_identifiers(org_a.organization)

    answers = [(c.url, own.get(c.url)) for c in api_calls(org_a) if c.method == "get"]

    assert [(url, r.status_code) for url, r in answers if r.status_code != 200] == []
    assert [url for url, r in answers if not leaked(r.content, identifiers)] == []


def test_api_with_other_org_admin_token_reaches_nothing_of_org_a(org_a, globex, api_client_for, enqueued):
    # Given org A full of objects, and org B's admin token (the most a token can be)
    calls = api_calls(org_a)
    identifiers = org_identifiers(org_a.organization)
    before = org_rows(org_a.organization)
    attacker = api_client_for(globex, "admin")
    attacker.raise_request_exception = False

    # When that token calls every route under /api/v1/ with every method it serves
    outcomes = [(c, request(attacker, c.method, c.url)) for c in calls]

    # Then object routes are 404 with the standard body, collections show no trace of org A,
    # and nothing of org A changed
    assert [
        (c.method, c.url, r.status_code)
        for c, r in outcomes
        if c.object_route and (r.status_code != 404 or r.json() != NOT_FOUND_BODY)
    ] == []
    assert [
        (c.method, c.url, r.status_code)
        for c, r in outcomes
        if not c.object_route and c.method == "get" and r.status_code != 200
    ] == []
    assert [(c.method, c.url, r.status_code) for c, r in outcomes if r.status_code >= 500] == []
    assert [
        (c.method, c.url, leaked(r.content, identifiers)) for c, r in outcomes if leaked(r.content, identifiers)
    ] == []
    assert org_rows(org_a.organization) == before
    assert enqueued.calls == []


# --- page walker -----------------------------------------------------------------------------------


def test_page_walker_covers_every_org_page_with_org_a_identifiers(org_a):
    uncovered = []
    for page in org_pages():
        missing = page_kwargs(page) - set(PAGE_LOOKUPS.get(page.name, no_lookups)(org_a))
        if missing:
            uncovered.append(f"{page.name} needs {sorted(missing)}")

    assert uncovered == [], "add the page's URL name with an org A object to PAGE_LOOKUPS"


def test_page_walker_includes_every_page_of_the_orgs_app():
    walked = {page.name for page in org_pages()}

    assert (
        sorted(
            f"{orgs_urls.app_name}:{p.name}"
            for p in orgs_urls.urlpatterns
            if f"{orgs_urls.app_name}:{p.name}" not in walked
        )
        == []
    )


def test_pages_of_org_a_are_404_for_a_member_of_another_org(org_a, globex, other_member, client_for, enqueued):
    # Given an owner of org B, and org A's pages addressed by org A's slug
    before = org_rows(org_a.organization)
    outsider = client_for(other_member)
    outsider.raise_request_exception = False
    urls = [page_url(page, org_a.organization.slug, page_lookups(page, org_a)) for page in org_pages()]

    # When the outsider GETs and POSTs each of them
    answers = [(method, url, request(outsider, method, url).status_code) for url in urls for method in ("get", "post")]

    # Then every answer is 404, exactly as for an org that does not exist, and nothing changed
    assert [a for a in answers if a[2] != 404] == []
    assert org_rows(org_a.organization) == before
    assert enqueued.calls == []


def test_pages_of_own_org_with_org_a_identifiers_are_404(org_a, globex, other_member, client_for, enqueued):
    # Given an owner of org B addressing org B's pages with org A's object identifiers
    before = org_rows(org_a.organization)
    outsider = client_for(other_member)
    outsider.raise_request_exception = False
    object_pages = [page for page in org_pages() if page_kwargs(page)]

    # When they GET and POST each page, and the same page with identifiers that exist nowhere
    answers = []
    for page in object_pages:
        url = page_url(page, globex.slug, page_lookups(page, org_a))
        missing_url = page_url(page, globex.slug, {k: MISSING_LOOKUPS[k] for k in page_kwargs(page)})
        for method in ("get", "post"):
            status = request(outsider, method, url).status_code
            answers.append((method, url, status, request(outsider, method, missing_url).status_code))

    # Then org A's objects are 404; a page that does not serve the method says 405 whether or not
    # the object exists (that answer reveals nothing), and nothing of org A changed
    assert [a for a in answers if not (a[2] == 404 or a[2] == a[3] == 405)] == []
    assert org_rows(org_a.organization) == before
    assert enqueued.calls == []


def test_pages_redirect_anonymous_visitors_to_login(org_a, enqueued):
    before = org_rows(org_a.organization)
    anonymous = Client()
    urls = [page_url(page, org_a.organization.slug, page_lookups(page, org_a)) for page in org_pages()]

    answers = [(m, url, request(anonymous, m, url)) for url in urls for m in ("get", "post")]

    assert [
        (m, url, r.status_code, r.get("Location"))
        for m, url, r in answers
        if r.status_code != 302 or r["Location"] != f"/accounts/login/?next={url}"
    ] == []
    assert org_rows(org_a.organization) == before
    assert enqueued.calls == []


# --- related fields across orgs ----------------------------------------------------------------------


@pytest.mark.parametrize("reference", ["uuid", "email"])
def test_api_team_member_add_refuses_a_user_of_another_org(org_a, other_member, api_client_for, enqueued, reference):
    # Given org A's admin token and a person who belongs to org B only
    client = api_client_for(org_a.organization, "admin")
    outsider = other_member.user
    before = org_rows(org_a.organization, ignoring=TOKEN_BOOKKEEPING)

    # When the token adds that person to an org A team
    response = client.post(
        f"/api/v1/teams/{org_a.team.slug}/members/", {"user": str(getattr(outsider, reference))}, format="json"
    )

    # Then it is a 400 on the user field and nothing changed
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "status": 400,
            "code": "invalid",
            "message": "The request is invalid.",
            "fields": {"user": ["No member of this organization matches."]},
        }
    }
    assert TeamMembership.objects.filter(team=org_a.team, user=outsider).exists() is False
    assert org_rows(org_a.organization, ignoring=TOKEN_BOOKKEEPING) == before
    assert enqueued.calls == []


def test_api_team_member_remove_refuses_a_user_of_another_org(org_a, other_member, api_client_for, enqueued):
    client = api_client_for(org_a.organization, "admin")
    before = org_rows(org_a.organization, ignoring=TOKEN_BOOKKEEPING)

    response = client.delete(f"/api/v1/teams/{org_a.team.slug}/members/{other_member.user.uuid}/")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"user": ["No member of this organization matches."]}
    assert org_rows(org_a.organization, ignoring=TOKEN_BOOKKEEPING) == before
    assert enqueued.calls == []


def test_page_team_member_add_refuses_a_user_of_another_org(org_a, other_member, client_for, enqueued):
    # Given org A's owner signed in, and a person who belongs to org B only
    client = client_for(org_a.owner)
    before = org_rows(org_a.organization)

    # When the owner posts that person's id to the team's add-member form
    response = client.post(
        f"/o/{org_a.organization.slug}/teams/{org_a.team.slug}/members/add/", {"user": str(other_member.user.uuid)}
    )

    # Then the team page comes back with an error and nothing changed
    assert response.status_code == 302
    assert response["Location"] == f"/o/{org_a.organization.slug}/teams/{org_a.team.slug}/"
    assert [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)] == [
        ("error", "Choose a member of this organization.")
    ]
    assert org_rows(org_a.organization) == before
    assert enqueued.calls == []

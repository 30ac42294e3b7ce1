"""The demo catalog loaded by `seed_demo`: ~14 services across the demo teams. Idempotent."""

from django.db import transaction

from orgs.models import Organization, Team
from orgs.tenancy import Actor
from services import actions
from services.models import Service

DEMO_ORDER = 20  # the catalog first: every other app's demo rows hang off its services (core.demo)

RUNBOOKS = "https://runbooks.example.com"
REPOS = "https://git.example.com/demo"

# slug, name, kind, tier, lifecycle, owner team, responding teams, labels, description
SERVICES = [
    ("web", "Web app", "component", 1, "production", "Web", ["Platform"],
     {"language": "typescript", "customer-facing": "true"}, "The customer-facing web application."),
    ("api-gateway", "API gateway", "component", 1, "production", "Web", ["Platform"],
     {"language": "go", "customer-facing": "true"}, "Routes public API traffic to the backend services."),
    ("checkout", "Checkout", "component", 1, "production", "Payments", ["Web"],
     {"language": "python", "pci": "true"}, "Cart and checkout flow."),
    ("payments", "Payments", "component", 1, "production", "Payments", ["Platform"],
     {"language": "python", "pci": "true"}, "Talks to the card processors; idempotent charge API."),
    ("billing", "Billing", "component", 2, "production", "Payments", ["Data"],
     {"language": "python"}, "Invoices, subscriptions and dunning."),
    ("notifications", "Notifications", "component", 3, "production", "Platform", [],
     {"language": "go"}, "Email and SMS to customers."),
    ("search", "Search", "component", 2, "production", "Web", [],
     {"language": "java"}, "Product search and autocomplete."),
    ("postgres", "PostgreSQL cluster", "resource", 1, "production", "Platform", ["Data"],
     {"region": "eu-west-1"}, "Primary OLTP database."),
    ("redis", "Redis", "resource", 2, "production", "Platform", [],
     {"region": "eu-west-1"}, "Cache and queues."),
    ("kubernetes", "Kubernetes", "resource", 1, "production", "Platform", ["Web"],
     {"region": "eu-west-1"}, "The production cluster."),
    ("analytics-pipeline", "Analytics pipeline", "component", 3, "production", "Data", [],
     {"language": "python"}, "Nightly ETL into the warehouse."),
    ("warehouse", "Data warehouse", "resource", 3, "production", "Data", [],
     {"region": "eu-west-1"}, "Reporting warehouse."),
    ("feature-flags", "Feature flags", "component", 2, "experimental", None, [],
     {"language": "go"}, "In-house feature flag service (trial)."),
    ("legacy-reports", "Legacy reports", "component", 4, "deprecated", "Data", [],
     {}, "Old reporting UI; being replaced by the warehouse."),
]  # fmt: skip

EDGES = {
    "web": ["api-gateway", "kubernetes"],
    "api-gateway": ["checkout", "search", "kubernetes"],
    "checkout": ["payments", "billing", "redis"],
    "payments": ["postgres", "redis"],
    "billing": ["postgres", "notifications"],
    "notifications": ["billing", "redis"],
    "search": ["postgres"],
    "analytics-pipeline": ["postgres", "warehouse"],
    "legacy-reports": ["warehouse"],
}

NO_RUNBOOK = {"search", "feature-flags"}


@transaction.atomic
def seed_demo(*, organization: Organization) -> list[Service]:
    """Create the demo services that are missing (existing ones are left as the user edited them)."""
    teams = {team.name: team for team in Team.objects.for_org(organization)}
    system = Actor.system()
    existing = {s.slug: s for s in Service.objects.for_org(organization)}
    created = []
    for slug, name, kind, tier, lifecycle, owner, responders, labels, description in SERVICES:
        if slug in existing:
            continue
        links = [{"kind": "repository", "title": "Source", "url": f"{REPOS}/{slug}"}]
        if slug not in NO_RUNBOOK:
            links.append({"kind": "runbook", "title": f"{name} runbook", "url": f"{RUNBOOKS}/{slug}"})
        if tier <= 2:
            links.append({"kind": "dashboard", "title": "Grafana", "url": f"https://grafana.example.com/d/{slug}"})
        service = actions.service_create(
            organization=organization,
            actor=system,
            name=name,
            slug=slug,
            kind=kind,
            service_type="service" if kind == "component" else "database",
            tier=tier,
            lifecycle=lifecycle,
            description=description,
            owner_team=teams.get(owner) if owner else None,
            responding_teams=[teams[t] for t in responders if t in teams],
            labels=labels,
            links=links,
        )
        existing[slug] = service
        created.append(service)
    for service in created:
        targets = [existing[target] for target in EDGES.get(service.slug, []) if target in existing]
        if targets:
            actions.service_update(service=service, actor=system, dependencies=targets)
    return created

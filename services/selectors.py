"""Reads of the service catalog shared by pages and the API: lists, the graph, blast radius, hygiene."""

from collections import deque
from dataclasses import dataclass, field

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from orgs.models import Organization, Team
from services.models import (
    Service,
    ServiceDependency,
    ServiceLabel,
    ServiceLifecycle,
    ServiceLink,
    ServiceLinkKind,
    ServiceRespondingTeam,
)

SORTS = {
    "name": ["name"],
    "-name": ["-name"],
    "tier": ["tier", "name"],
    "-tier": ["-tier", "name"],
    "lifecycle": ["lifecycle", "name"],
    "owner": [F("owner_team__name").asc(nulls_last=True), "name"],
    "-updated": ["-updated_at", "name"],
}


def _with_relations(qs: QuerySet[Service]) -> QuerySet[Service]:
    return qs.select_related("owner_team", "escalation_policy").prefetch_related(
        Prefetch("labels", queryset=ServiceLabel.objects.order_by("key")),
        Prefetch("responding_team_links", queryset=ServiceRespondingTeam.objects.select_related("team")),
    )


def service_list(
    *,
    organization: Organization,
    search: str = "",
    team: str = "",
    tier: int | None = None,
    lifecycle: str = "",
    label: str = "",
    include_archived: bool = False,
    sort: str = "name",
) -> QuerySet[Service]:
    """Catalog services of the org, filtered; `team` matches owner or responding team slug,
    `label` is `key` or `key=value`."""
    qs = Service.objects.for_org(organization)
    if not include_archived:
        qs = qs.filter(archived_at=None)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(slug__icontains=search) | Q(description__icontains=search))
    if team:
        responding = ServiceRespondingTeam.objects.filter(service=OuterRef("pk"), team__slug=team)
        qs = qs.filter(Q(owner_team__slug=team) | Exists(responding))
    if tier:
        qs = qs.filter(tier=tier)
    if lifecycle:
        qs = qs.filter(lifecycle=lifecycle)
    if label:
        key, has_value, value = label.partition("=")
        labels = ServiceLabel.objects.filter(service=OuterRef("pk"), key=key.strip())
        if has_value:
            labels = labels.filter(value=value.strip())
        qs = qs.filter(Exists(labels))
    return _with_relations(qs).order_by(*SORTS.get(sort, SORTS["name"]))


def service_get(*, organization: Organization, slug: str, include_archived: bool = True) -> Service:
    """One service with everything its page shows; 404 outside the org."""
    qs = Service.objects.for_org(organization)
    if not include_archived:
        qs = qs.filter(archived_at=None)
    qs = _with_relations(qs).prefetch_related(
        Prefetch("links", queryset=ServiceLink.objects.order_by("kind", "title")),
        Prefetch("dependency_edges", queryset=ServiceDependency.objects.select_related("depends_on__owner_team")),
        Prefetch("dependent_edges", queryset=ServiceDependency.objects.select_related("service__owner_team")),
        "owner_team__team_memberships__user",
    )
    return get_object_or_404(qs, slug=slug)


def label_choices(*, organization: Organization) -> list[str]:
    """Every `key=value` in use, for the catalog's label filter."""
    pairs = ServiceLabel.objects.for_org(organization).values_list("key", "value").distinct().order_by("key", "value")
    return [f"{key}={value}" for key, value in pairs[:500]]


def team_services(*, team: Team) -> QuerySet[Service]:
    """Services a team owns (for the team page)."""
    return Service.objects.for_org(team.organization).filter(owner_team=team, archived_at=None).order_by("tier", "name")


# --- the dependency graph ------------------------------------------------------------------------


@dataclass
class Graph:
    """The org's dependency edges, loaded once: `depends_on[a]` = services a depends on."""

    services: dict[int, Service]
    depends_on: dict[int, set[int]] = field(default_factory=dict)
    dependents: dict[int, set[int]] = field(default_factory=dict)


def dependency_graph(*, organization: Organization) -> Graph:
    """All services of the org (archived ones too, so old edges still resolve) and its edges, in two queries."""
    services = {s.pk: s for s in Service.objects.for_org(organization).select_related("owner_team")}
    graph = Graph(services=services)
    for source, target in ServiceDependency.objects.for_org(organization).values_list("service_id", "depends_on_id"):
        graph.depends_on.setdefault(source, set()).add(target)
        graph.dependents.setdefault(target, set()).add(source)
    return graph


@dataclass(frozen=True)
class Reached:
    service: Service
    distance: int


def _walk(start: int, edges: dict[int, set[int]], services: dict[int, Service]) -> list[Reached]:
    """Breadth-first walk; each service once at its shortest distance (cycles and diamonds safe)."""
    seen = {start: 0}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        for nxt in edges.get(current, ()):
            if nxt not in seen:
                seen[nxt] = seen[current] + 1
                queue.append(nxt)
    seen.pop(start)
    reached = [Reached(services[pk], distance) for pk, distance in seen.items() if pk in services]
    return sorted(reached, key=lambda r: (r.distance, r.service.name))


def blast_radius(*, service: Service, graph: Graph | None = None) -> list[Reached]:
    """Every service that depends on `service`, directly or transitively, nearest first."""
    graph = graph or dependency_graph(organization=service.organization)
    return _walk(service.pk, graph.dependents, graph.services)


def upstream(*, service: Service, graph: Graph | None = None) -> list[Reached]:
    """Everything `service` depends on, directly or transitively, nearest first."""
    graph = graph or dependency_graph(organization=service.organization)
    return _walk(service.pk, graph.depends_on, graph.services)


def dependency_cycle(*, service: Service, graph: Graph | None = None) -> list[Service]:
    """A shortest dependency cycle through `service` (service … service), or [] if none."""
    graph = graph or dependency_graph(organization=service.organization)
    parents: dict[int, int] = {}
    queue = deque([service.pk])
    seen = {service.pk}
    while queue:
        current = queue.popleft()
        for nxt in sorted(graph.depends_on.get(current, ())):
            if nxt == service.pk:
                path = [current]
                while path[-1] != service.pk:
                    path.append(parents[path[-1]])
                return [graph.services[pk] for pk in [service.pk, *reversed(path[:-1]), service.pk]]
            if nxt not in seen:
                seen.add(nxt)
                parents[nxt] = current
                queue.append(nxt)
    return []


# --- ownership hygiene ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Hygiene:
    no_owner: list[Service]
    no_runbook: list[Service]
    no_responders: list[Service]

    @property
    def total(self) -> int:
        return len(self.no_owner) + len(self.no_runbook) + len(self.no_responders)


def hygiene(*, organization: Organization) -> Hygiene:
    """Gaps in ownership: production without owner, production without runbook, tier 1-2 without responders."""
    live = Service.objects.for_org(organization).filter(archived_at=None).select_related("owner_team")
    production = live.filter(lifecycle=ServiceLifecycle.PRODUCTION)
    runbooks = ServiceLink.objects.filter(service=OuterRef("pk"), kind=ServiceLinkKind.RUNBOOK)
    responders = ServiceRespondingTeam.objects.filter(service=OuterRef("pk"))
    return Hygiene(
        no_owner=list(production.filter(owner_team=None).order_by("tier", "name")),
        no_runbook=list(production.filter(~Exists(runbooks)).order_by("tier", "name")),
        no_responders=list(live.filter(tier__lte=2).filter(~Exists(responders)).order_by("tier", "name")),
    )

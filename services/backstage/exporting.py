"""Exporting teams and services as catalog-info.yaml documents that Backstage accepts and that re-import to the
same catalog."""

from collections.abc import Iterable
from typing import Any

import yaml

from orgs.models import Organization, Team
from services.backstage.format import (
    ANNOTATION_CHAT_CHANNEL,
    ANNOTATION_HEALTH,
    ANNOTATION_RESPONDING_TEAMS,
    ANNOTATION_TIER,
    API_VERSION,
)
from services.models import (
    Service,
    ServiceHealth,
    ServiceKind,
)

# --- export --------------------------------------------------------------------------------------


def _group_document(team: Team) -> dict[str, Any]:
    """A team as a Backstage Group."""
    metadata: dict[str, Any] = {"name": team.slug, "title": team.name}
    if team.description:
        metadata["description"] = team.description
    if team.chat_channel:
        metadata["annotations"] = {ANNOTATION_CHAT_CHANNEL: team.chat_channel}
    profile = {"displayName": team.name}
    if team.email:
        profile["email"] = team.email
    return {
        "apiVersion": API_VERSION,
        "kind": "Group",
        "metadata": metadata,
        "spec": {"type": "team", "profile": profile, "children": []},
    }


def _service_document(service: Service) -> dict[str, Any]:
    """A service as a Backstage Component, Resource or System."""
    metadata: dict[str, Any] = {"name": service.slug, "title": service.name}
    if service.description:
        metadata["description"] = service.description
    labels = {label.key: label.value for label in sorted(service.labels.all(), key=lambda label: label.key)}
    if labels:
        metadata["labels"] = labels
    annotations = {ANNOTATION_TIER: str(service.tier)}
    responding = sorted(link.team.slug for link in service.responding_team_links.all())
    if responding:
        annotations[ANNOTATION_RESPONDING_TEAMS] = ",".join(responding)
    if service.health != ServiceHealth.OPERATIONAL:
        annotations[ANNOTATION_HEALTH] = service.health
    metadata["annotations"] = annotations
    links = []
    for link in sorted(service.links.all(), key=lambda link: (link.kind, link.title, link.url)):
        item = {"url": link.url}
        if link.title:
            item["title"] = link.title
        item["type"] = link.kind
        links.append(item)
    if links:
        metadata["links"] = links
    spec: dict[str, Any] = {}
    if service.kind != ServiceKind.SYSTEM or service.service_type != "service":
        spec["type"] = service.service_type
    spec["lifecycle"] = service.lifecycle
    if service.owner_team_id:
        spec["owner"] = f"group:default/{service.owner_team.slug}"
    edges = sorted(service.dependency_edges.all(), key=lambda edge: edge.depends_on.slug)
    if edges:
        spec["dependsOn"] = [f"{edge.depends_on.kind}:default/{edge.depends_on.slug}" for edge in edges]
    return {"apiVersion": API_VERSION, "kind": ServiceKind(service.kind).label, "metadata": metadata, "spec": spec}


def catalog_export(*, organization: Organization, services: Iterable[Service] | None = None) -> str:
    """The org's non-archived services (or just `services`) and their teams as multi-document Backstage YAML."""
    queryset = Service.objects.for_org(organization).filter(archived_at=None)
    if services is not None:
        queryset = queryset.filter(pk__in=[service.pk for service in services])
    exported = sorted(
        queryset.select_related("owner_team").prefetch_related(
            "labels", "links", "responding_team_links__team", "dependency_edges__depends_on"
        ),
        key=lambda service: service.slug,
    )
    teams: dict[str, Team] = {}
    for service in exported:
        if service.owner_team_id:
            teams[service.owner_team.slug] = service.owner_team
        for link in service.responding_team_links.all():
            teams[link.team.slug] = link.team
    documents = [_group_document(teams[slug]) for slug in sorted(teams)]
    documents += [_service_document(service) for service in exported]
    return yaml.safe_dump_all(documents, explicit_start=True, sort_keys=False, allow_unicode=True)

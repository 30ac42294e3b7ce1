"""Writes of the service catalog. Every change is audited; every related object must be in the org."""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from orgs import actions as org_actions
from orgs.models import Organization
from orgs.tenancy import Actor
from services.models import (
    IMPACT_ORDER,
    LABEL_KEY_RE,
    LABEL_VALUE_RE,
    NAME_RE,
    Service,
    ServiceDependency,
    ServiceHealth,
    ServiceImpact,
    ServiceKind,
    ServiceLabel,
    ServiceLifecycle,
    ServiceLink,
    ServiceLinkKind,
    ServiceRespondingTeam,
    ServiceTier,
)

SCALAR_FIELDS = (
    "name",
    "slug",
    "description",
    "kind",
    "service_type",
    "tier",
    "lifecycle",
    "health",
    "owner_team",
    "escalation_policy",
)
SET_FIELDS = ("labels", "links", "responding_teams", "dependencies")
ALL_FIELDS = SCALAR_FIELDS + SET_FIELDS
# Page and API paths under services/ that a service slug must not shadow.
RESERVED_SLUGS = frozenset({"new", "import", "export", "hygiene"})
CHOICES = {
    "kind": ServiceKind.values,
    "tier": ServiceTier.values,
    "lifecycle": ServiceLifecycle.values,
    "health": ServiceHealth.values,
}


def service_snapshot(service: Service) -> dict[str, Any]:
    """A comparable picture of a service: scalars plus its labels, links, teams and edges by name."""
    return {
        "name": service.name,
        "slug": service.slug,
        "description": service.description,
        "kind": service.kind,
        "service_type": service.service_type,
        "tier": service.tier,
        "lifecycle": service.lifecycle,
        "health": service.health,
        "owner_team": service.owner_team.slug if service.owner_team_id else None,
        "labels": {label.key: label.value for label in service.labels.all()},
        "links": sorted([link.kind, link.title, link.url] for link in service.links.all()),
        "responding_teams": sorted(link.team.slug for link in service.responding_team_links.all()),
        "dependencies": sorted(edge.depends_on.slug for edge in service.dependency_edges.all()),
    }


def _validate(organization: Organization, fields: dict[str, Any], service: Service | None) -> dict[str, Any]:
    """Normalise and check fields; raises one ValidationError naming every bad field."""
    errors: dict[str, list[str]] = {}
    clean = dict(fields)
    if "name" in clean:
        clean["name"] = (clean["name"] or "").strip()
        if not clean["name"]:
            errors.setdefault("name", []).append("A service needs a name.")
    if "slug" in clean or service is None:
        given = (clean.get("slug") or "").strip()
        # Made from the name: cut to the 63 characters a slug holds, never ending on a separator
        slug = given or slugify(clean.get("name") or "")[:63].rstrip("-_.")
        clean["slug"] = slug
        if not given and not slug and clean.get("name"):
            errors.setdefault("slug", []).append(
                "The name has no letters or numbers to make a slug from: give the service a slug."
            )
        elif not re.match(NAME_RE, slug or ""):
            errors.setdefault("slug", []).append(
                "Use 1 to 63 letters, numbers, '-', '_' or '.', starting and ending with a letter or number."
            )
        elif slug in RESERVED_SLUGS:
            errors.setdefault("slug", []).append(f"“{slug}” is reserved; choose another slug.")
        elif Service.objects.for_org(organization).filter(slug=slug).exclude(pk=getattr(service, "pk", None)).exists():
            errors.setdefault("slug", []).append(f"A service with the slug “{slug}” already exists.")
    for field, allowed in CHOICES.items():
        if field in clean and clean[field] not in allowed:
            errors.setdefault(field, []).append(f"“{clean[field]}” is not one of {', '.join(map(str, allowed))}.")
    teams = [clean["owner_team"]] if clean.get("owner_team") is not None else []
    teams += list(clean.get("responding_teams") or [])
    if any(team.organization_id != organization.pk for team in teams):
        errors.setdefault("owner_team" if "owner_team" in clean else "responding_teams", []).append(
            "Teams must belong to this organization."
        )
    policy = clean.get("escalation_policy")
    if policy is not None and policy.organization_id != organization.pk:
        errors.setdefault("escalation_policy", []).append("Choose an escalation policy of this organization.")
    if "labels" in clean:
        for key, value in (clean["labels"] or {}).items():
            if not re.match(LABEL_KEY_RE, str(key)) or not re.match(LABEL_VALUE_RE, str(value)):
                errors.setdefault("labels", []).append(
                    f"Label “{key}={value}”: keys and values are up to 63 letters, numbers, '-', '_' or '.'."
                )
    if "links" in clean:
        url_validator = URLValidator(schemes=["http", "https"])
        for link in clean["links"] or []:
            if link.get("kind", ServiceLinkKind.OTHER) not in ServiceLinkKind.values:
                errors.setdefault("links", []).append(f"Unknown link type “{link.get('kind')}”.")
            try:
                url_validator(link.get("url", ""))
            except ValidationError:
                errors.setdefault("links", []).append(f"“{link.get('url', '')}” is not an http(s) URL.")
    if "dependencies" in clean:
        for other in clean["dependencies"] or []:
            if other.organization_id != organization.pk:
                errors.setdefault("dependencies", []).append("Dependencies must be services of this organization.")
            elif service is not None and other.pk == service.pk:
                errors.setdefault("dependencies", []).append("A service cannot depend on itself.")
    if errors:
        raise ValidationError(errors)
    return clean


def _apply_sets(service: Service, clean: dict[str, Any]) -> None:
    org = service.organization
    if "labels" in clean:
        ServiceLabel.objects.filter(service=service).delete()
        ServiceLabel.objects.bulk_create(
            ServiceLabel(organization=org, service=service, key=k, value=v) for k, v in (clean["labels"] or {}).items()
        )
    if "links" in clean:
        ServiceLink.objects.filter(service=service).delete()
        unique = {(link.get("kind") or "other", link["url"]): link for link in clean["links"] or []}
        ServiceLink.objects.bulk_create(
            ServiceLink(organization=org, service=service, kind=kind, url=url, title=link.get("title") or "")
            for (kind, url), link in unique.items()
        )
    if "responding_teams" in clean:
        ServiceRespondingTeam.objects.filter(service=service).delete()
        ServiceRespondingTeam.objects.bulk_create(
            ServiceRespondingTeam(organization=org, service=service, team=team)
            for team in {t.pk: t for t in clean["responding_teams"] or []}.values()
        )
    if "dependencies" in clean:
        ServiceDependency.objects.filter(service=service).delete()
        ServiceDependency.objects.bulk_create(
            ServiceDependency(organization=org, service=service, depends_on=other)
            for other in {s.pk: s for s in clean["dependencies"] or []}.values()
        )


def _fresh(service: Service) -> Service:
    return (
        Service.objects.select_related("owner_team", "organization", "escalation_policy")
        .prefetch_related("labels", "links", "responding_team_links__team", "dependency_edges__depends_on")
        .get(pk=service.pk)
    )


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {k: {"before": before.get(k), "after": after[k]} for k in after if before.get(k) != after[k]}


def _policy_slug(service: Service) -> str | None:
    """The service's escalation policy for the audit log (kept out of service_snapshot, which Backstage mirrors)."""
    return service.escalation_policy.slug if service.escalation_policy_id else None


@transaction.atomic
def service_create(*, organization: Organization, actor: Actor, name: str, **fields: Any) -> Service:
    """Add a service to the catalog with its teams, links, labels and dependencies."""
    unknown = set(fields) - set(ALL_FIELDS)
    if unknown:
        raise ValueError(f"Unknown service fields: {sorted(unknown)}")
    clean = _validate(organization, {"name": name, **fields}, None)
    scalars = {k: v for k, v in clean.items() if k in SCALAR_FIELDS}
    service = Service.objects.create(organization=organization, **scalars)
    _apply_sets(service, clean)
    service = _fresh(service)
    org_actions.audit_record(
        organization=organization,
        actor=actor,
        action="service.created",
        target=service,
        target_id=service.slug,
        changes=_changes({}, {**service_snapshot(service), "escalation_policy": _policy_slug(service)}),
    )
    return service


@transaction.atomic
def service_update(*, service: Service, actor: Actor, **fields: Any) -> Service:
    """Change any of a service's fields; a no-op (and no audit event) when nothing differs."""
    unknown = set(fields) - set(ALL_FIELDS)
    if unknown:
        raise ValueError(f"Unknown service fields: {sorted(unknown)}")
    service = _fresh(Service.objects.select_for_update().get(pk=service.pk))
    before = {**service_snapshot(service), "escalation_policy": _policy_slug(service)}
    clean = _validate(service.organization, fields, service)
    scalars = {k: v for k, v in clean.items() if k in SCALAR_FIELDS}
    for field, value in scalars.items():
        setattr(service, field, value)
    if scalars:
        service.save(update_fields=[*scalars.keys(), "updated_at"])
    _apply_sets(service, clean)
    service = _fresh(service)
    changes = _changes(before, {**service_snapshot(service), "escalation_policy": _policy_slug(service)})
    if changes:
        org_actions.audit_record(
            organization=service.organization,
            actor=actor,
            action="service.updated",
            target=service,
            target_id=service.slug,
            changes=changes,
        )
    return service


@transaction.atomic
def service_archive(*, service: Service, actor: Actor) -> Service:
    """Archive a service: hidden from the catalog by default, kept for history."""
    service = Service.objects.select_for_update().get(pk=service.pk)
    if service.archived_at is None:
        service.archived_at = timezone.now()
        service.save(update_fields=["archived_at", "updated_at"])
        org_actions.audit_record(
            organization=service.organization, actor=actor, action="service.archived", target=service
        )
    return service


@transaction.atomic
def service_unarchive(*, service: Service, actor: Actor) -> Service:
    """Bring an archived service back into the catalog."""
    service = Service.objects.select_for_update().get(pk=service.pk)
    if service.archived_at is not None:
        service.archived_at = None
        service.save(update_fields=["archived_at", "updated_at"])
        org_actions.audit_record(
            organization=service.organization, actor=actor, action="service.unarchived", target=service
        )
    return service


@transaction.atomic
def service_dependency_add(*, service: Service, depends_on: Service, actor: Actor) -> ServiceDependency:
    """Record that `service` depends on `depends_on` (same org; idempotent)."""
    _validate(service.organization, {"dependencies": [depends_on]}, service)
    edge, created = ServiceDependency.objects.get_or_create(
        organization=service.organization, service=service, depends_on=depends_on
    )
    if created:
        org_actions.audit_record(
            organization=service.organization,
            actor=actor,
            action="service.dependency_added",
            target=service,
            changes={"depends_on": {"before": None, "after": depends_on.slug}},
        )
    return edge


@transaction.atomic
def service_dependency_remove(*, service: Service, depends_on: Service, actor: Actor) -> None:
    """Remove the edge `service` → `depends_on` if it exists."""
    deleted, _ = ServiceDependency.objects.filter(service=service, depends_on=depends_on).delete()
    if deleted:
        org_actions.audit_record(
            organization=service.organization,
            actor=actor,
            action="service.dependency_removed",
            target=service,
            changes={"depends_on": {"before": depends_on.slug, "after": None}},
        )


# --- health that follows incidents ----------------------------------------------------------------------


@transaction.atomic
def service_impacts_record(
    *,
    organization_id: int,
    incident_id: int,
    service_ids: list[int],
    removed_service_ids: list[int],
    health: str,
    actor: Actor,
) -> None:
    """Record what an incident now does to its services (`health`: its outage level while it is open, operational
    once it is not) and move each touched service's health to the worst impact left on it.

    Runs in the incident change's transaction. The services are locked in pk order first and the impacts read
    after: two incidents of one service changing at once queue here, and the second sees the first's impact.
    """
    touched = sorted(set(service_ids) | set(removed_service_ids))
    if not touched:
        return
    services = Service.objects.select_for_update().filter(organization_id=organization_id, pk__in=touched)
    locked = list(services.order_by("pk"))
    ours = ServiceImpact.objects.filter(organization_id=organization_id, incident_id=incident_id)
    ours.filter(service_id__in=removed_service_ids).delete()
    if health in IMPACT_ORDER:
        for service in locked:
            if service.pk in service_ids:
                ServiceImpact.objects.update_or_create(
                    organization_id=organization_id,
                    service=service,
                    incident_id=incident_id,
                    defaults={"health": health},
                )
    else:
        ours.filter(service_id__in=service_ids).delete()
    impacts: dict[int, set[str]] = {}
    for service_id, impact in ServiceImpact.objects.filter(service__in=locked).values_list("service_id", "health"):
        impacts.setdefault(service_id, set()).add(impact)
    for service in locked:
        worst = next((h for h in IMPACT_ORDER if h in impacts.get(service.pk, ())), ServiceHealth.OPERATIONAL)
        if service.health != worst:
            service_update(service=service, actor=actor, health=worst)

"""Writing an import plan through orgs.actions / services.actions (audited), all or nothing; a dry run runs the
very same writes in a savepoint and rolls them back."""

from collections.abc import Iterable
from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.db import transaction

from orgs import actions as org_actions
from orgs.models import Organization, Team
from orgs.tenancy import Actor
from services import actions as service_actions
from services.backstage.documents import _Errors, _Plan, _ServiceEntry
from services.backstage.format import TEAM_FIELDS
from services.backstage.parsing import _check_references, _read_file
from services.backstage.results import ImportChange, ImportResult
from services.models import Service, ServiceHealth

# --- writing -------------------------------------------------------------------------------------


def _team_fields(team: Team) -> dict[str, str]:
    """A team's importable fields, in the shape of _TeamEntry.fields()."""
    return {name: getattr(team, name) for name in TEAM_FIELDS}


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Fields whose value differs, as {field: {"before", "after"}} (same shape as the audit log)."""
    return {
        key: {"before": before.get(key), "after": value} for key, value in after.items() if before.get(key) != value
    }


def _snapshots(organization: Organization, slugs: Iterable[str]) -> dict[str, Service]:
    """The org's services with these slugs, with everything service_snapshot reads prefetched."""
    services = (
        Service.objects.for_org(organization)
        .filter(slug__in=list(slugs))
        .select_related("owner_team")
        .prefetch_related("labels", "links", "responding_team_links__team", "dependency_edges__depends_on")
    )
    return {service.slug: service for service in services}


def _wanted(entry: _ServiceEntry, current: dict[str, Any] | None) -> dict[str, Any]:
    """The service_snapshot() the file asks for (health stays as it is unless the file sets it)."""
    health = entry.health or (current["health"] if current else ServiceHealth.OPERATIONAL.value)
    return {
        "name": entry.name,
        "slug": entry.slug,
        "description": entry.description,
        "kind": entry.kind,
        "service_type": entry.service_type,
        "tier": entry.tier,
        "lifecycle": entry.lifecycle,
        "health": health,
        "owner_team": entry.owner,
        "labels": entry.labels,
        "links": entry.links,
        "responding_teams": entry.responding_teams,
        "dependencies": sorted({slug for _, _, slug in entry.dependencies}),
    }


def _action_fields(
    wanted: dict[str, Any], fields: Iterable[str], teams: dict[str, Team], services: dict[str, Service]
) -> dict[str, Any]:
    """Translate snapshot values of `fields` into the keyword arguments of service_create/service_update."""
    values: dict[str, Any] = {}
    for name in fields:
        value = wanted[name]
        if name == "owner_team":
            value = teams[value] if value else None
        elif name == "responding_teams":
            value = [teams[slug] for slug in value]
        elif name == "dependencies":
            value = [services[slug] for slug in value]
        elif name == "links":
            value = [{"kind": kind, "title": title, "url": url} for kind, title, url in value]
        values[name] = value
    return values


def _reraise(where: str, exc: ValidationError) -> NoReturn:
    """Turn an action's ValidationError into the import's {"yaml": [...]} shape, naming the document."""
    if hasattr(exc, "error_dict"):
        messages = [f"{where}: {key}: {message}" for key, items in exc.message_dict.items() for message in items]
    else:
        messages = [f"{where}: {message}" for message in exc.messages]
    raise ValidationError({"yaml": messages}) from exc


def _write_teams(organization: Organization, plan: _Plan, actor: Actor) -> tuple[list[ImportChange], dict[str, Team]]:
    """Create or update the file's teams, then create missing owner teams; returns changes and teams by slug."""
    teams = {team.slug: team for team in Team.objects.for_org(organization)}
    changes = []
    wanted_teams = [(entry.where, entry.fields()) for entry in plan.teams]
    for slug in plan.owner_teams:
        referrer = next(service for service in plan.services if service.owner == slug)
        wanted_teams.append(
            (f"{referrer.where}: spec.owner", dict.fromkeys(TEAM_FIELDS, "") | {"name": slug, "slug": slug})
        )
    for where, wanted in wanted_teams:
        slug = wanted["slug"]
        try:
            if slug not in teams:
                fields = {key: value for key, value in wanted.items() if key != "slug"}
                teams[slug] = org_actions.team_create(organization=organization, actor=actor, slug=slug, **fields)
                changes.append(ImportChange("team", slug, "create", _diff(dict.fromkeys(TEAM_FIELDS), wanted)))
                continue
            diff = _diff(_team_fields(teams[slug]), wanted)
            if diff:
                fields = {key: wanted[key] for key in diff}
                teams[slug] = org_actions.team_update(team=teams[slug], actor=actor, **fields)
            changes.append(ImportChange("team", slug, "update" if diff else "unchanged", diff))
        except ValidationError as exc:
            _reraise(where, exc)
    return changes, teams


def _write_services(
    organization: Organization, plan: _Plan, actor: Actor, teams: dict[str, Team]
) -> list[ImportChange]:
    """Upsert every service (edges whose targets exist already), then the remaining edges; report the changes."""
    slugs = [entry.slug for entry in plan.services]
    targets = {slug for entry in plan.services for _, _, slug in entry.dependencies}
    existing = _snapshots(organization, slugs)
    before = {slug: service_actions.service_snapshot(service) for slug, service in existing.items()}
    services: dict[str, Service] = dict(_snapshots(organization, targets - set(slugs))) | existing
    wanted = {entry.slug: _wanted(entry, before.get(entry.slug)) for entry in plan.services}
    for entry in plan.services:
        want = wanted[entry.slug]
        current = before.get(entry.slug, {})
        fields = [key for key in want if key != "slug" and current.get(key) != want[key]]
        # Edges to services later in the file wait for the second pass (their targets do not exist yet).
        if not set(want["dependencies"]) <= set(services):
            fields = [key for key in fields if key != "dependencies"]
        try:
            if entry.slug not in existing:
                values = _action_fields(want, [*fields, "slug"], teams, services)
                services[entry.slug] = service_actions.service_create(organization=organization, actor=actor, **values)
            elif fields:
                values = _action_fields(want, fields, teams, services)
                services[entry.slug] = service_actions.service_update(
                    service=existing[entry.slug], actor=actor, **values
                )
        except ValidationError as exc:
            _reraise(entry.where, exc)
    after = {
        slug: service_actions.service_snapshot(service) for slug, service in _snapshots(organization, slugs).items()
    }
    for entry in plan.services:
        if after[entry.slug]["dependencies"] != wanted[entry.slug]["dependencies"]:
            values = _action_fields(wanted[entry.slug], ["dependencies"], teams, services)
            try:
                service_actions.service_update(service=services[entry.slug], actor=actor, **values)
            except ValidationError as exc:
                _reraise(entry.where, exc)
    after = {
        slug: service_actions.service_snapshot(service) for slug, service in _snapshots(organization, slugs).items()
    }
    changes = []
    for entry in plan.services:
        diff = _diff(before.get(entry.slug, {}), after[entry.slug])
        action = "create" if entry.slug not in existing else "update" if diff else "unchanged"
        changes.append(ImportChange("service", entry.slug, action, diff))
    return changes


class _DryRunRollback(Exception):
    """Raised inside the import's atomic block to roll a dry run back, carrying its changes out."""

    def __init__(self, changes: list[ImportChange]) -> None:
        """Keep the changes the rolled-back import made."""
        super().__init__("dry run")
        self.changes = changes


def catalog_import(*, organization: Organization, yaml_text: str, actor: Actor, dry_run: bool = False) -> ImportResult:
    """Upsert the teams and services of a Backstage catalog file into the org; all or nothing, audited."""
    try:
        with transaction.atomic():
            # Serialises imports into one org, so the plan validated below still holds when it is written.
            Organization.objects.select_for_update().filter(pk=organization.pk).first()
            errors = _Errors()
            plan = _read_file(yaml_text, errors)
            _check_references(organization, plan, errors)
            errors.raise_if_any()
            team_changes, teams = _write_teams(organization, plan, actor)
            changes = team_changes + _write_services(organization, plan, actor, teams)
            if dry_run:
                raise _DryRunRollback(changes)
    except _DryRunRollback as rollback:
        changes = rollback.changes
    return ImportResult(dry_run=dry_run, changes=changes)

"""Backstage catalog import and export: catalog-info.yaml documents <-> the teams and services of one org.

Import is all-or-nothing: every document is validated (all errors collected) before anything is written,
and writes go through orgs.actions / services.actions so they are audited. A dry run executes the very same
writes in a savepoint and rolls them back, so its preview is exactly what a real import would do.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NoReturn

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils.text import slugify

from orgs import actions as org_actions
from orgs.models import Organization, Team
from orgs.tenancy import Actor
from services import actions as service_actions
from services.models import (
    LABEL_KEY_RE,
    LABEL_VALUE_RE,
    NAME_RE,
    Service,
    ServiceHealth,
    ServiceKind,
    ServiceLifecycle,
    ServiceLinkKind,
    ServiceTier,
)

API_VERSION = "backstage.io/v1alpha1"
API_VERSIONS = frozenset({API_VERSION, "backstage.io/v1beta1"})
ANNOTATION_TIER = "firebreak.io/tier"
ANNOTATION_RESPONDING_TEAMS = "firebreak.io/responding-teams"
ANNOTATION_HEALTH = "firebreak.io/health"
ANNOTATION_CHAT_CHANNEL = "firebreak.io/chat-channel"

SERVICE_KINDS = {"component": ServiceKind.COMPONENT, "resource": ServiceKind.RESOURCE, "system": ServiceKind.SYSTEM}
# dependsOn may point at any entity that is a service here; Backstage itself only uses component/resource.
DEPENDENCY_REF_KINDS = frozenset(SERVICE_KINDS)
LINK_TYPES = {
    "runbook": ServiceLinkKind.RUNBOOK,
    "repository": ServiceLinkKind.REPOSITORY,
    "source": ServiceLinkKind.REPOSITORY,
    "repo": ServiceLinkKind.REPOSITORY,
    "dashboard": ServiceLinkKind.DASHBOARD,
    "docs": ServiceLinkKind.DOCS,
    "documentation": ServiceLinkKind.DOCS,
    "chat": ServiceLinkKind.CHAT,
    "slack": ServiceLinkKind.CHAT,
}
TEAM_FIELDS = ("name", "slug", "description", "email", "chat_channel")
# Column sizes of Team and Service/ServiceLink: checked up front so PostgreSQL never rejects a write.
MAX_NAME = 100
MAX_TEAM_SLUG = 50
MAX_SERVICE_TYPE = 50
MAX_CHAT_CHANNEL = 200
MAX_LINK_TITLE = 200
MAX_LINK_URL = 500


# --- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportChange:
    """What an import did (or would do) to one team or service."""

    kind: str  # "team" or "service"
    slug: str
    action: str  # "create" | "update" | "unchanged"
    changes: dict  # field -> {"before": ..., "after": ...}; empty when unchanged

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape the API returns for one change."""
        return {"kind": self.kind, "slug": self.slug, "action": self.action, "changes": self.changes}


@dataclass(frozen=True)
class ImportResult:
    """Every change of one import, teams first, in file order."""

    dry_run: bool
    changes: list[ImportChange]

    @property
    def created(self) -> int:
        """How many teams and services were (or would be) created."""
        return sum(1 for change in self.changes if change.action == "create")

    @property
    def updated(self) -> int:
        """How many teams and services were (or would be) updated."""
        return sum(1 for change in self.changes if change.action == "update")

    @property
    def unchanged(self) -> int:
        """How many teams and services already matched the file."""
        return sum(1 for change in self.changes if change.action == "unchanged")

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able summary for the API."""
        return {
            "dry_run": self.dry_run,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "changes": [change.as_dict() for change in self.changes],
        }


# --- parsing -------------------------------------------------------------------------------------


@dataclass
class _TeamEntry:
    """A Group document, validated: the team it describes."""

    index: int
    where: str
    slug: str
    name: str
    description: str
    email: str
    chat_channel: str

    def fields(self) -> dict[str, str]:
        """The team as the file wants it, in TEAM_FIELDS terms."""
        return {
            "name": self.name,
            "slug": self.slug,
            "description": self.description,
            "email": self.email,
            "chat_channel": self.chat_channel,
        }


@dataclass
class _ServiceEntry:
    """A Component/Resource/System document, validated: the service it describes (teams and edges by slug)."""

    index: int
    where: str
    slug: str
    name: str
    description: str
    kind: str
    service_type: str
    tier: int
    lifecycle: str
    health: str | None  # None: the file does not say; keep the service's live health
    owner: str | None
    labels: dict[str, str]
    links: list[list[str]]  # sorted [kind, title, url], deduplicated like services.actions does
    responding_teams: list[str]
    dependencies: list[tuple[int, str, str]]  # (position in spec.dependsOn, reference as written, slug)


@dataclass
class _Plan:
    """The validated file: teams and services to upsert, and owner teams to create on the fly."""

    teams: list[_TeamEntry] = field(default_factory=list)
    services: list[_ServiceEntry] = field(default_factory=list)
    owner_teams: list[str] = field(default_factory=list)


class _Errors:
    """Error messages of a whole file, kept in document order."""

    def __init__(self) -> None:
        """Start with no errors."""
        self._items: list[tuple[int, int, str]] = []

    def add(self, index: int, message: str) -> None:
        """Record a message about document `index`."""
        self._items.append((index, len(self._items), message))

    def raise_if_any(self) -> None:
        """Raise one ValidationError with every message under the `yaml` key."""
        if self._items:
            raise ValidationError({"yaml": [message for _, _, message in sorted(self._items)]})


class _Document:
    """One YAML document being read, reporting problems with its position, kind and name."""

    def __init__(self, index: int, data: dict, errors: _Errors) -> None:
        """Wrap document number `index` (1-based) of the file."""
        self.index = index
        self.data = data
        self.errors = errors
        kind = data.get("kind")
        metadata = data.get("metadata")
        name = metadata.get("name") if isinstance(metadata, dict) else None
        self.kind = kind if isinstance(kind, str) and kind.strip() else None
        self.name = _scalar_text(name)
        self.where = _where(index, self.kind, self.name)

    def error(self, path: str, problem: str) -> None:
        """Record a problem with the field at `path`."""
        self.errors.add(self.index, f"{self.where}: {path}: {problem}")

    def mapping(self, parent: dict, key: str, path: str) -> dict:
        """A sub-mapping (empty when absent or null)."""
        value = parent.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(path, "expected a mapping.")
            return {}
        return value

    def text(self, parent: dict, key: str, path: str, *, max_length: int | None = None) -> str | None:
        """A string field (None when absent or null); numbers are read as their digits."""
        value = parent.get(key)
        if value is None:
            return None
        text = _scalar_text(value)
        if text is None:
            self.error(path, "expected a string.")
            return None
        if max_length is not None and len(text) > max_length:
            self.error(path, f"is longer than {max_length} characters.")
            return None
        return text


def _scalar_text(value: Any) -> str | None:
    """A YAML scalar as text: strings as they are, integers as digits (people forget quotes), else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _where(index: int, kind: str | None, name: str | None) -> str:
    """How messages name a document: `Document 3 (Component "payments")`."""
    if kind and name:
        return f'Document {index} ({kind} "{name}")'
    if kind:
        return f"Document {index} ({kind})"
    return f"Document {index}"


def _annotation_path(key: str) -> str:
    """The path of one annotation, quoted because annotation keys contain dots and slashes."""
    return f'metadata.annotations["{key}"]'


def _load(yaml_text: str) -> list[tuple[int, Any]]:
    """Parse every document of the stream; empty documents are dropped but keep their position."""
    try:
        documents = list(yaml.safe_load_all(yaml_text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = (getattr(exc, "problem", None) or str(exc)).rstrip(".")
        if mark is None:
            message = f"Invalid YAML: {problem}."
        else:
            message = f"Invalid YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}."
        raise ValidationError({"yaml": [message]}) from exc
    return [(index, data) for index, data in enumerate(documents, start=1) if data is not None]


def _is_team_slug(slug: str) -> bool:
    """True when `slug` is a slug teams can have (team_create slugifies, so it must already be one)."""
    return 0 < len(slug) <= MAX_TEAM_SLUG and slugify(slug) == slug


def _team_slug_problem(slug: str, what: str) -> str | None:
    """Why `slug` cannot name a team, or None."""
    if not _is_team_slug(slug):
        return (
            f"\"{slug}\" is not a valid {what}; use lowercase letters, numbers, '-' or '_' "
            f"(at most {MAX_TEAM_SLUG} characters)."
        )
    if slug in org_actions.RESERVED_TEAM_SLUGS:
        return f'"{slug}" is reserved for teams; choose another.'
    return None


def _split_ref(ref: str, default_kind: str) -> tuple[str, str, str]:
    """Split a Backstage entity reference `[kind:][namespace/]name` into lowercased kind, namespace and name."""
    kind, colon, rest = ref.partition(":")
    if not colon:
        kind, rest = default_kind, ref
    namespace, slash, name = rest.partition("/")
    if not slash:
        namespace, name = "default", rest
    return kind.strip().lower(), namespace.strip().lower(), name.strip()


def _read_document(doc: _Document, plan: _Plan) -> None:
    """Validate one document of a kind we import and add it to the plan."""
    data = doc.data
    api_version = data.get("apiVersion")
    if api_version not in API_VERSIONS:
        shown = "is required" if api_version is None else f'"{api_version}" is not a Backstage apiVersion'
        doc.error("apiVersion", f"{shown}; use {API_VERSION}.")
    metadata = data["metadata"]
    namespace = doc.text(metadata, "namespace", "metadata.namespace")
    if namespace is not None and namespace.lower() != "default":
        doc.error("metadata.namespace", f'"{namespace}" is not supported; only the default namespace is.')
    if doc.kind.lower() == "group":
        _read_group(doc, metadata, plan)
    else:
        _read_service(doc, metadata, plan)


def _title(doc: _Document, metadata: dict, fallback: str) -> str:
    """metadata.title stripped, else the fallback (Backstage shows the name when there is no title)."""
    title = (doc.text(metadata, "title", "metadata.title", max_length=MAX_NAME) or "").strip()
    return title or fallback


def _read_group(doc: _Document, metadata: dict, plan: _Plan) -> None:
    """A Group document -> a team entry."""
    slug = doc.name or ""
    problem = _team_slug_problem(slug, "team slug")
    if problem:
        doc.error("metadata.name", problem)
    spec = doc.mapping(doc.data, "spec", "spec")
    profile = doc.mapping(spec, "profile", "spec.profile")
    display_name = (doc.text(profile, "displayName", "spec.profile.displayName", max_length=MAX_NAME) or "").strip()
    name = _title(doc, metadata, display_name or slug)
    description = doc.text(metadata, "description", "metadata.description") or ""
    email = doc.text(profile, "email", "spec.profile.email") or ""
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            doc.error("spec.profile.email", f'"{email}" is not a valid email address.')
    annotations = _annotations(doc, metadata)
    chat_channel = annotations.get(ANNOTATION_CHAT_CHANNEL, "")
    if len(chat_channel) > MAX_CHAT_CHANNEL:
        doc.error(_annotation_path(ANNOTATION_CHAT_CHANNEL), f"is longer than {MAX_CHAT_CHANNEL} characters.")
    for other in plan.teams:
        if other.slug == slug:
            doc.error("metadata.name", f'"{slug}" is already defined by {other.where}.')
    # Kept even when invalid: later documents are checked against it, and nothing is written anyway.
    plan.teams.append(_TeamEntry(doc.index, doc.where, slug, name, description, email, chat_channel))


def _annotations(doc: _Document, metadata: dict) -> dict[str, str]:
    """metadata.annotations as strings (a key whose value is not a string is reported and left out)."""
    annotations = {}
    for key, value in doc.mapping(metadata, "annotations", "metadata.annotations").items():
        text = _scalar_text(value) if value is not None else ""
        if text is None:
            doc.error(_annotation_path(str(key)), "expected a string.")
        else:
            annotations[str(key)] = text
    return annotations


def _read_service(doc: _Document, metadata: dict, plan: _Plan) -> None:
    """A Component, Resource or System document -> a service entry."""
    slug = doc.name or ""
    if not re.match(NAME_RE, slug):
        doc.error(
            "metadata.name",
            f"\"{slug}\" must be 1 to 63 letters, numbers, '-', '_' or '.', "
            "starting and ending with a letter or number.",
        )
    elif slug in service_actions.RESERVED_SLUGS:
        doc.error("metadata.name", f'"{slug}" is reserved for services; choose another name.')
    for other in plan.services:
        if other.slug == slug:
            doc.error("metadata.name", f'"{slug}" is already defined by {other.where}.')
    spec = doc.mapping(doc.data, "spec", "spec")
    name = _title(doc, metadata, slug)
    description = doc.text(metadata, "description", "metadata.description") or ""
    service_type = doc.text(spec, "type", "spec.type", max_length=MAX_SERVICE_TYPE) or "service"
    lifecycle = doc.text(spec, "lifecycle", "spec.lifecycle")
    if lifecycle is None:
        lifecycle = ServiceLifecycle.PRODUCTION.value
    elif lifecycle not in ServiceLifecycle.values:
        doc.error("spec.lifecycle", f'"{lifecycle}" is not one of {", ".join(ServiceLifecycle.values)}.')
    annotations = _annotations(doc, metadata)
    tier = _read_tier(doc, annotations)
    health = annotations.get(ANNOTATION_HEALTH)
    if health is not None and health not in ServiceHealth.values:
        doc.error(_annotation_path(ANNOTATION_HEALTH), f'"{health}" is not one of {", ".join(ServiceHealth.values)}.')
    responding = [team.strip() for team in annotations.get(ANNOTATION_RESPONDING_TEAMS, "").split(",") if team.strip()]
    entry = _ServiceEntry(
        index=doc.index,
        where=doc.where,
        slug=slug,
        name=name,
        description=description,
        kind=SERVICE_KINDS[doc.kind.lower()].value,
        service_type=service_type,
        tier=tier,
        lifecycle=lifecycle,
        health=health,
        owner=_read_owner(doc, spec),
        labels=_read_labels(doc, metadata),
        links=_read_links(doc, metadata),
        responding_teams=sorted(set(responding)),
        dependencies=_read_depends_on(doc, spec, slug),
    )
    plan.services.append(entry)


def _read_tier(doc: _Document, annotations: dict[str, str]) -> int:
    """The tier annotation, 3 when absent."""
    raw = annotations.get(ANNOTATION_TIER)
    if raw is None:
        return ServiceTier.TIER_3.value
    if raw.strip() not in {str(value) for value in ServiceTier.values}:
        doc.error(
            _annotation_path(ANNOTATION_TIER), f'"{raw}" is not one of {", ".join(map(str, ServiceTier.values))}.'
        )
        return ServiceTier.TIER_3.value
    return int(raw)


def _read_owner(doc: _Document, spec: dict) -> str | None:
    """spec.owner as a team slug: group:default/<name>, group:<name> or <name>; None when absent."""
    ref = doc.text(spec, "owner", "spec.owner")
    if ref is None or not ref.strip():
        return None
    kind, namespace, name = _split_ref(ref.strip(), "group")
    if kind != "group":
        doc.error("spec.owner", f'"{ref}" is not a group reference; use group:<name> or <name>.')
        return None
    if namespace != "default":
        doc.error("spec.owner", f'"{ref}" is in namespace "{namespace}"; only the default namespace is supported.')
        return None
    problem = _team_slug_problem(name, "team name")
    if problem:
        doc.error("spec.owner", problem)
        return None
    return name


def _read_labels(doc: _Document, metadata: dict) -> dict[str, str]:
    """metadata.labels, each key and value checked against Backstage's rules."""
    labels = {}
    for key, value in doc.mapping(metadata, "labels", "metadata.labels").items():
        text = _scalar_text(value) if value is not None else ""
        key_text = _scalar_text(key)
        path = f"metadata.labels.{key}"
        if text is None or key_text is None:
            doc.error(path, "expected a string.")
        elif not re.match(LABEL_KEY_RE, key_text):
            doc.error(path, f'"{key_text}" is not a valid label key.')
        elif not re.match(LABEL_VALUE_RE, text):
            doc.error(path, f"\"{text}\" is not a valid label value; use up to 63 letters, numbers, '-', '_' or '.'.")
        else:
            labels[key_text] = text
    return labels


def _read_links(doc: _Document, metadata: dict) -> list[list[str]]:
    """metadata.links -> sorted [kind, title, url]; one link per (kind, url), the last one winning."""
    raw = metadata.get("links")
    if raw is None:
        return []
    if not isinstance(raw, list):
        doc.error("metadata.links", "expected a list.")
        return []
    url_validator = URLValidator(schemes=["http", "https"])
    unique: dict[tuple[str, str], list[str]] = {}
    for position, link in enumerate(raw):
        path = f"metadata.links[{position}]"
        if not isinstance(link, dict):
            doc.error(path, "expected a mapping with url, title and type.")
            continue
        url = doc.text(link, "url", f"{path}.url", max_length=MAX_LINK_URL)
        if url is None:
            if link.get("url") is None:
                doc.error(f"{path}.url", "is required.")
            continue
        try:
            url_validator(url)
        except ValidationError:
            doc.error(f"{path}.url", f'"{url}" is not an http(s) URL.')
            continue
        title = doc.text(link, "title", f"{path}.title", max_length=MAX_LINK_TITLE) or ""
        link_type = (doc.text(link, "type", f"{path}.type") or "").strip().lower()
        kind = LINK_TYPES.get(link_type, ServiceLinkKind.OTHER).value
        unique[(kind, url)] = [kind, title, url]
    return sorted(unique.values())


def _read_depends_on(doc: _Document, spec: dict, own_slug: str) -> list[tuple[int, str, str]]:
    """spec.dependsOn -> (position, reference, slug); existence is checked once the whole file is read."""
    raw = spec.get("dependsOn")
    if raw is None:
        return []
    if not isinstance(raw, list):
        doc.error("spec.dependsOn", "expected a list of entity references.")
        return []
    dependencies = []
    for position, item in enumerate(raw):
        path = f"spec.dependsOn[{position}]"
        ref = _scalar_text(item)
        if ref is None or not ref.strip():
            doc.error(path, "expected an entity reference such as component:<name>.")
            continue
        kind, namespace, slug = _split_ref(ref.strip(), "component")
        if kind not in DEPENDENCY_REF_KINDS:
            doc.error(path, f'"{ref}" is not a component or resource reference.')
        elif namespace != "default":
            doc.error(path, f'"{ref}" is in namespace "{namespace}"; only the default namespace is supported.')
        elif slug == own_slug:
            doc.error(path, f'"{ref}" is the service itself; a service cannot depend on itself.')
        else:
            dependencies.append((position, ref, slug))
    return dependencies


def _read_file(yaml_text: str, errors: _Errors) -> _Plan:
    """Validate every document on its own; unknown kinds are skipped."""
    plan = _Plan()
    for index, data in _load(yaml_text):
        if not isinstance(data, dict):
            errors.add(index, f"Document {index}: expected a mapping with apiVersion, kind, metadata and spec.")
            continue
        doc = _Document(index, data, errors)
        if doc.kind is None:
            errors.add(index, f"{doc.where}: kind is required.")
            continue
        if not isinstance(data.get("metadata"), dict) or not doc.name:
            errors.add(index, f"{doc.where}: metadata.name is required.")
            continue
        if doc.kind.lower() == "group" or doc.kind.lower() in SERVICE_KINDS:
            _read_document(doc, plan)
    return plan


def _check_references(organization: Organization, plan: _Plan, errors: _Errors) -> None:
    """Resolve owners, responding teams and edges against the file and this org only; plan owner teams."""
    known_teams = set(Team.objects.for_org(organization).values_list("slug", flat=True))
    known_teams |= {team.slug for team in plan.teams}
    for service in plan.services:
        if service.owner and service.owner not in known_teams and service.owner not in plan.owner_teams:
            plan.owner_teams.append(service.owner)
    known_teams |= set(plan.owner_teams)
    file_services = {service.slug for service in plan.services}
    targets = {slug for service in plan.services for _, _, slug in service.dependencies}
    org_services = set(Service.objects.for_org(organization).filter(slug__in=targets).values_list("slug", flat=True))
    for service in plan.services:
        for slug in service.responding_teams:
            if slug not in known_teams:
                errors.add(
                    service.index,
                    f"{service.where}: {_annotation_path(ANNOTATION_RESPONDING_TEAMS)}: "
                    f'team "{slug}" is not a Group in this file or a team of this organization.',
                )
        for position, ref, slug in service.dependencies:
            if slug not in file_services and slug not in org_services:
                errors.add(
                    service.index,
                    f'{service.where}: spec.dependsOn[{position}]: "{ref}" is not a service in this file '
                    "or this organization.",
                )
    _check_team_names(organization, plan, errors)


def _check_team_names(organization: Organization, plan: _Plan, errors: _Errors) -> None:
    """Team names are unique per org (case-insensitively): find clashes before team_create/team_update would."""
    final = {team.slug: team.name for team in Team.objects.for_org(organization)}
    touched: dict[str, tuple[int, str, str]] = {}
    for entry in plan.teams:
        final[entry.slug] = entry.name
        touched[entry.slug] = (entry.index, f"{entry.where}: metadata.title", "")
    for slug in plan.owner_teams:
        final[slug] = slug
        service = next(service for service in plan.services if service.owner == slug)
        touched[slug] = (service.index, f"{service.where}: spec.owner", f'team "{slug}" would be created, but ')
    for slug, (index, prefix, lead) in touched.items():
        clashes = sorted(
            other for other, name in final.items() if other != slug and name.lower() == final[slug].lower()
        )
        if clashes:
            errors.add(index, f'{prefix}: {lead}a team named "{final[slug]}" already exists (slug "{clashes[0]}").')


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

"""Reading catalog-info.yaml: every document validated and every error collected (with the document and
field it concerns) before anything is written."""

import re
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.text import slugify

from core import yaml as bounded_yaml
from orgs import actions as org_actions
from orgs.models import Organization, Team
from services import actions as service_actions
from services.backstage.documents import (
    _annotation_path,
    _Document,
    _Errors,
    _Plan,
    _scalar_text,
    _ServiceEntry,
    _TeamEntry,
)
from services.backstage.format import (
    ANNOTATION_CHAT_CHANNEL,
    ANNOTATION_HEALTH,
    ANNOTATION_RESPONDING_TEAMS,
    ANNOTATION_TIER,
    API_VERSION,
    API_VERSIONS,
    DEPENDENCY_REF_KINDS,
    LINK_TYPES,
    MAX_CHAT_CHANNEL,
    MAX_LINK_TITLE,
    MAX_LINK_URL,
    MAX_NAME,
    MAX_SERVICE_TYPE,
    MAX_TEAM_SLUG,
    SERVICE_KINDS,
)
from services.models import (
    LABEL_KEY_RE,
    LABEL_VALUE_RE,
    NAME_RE,
    Service,
    ServiceHealth,
    ServiceLifecycle,
    ServiceLinkKind,
    ServiceTier,
)


def _load(yaml_text: str) -> list[tuple[int, Any]]:
    """Parse every document of the stream (within core.yaml's size, depth and alias limits); empty documents
    are dropped but keep their position."""
    try:
        documents = bounded_yaml.safe_load_all(yaml_text)
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

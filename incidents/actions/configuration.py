"""Writes of an org's incident configuration: severity levels, incident roles and incident types (admin-only,
audited), and the default severities and roles a new org starts with."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.text import slug_from
from incidents import defaults
from incidents.models import Incident, IncidentRole, IncidentType, RoleAssignment, Severity
from orgs import actions as org_actions
from orgs.models import Organization
from orgs.tenancy import Actor

SEVERITY_FIELDS = ("name", "rank", "description", "is_major")
ROLE_FIELDS = ("name", "slug", "description", "instructions", "checklist", "position", "is_commander")
INCIDENT_TYPE_FIELDS = ("name", "slug", "description", "default_severity", "checklist", "position")

# IncidentRole.slug and IncidentType.slug: derived slugs are cut to fit (core.text.slug_from).
SLUG_MAX_LENGTH = 64


# --- the defaults of a new org --------------------------------------------------------------------------


def organization_defaults_ensure(*, organization: Organization) -> None:
    """Give an org the default severities and roles if it has none (idempotent; runs when an org is created)."""
    with transaction.atomic():
        if not Severity.objects.for_org(organization).exists():
            Severity.objects.bulk_create(
                Severity(organization=organization, name=name, rank=rank, description=description, is_major=major)
                for name, rank, description, major in defaults.SEVERITIES
            )
        if not IncidentRole.objects.for_org(organization).exists():
            IncidentRole.objects.bulk_create(
                IncidentRole(
                    organization=organization,
                    name=name,
                    slug=slug,
                    description=description,
                    instructions=instructions,
                    checklist=checklist,
                    position=position,
                    is_commander=commander,
                )
                for position, (name, slug, description, instructions, checklist, commander) in enumerate(defaults.ROLES)
            )


def _snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {field: getattr(obj, field) for field in fields}


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {k: {"before": before.get(k), "after": after[k]} for k in after if before.get(k) != after[k]}


# --- severities ---------------------------------------------------------------------------------------


def _severity_check(*, organization: Organization, name: str, rank: int, exclude_pk: int | None) -> None:
    others = Severity.objects.for_org(organization).exclude(pk=exclude_pk)
    if not name:
        raise ValidationError({"name": "Name the severity (for example SEV1)."})
    if others.filter(name__iexact=name).exists():
        raise ValidationError({"name": f"Another severity is already called {name}."})
    taken = others.filter(rank=rank).first()
    if taken is not None:
        raise ValidationError({"rank": f"{taken.name} already has rank {rank}; ranks are unique (1 is the worst)."})


def _severity_audit(severity: Severity, actor: Actor, action: str, changes: dict[str, Any]) -> None:
    org_actions.audit_record(
        organization=severity.organization,
        actor=actor,
        action=action,
        target_type="severity",
        target_id=severity.name,
        target_label=severity.name,
        changes=changes,
    )


@transaction.atomic
def severity_create(
    *, organization: Organization, actor: Actor, name: str, rank: int, description: str = "", is_major: bool = False
) -> Severity:
    """Add a severity level to the org; names and ranks are unique within it."""
    name = name.strip()
    _severity_check(organization=organization, name=name, rank=rank, exclude_pk=None)
    severity = Severity.objects.create(
        organization=organization, name=name, rank=rank, description=description.strip(), is_major=is_major
    )
    _severity_audit(
        severity, actor, "severity.created", _diff(dict.fromkeys(SEVERITY_FIELDS), _snapshot(severity, SEVERITY_FIELDS))
    )
    return severity


@transaction.atomic
def severity_update(*, severity: Severity, actor: Actor, **fields: Any) -> Severity:
    """Rename, re-rank or re-describe a severity; incidents keep pointing at it."""
    unknown = set(fields) - set(SEVERITY_FIELDS)
    if unknown:
        raise ValueError(f"Unknown severity fields: {sorted(unknown)}")
    severity = Severity.objects.select_for_update().select_related("organization").get(pk=severity.pk)
    before = _snapshot(severity, SEVERITY_FIELDS)
    for field, value in fields.items():
        setattr(severity, field, value.strip() if isinstance(value, str) else value)
    _severity_check(organization=severity.organization, name=severity.name, rank=severity.rank, exclude_pk=severity.pk)
    changes = _diff(before, _snapshot(severity, SEVERITY_FIELDS))
    if not changes:
        return severity
    severity.save(update_fields=[*changes, "updated_at"])
    _severity_audit(severity, actor, "severity.updated", changes)
    return severity


@transaction.atomic
def severity_delete(*, severity: Severity, actor: Actor) -> None:
    """Delete a severity no incident uses (incidents keep their severity for history and analytics)."""
    severity = Severity.objects.select_for_update().select_related("organization").get(pk=severity.pk)
    used = Incident.objects.filter(severity=severity).count()
    if used:
        noun = "incident" if used == 1 else "incidents"
        raise ValidationError(f"{severity.name} is used by {used} {noun}; only an unused severity can be deleted.")
    _severity_audit(
        severity, actor, "severity.deleted", _diff(_snapshot(severity, SEVERITY_FIELDS), dict.fromkeys(SEVERITY_FIELDS))
    )
    severity.delete()


# --- incident roles -------------------------------------------------------------------------------------


def _role_check(*, organization: Organization, role: IncidentRole) -> None:
    if not role.name:
        raise ValidationError({"name": "Name the role."})
    if not role.slug:
        raise ValidationError({"slug": "Enter a slug with at least one letter or number."})
    if IncidentRole.objects.for_org(organization).exclude(pk=role.pk).filter(slug=role.slug).exists():
        raise ValidationError({"slug": f"Another role already uses the slug “{role.slug}”."})
    if any(not isinstance(item, str) or not item.strip() for item in role.checklist):
        raise ValidationError({"checklist": "Checklist items are non-empty text."})


def _role_commander_take(role: IncidentRole) -> str | None:
    """One role is the commander role: taking the flag clears it elsewhere. Returns the slug it moved from."""
    if not role.is_commander:
        return None
    previous = (
        IncidentRole.objects.filter(organization_id=role.organization_id)
        .select_for_update()
        .exclude(pk=role.pk)
        .filter(is_commander=True)
        .first()
    )
    if previous is None:
        return None
    IncidentRole.objects.filter(pk=previous.pk).update(is_commander=False, updated_at=timezone.now())
    return previous.slug


def _role_audit(role: IncidentRole, actor: Actor, action: str, changes: dict[str, Any]) -> None:
    org_actions.audit_record(
        organization=role.organization,
        actor=actor,
        action=action,
        target_type="incident_role",
        target_id=role.slug,
        target_label=role.name,
        changes=changes,
    )


@transaction.atomic
def incident_role_create(
    *,
    organization: Organization,
    actor: Actor,
    name: str,
    slug: str = "",
    description: str = "",
    instructions: str = "",
    checklist: list[str] | None = None,
    position: int = 0,
    is_commander: bool = False,
) -> IncidentRole:
    """Add an incident role (slug derived from the name when blank); its checklist becomes tasks on assignment."""
    name = name.strip()
    role = IncidentRole(
        organization=organization,
        name=name,
        slug=slug_from(slug or name, SLUG_MAX_LENGTH),
        description=description.strip(),
        instructions=instructions.strip(),
        checklist=[item.strip() for item in checklist or []],
        position=position,
        is_commander=is_commander,
    )
    _role_check(organization=organization, role=role)
    role.save()
    changes = _diff(dict.fromkeys(ROLE_FIELDS), _snapshot(role, ROLE_FIELDS))
    moved_from = _role_commander_take(role)
    if moved_from:
        changes["commander_moved_from"] = moved_from
    _role_audit(role, actor, "incident_role.created", changes)
    return role


@transaction.atomic
def incident_role_update(*, role: IncidentRole, actor: Actor, **fields: Any) -> IncidentRole:
    """Edit a role; current and past assignments keep pointing at it."""
    unknown = set(fields) - set(ROLE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown role fields: {sorted(unknown)}")
    role = IncidentRole.objects.select_for_update().select_related("organization").get(pk=role.pk)
    before = _snapshot(role, ROLE_FIELDS)
    for field, value in fields.items():
        if field == "slug":
            value = slug_from(value, SLUG_MAX_LENGTH)
        elif field == "checklist":
            value = [item.strip() if isinstance(item, str) else item for item in value]
        elif isinstance(value, str):
            value = value.strip()
        setattr(role, field, value)
    _role_check(organization=role.organization, role=role)
    changes = _diff(before, _snapshot(role, ROLE_FIELDS))
    if not changes:
        return role
    role.save(update_fields=[*changes, "updated_at"])
    moved_from = _role_commander_take(role)
    if moved_from:
        changes["commander_moved_from"] = moved_from
    _role_audit(role, actor, "incident_role.updated", changes)
    return role


@transaction.atomic
def incident_role_delete(*, role: IncidentRole, actor: Actor) -> None:
    """Delete a role nobody ever held (role history is kept, so a used role stays)."""
    role = IncidentRole.objects.select_for_update().select_related("organization").get(pk=role.pk)
    used = RoleAssignment.objects.filter(role=role).values("incident").distinct().count()
    if used:
        noun = "incident" if used == 1 else "incidents"
        raise ValidationError(f"{role.name} was assigned in {used} {noun}; only a role never assigned can be deleted.")
    _role_audit(role, actor, "incident_role.deleted", _diff(_snapshot(role, ROLE_FIELDS), dict.fromkeys(ROLE_FIELDS)))
    role.delete()


# --- incident types -------------------------------------------------------------------------------------


def _incident_type_snapshot(incident_type: IncidentType) -> dict[str, Any]:
    """The audited fields, the default severity by name (the audit log outlives a deleted severity)."""
    snapshot = _snapshot(incident_type, INCIDENT_TYPE_FIELDS)
    snapshot["default_severity"] = incident_type.default_severity.name if incident_type.default_severity else None
    return snapshot


def _incident_type_check(*, organization: Organization, incident_type: IncidentType) -> None:
    if not incident_type.name:
        raise ValidationError({"name": "Name the incident type (for example Security)."})
    if not incident_type.slug:
        raise ValidationError({"slug": "Enter a slug with at least one letter or number."})
    others = IncidentType.objects.for_org(organization).exclude(pk=incident_type.pk)
    if others.filter(slug=incident_type.slug).exists():
        raise ValidationError({"slug": f"Another incident type already uses the slug “{incident_type.slug}”."})
    severity = incident_type.default_severity
    if severity is not None and severity.organization_id != organization.pk:
        raise ValidationError({"default_severity": "Choose a severity of this organization."})
    if any(not isinstance(item, str) or not item.strip() for item in incident_type.checklist):
        raise ValidationError({"checklist": "Checklist items are non-empty text."})


def _incident_type_audit(incident_type: IncidentType, actor: Actor, action: str, changes: dict[str, Any]) -> None:
    org_actions.audit_record(
        organization=incident_type.organization,
        actor=actor,
        action=action,
        target_type="incident_type",
        target_id=incident_type.slug,
        target_label=incident_type.name,
        changes=changes,
    )


@transaction.atomic
def incident_type_create(
    *,
    organization: Organization,
    actor: Actor,
    name: str,
    slug: str = "",
    description: str = "",
    default_severity: Severity | None = None,
    checklist: list[str] | None = None,
    position: int = 0,
) -> IncidentType:
    """Add an incident type (slug derived from the name when blank); declaring one turns its checklist into tasks."""
    name = name.strip()
    incident_type = IncidentType(
        organization=organization,
        name=name,
        slug=slug_from(slug or name, SLUG_MAX_LENGTH),
        description=description.strip(),
        default_severity=default_severity,
        checklist=[item.strip() if isinstance(item, str) else item for item in checklist or []],
        position=position,
    )
    _incident_type_check(organization=organization, incident_type=incident_type)
    incident_type.save()
    changes = _diff(dict.fromkeys(INCIDENT_TYPE_FIELDS), _incident_type_snapshot(incident_type))
    _incident_type_audit(incident_type, actor, "incident_type.created", changes)
    return incident_type


@transaction.atomic
def incident_type_update(*, incident_type: IncidentType, actor: Actor, **fields: Any) -> IncidentType:
    """Edit an incident type; incidents declared with it keep it, and their tasks stay as they were."""
    unknown = set(fields) - set(INCIDENT_TYPE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown incident type fields: {sorted(unknown)}")
    incident_type = (
        IncidentType.objects.select_for_update(of=("self",))
        .select_related("organization", "default_severity")
        .get(pk=incident_type.pk)
    )
    before = _incident_type_snapshot(incident_type)
    for field, value in fields.items():
        if field == "slug":
            value = slug_from(value, SLUG_MAX_LENGTH)
        elif field == "checklist":
            value = [item.strip() if isinstance(item, str) else item for item in value]
        elif isinstance(value, str):
            value = value.strip()
        setattr(incident_type, field, value)
    _incident_type_check(organization=incident_type.organization, incident_type=incident_type)
    changes = _diff(before, _incident_type_snapshot(incident_type))
    if not changes:
        return incident_type
    incident_type.save(update_fields=[*changes, "updated_at"])
    _incident_type_audit(incident_type, actor, "incident_type.updated", changes)
    return incident_type


@transaction.atomic
def incident_type_delete(*, incident_type: IncidentType, actor: Actor) -> int:
    """Delete an incident type; incidents declared with it lose the type (their timeline still names it).

    Returns how many incidents had it."""
    incident_type = (
        IncidentType.objects.select_for_update(of=("self",))
        .select_related("organization", "default_severity")
        .get(pk=incident_type.pk)
    )
    used = Incident.objects.filter(incident_type=incident_type).count()
    changes = _diff(_incident_type_snapshot(incident_type), dict.fromkeys(INCIDENT_TYPE_FIELDS))
    if used:
        changes["incidents_untyped"] = used
    _incident_type_audit(incident_type, actor, "incident_type.deleted", changes)
    incident_type.delete()
    return used

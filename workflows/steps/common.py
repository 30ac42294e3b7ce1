"""What the step actions share: reading params, finding what a param names in the organization (ValidationError
naming the param when it does not exist there), and who holds an incident's role."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError

from incidents.models import IncidentRole, RoleAssignment, Severity
from oncall.models import EscalationPolicy, Schedule
from oncall.selectors import policies as policy_selectors
from orgs.models import Organization, Team, User

if TYPE_CHECKING:
    from incidents.models import Incident
    from services.models import Service
    from workflows.steps.registry import ParamField

NAME_MAX = 100  # characters of a slug or name a param holds
TEXT_MAX = 300  # characters of a one-line text param (task and follow-up titles)


def params_check(params: Any, fields: tuple[ParamField, ...]) -> dict:
    """`params` as a dict with only the action's params, the required ones present."""
    if not isinstance(params, dict):
        raise ValidationError({"params": "The action's params must be an object."})
    known = {f.name for f in fields}
    errors = {key: f"“{str(key)[:NAME_MAX]}” is not a param of this action." for key in params if key not in known}
    for f in fields:
        value = params.get(f.name)
        if f.required and (value in (None, [], {}) or (isinstance(value, str) and not value.strip())):
            errors.setdefault(f.name, f"{f.label} is required.")
    if errors:
        raise ValidationError(errors)
    return dict(params)


def text_param(params: dict, name: str, *, max_length: int = NAME_MAX, required: bool = True) -> str:
    value = params.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({name: "Write it as text."})
    value = value.strip()
    if required and not value:
        raise ValidationError({name: "This is required."})
    if len(value) > max_length:
        raise ValidationError({name: f"At most {max_length} characters."})
    return value


def _shown(value: Any) -> str:
    return str(value)[:NAME_MAX]


def role_get(organization: Organization, slug: Any, field: str) -> IncidentRole:
    role = IncidentRole.objects.filter(organization=organization, slug=str(slug)[:NAME_MAX]).first()
    if role is None or not isinstance(slug, str):
        raise ValidationError({field: f"“{_shown(slug)}” is not an incident role of this organization."})
    return role


def severity_get(organization: Organization, name: Any, field: str) -> Severity:
    severity = Severity.objects.filter(organization=organization, name=str(name)[:NAME_MAX]).first()
    if severity is None or not isinstance(name, str):
        raise ValidationError({field: f"“{_shown(name)}” is not a severity of this organization."})
    return severity


def schedule_get(organization: Organization, slug: Any, field: str) -> Schedule:
    schedule = Schedule.objects.filter(organization=organization, slug=str(slug)[:NAME_MAX]).first()
    if schedule is None or not isinstance(slug, str):
        raise ValidationError({field: f"“{_shown(slug)}” is not a schedule of this organization."})
    return schedule


def policy_get(organization: Organization, slug: Any, field: str) -> EscalationPolicy:
    policy = EscalationPolicy.objects.filter(organization=organization, slug=str(slug)[:NAME_MAX]).first()
    if policy is None or not isinstance(slug, str):
        raise ValidationError({field: f"“{_shown(slug)}” is not an escalation policy of this organization."})
    return policy


def team_get(organization: Organization, slug: Any, field: str) -> Team:
    team = Team.objects.filter(organization=organization, slug=str(slug)[:NAME_MAX]).first()
    if team is None or not isinstance(slug, str):
        raise ValidationError({field: f"“{_shown(slug)}” is not a team of this organization."})
    return team


def uuid_value(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def member_get(organization: Organization, value: Any, field: str) -> User:
    """An active member of the organization, by their user uuid."""
    pk = uuid_value(value)
    user = policy_selectors.active_members(organization=organization).filter(uuid=pk).first() if pk else None
    if user is None:
        raise ValidationError({field: f"“{_shown(value)}” is not a member of this organization."})
    return user


def role_holder(incident: Incident, role: IncidentRole) -> User | None:
    assignment = (
        RoleAssignment.objects.filter(incident=incident, role=role, released_at=None).select_related("user").first()
    )
    return assignment.user if assignment else None


def first_service(incident: Incident) -> Service | None:
    """The incident's first affected service (the one linked first)."""
    link = incident.service_links.select_related("service").order_by("pk").first()
    return link.service if link else None


def quote(text: str, limit: int = 80) -> str:
    """A short quotation of a text for an outcome sentence: “first words …”."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return f"“{text}”"


def names(users: list[User]) -> str:
    return ", ".join(user.display_name for user in users)


# --- who a "user or role" param means (add_tasks' and create_follow_up's assignee) ----------------------------


def assignee_clean(organization: Organization, value: Any, field: str) -> dict | None:
    """None, {"kind": "role", "role": slug} or {"kind": "user", "user": uuid}, each naming what exists."""
    if value in (None, "", {}):
        return None
    if not isinstance(value, dict) or value.get("kind") not in ("role", "user"):
        raise ValidationError({field: "Choose a role or a member (or nobody)."})
    if value["kind"] == "role":
        return {"kind": "role", "role": role_get(organization, value.get("role"), field).slug}
    return {"kind": "user", "user": str(member_get(organization, value.get("user"), field).uuid)}


def assignee_describe(organization: Organization, value: dict | None) -> str:
    if not value:
        return ""
    if value["kind"] == "role":
        role = IncidentRole.objects.filter(organization=organization, slug=value["role"]).first()
        return f"the {role.name if role else value['role']}"
    user = User.objects.filter(uuid=uuid_value(value["user"])).first()
    return user.display_name if user else "a member who left"


def assignee_resolve(
    organization: Organization, incident: Incident | None, value: dict | None
) -> tuple[User | None, str]:
    """(who, in words) now: a role's holder on the incident (None when unheld), or the member."""
    if not value:
        return None, ""
    if value["kind"] == "role":
        role = role_get(organization, value["role"], "assignee")
        holder = role_holder(incident, role) if incident is not None else None
        if holder is None:
            return None, f"nobody is {role.name} yet"
        return holder, f"{holder.display_name} ({role.name})"
    user = member_get(organization, value["user"], "assignee")
    return user, user.display_name

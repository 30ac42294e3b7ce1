"""Workflows: create, update, delete, enable/disable — every change validated first and audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from orgs import actions as org_actions
from orgs.models import Organization
from orgs.tenancy import Actor
from workflows.models import Workflow
from workflows.validation import workflow_validate

NAME_MAX = 120
DESCRIPTION_MAX = 500
FIELDS = (
    "name",
    "description",
    "trigger",
    "conditions",
    "condition_mode",
    "actions",
    "is_enabled",
    "run_in_drills",
)


def _name(organization: Organization, name: Any, exclude_pk: int | None = None) -> str:
    text = str(name or "").strip()
    if not text:
        raise ValidationError({"name": "Give the workflow a name."})
    if len(text) > NAME_MAX:
        raise ValidationError({"name": f"At most {NAME_MAX} characters."})
    taken = Workflow.objects.for_org(organization).filter(name__iexact=text)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError({"name": f"A workflow named “{text}” already exists."})
    return text


def _description(value: Any) -> str:
    text = str(value or "").strip()
    if len(text) > DESCRIPTION_MAX:
        raise ValidationError({"description": f"At most {DESCRIPTION_MAX} characters."})
    return text


def _flag(field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise ValidationError({field: "True or false."})


def _snapshot(workflow: Workflow) -> dict[str, Any]:
    return {field: getattr(workflow, field) for field in FIELDS}


def _audit(workflow: Workflow, actor: Actor, action: str, changes: dict[str, Any]) -> None:
    org_actions.audit_record(
        organization=workflow.organization,
        actor=actor,
        action=action,
        target_type="workflow",
        target_id=str(workflow.uuid),
        target_label=workflow.name,
        changes=changes,
    )


def _save(workflow: Workflow) -> None:
    try:
        with transaction.atomic():
            workflow.save()
    except IntegrityError as error:  # a concurrent create with the same name
        raise ValidationError({"name": f"A workflow named “{workflow.name}” already exists."}) from error


@transaction.atomic
def workflow_create(
    *,
    organization: Organization,
    actor: Actor,
    name: str,
    trigger: str,
    conditions: Any = (),
    condition_mode: str = "all",
    actions: Any = (),
    description: str = "",
    is_enabled: bool = True,
    run_in_drills: bool = False,
    seed_key: str = "",
) -> Workflow:
    """Create a workflow (validated: trigger, conditions and actions; the name unique in the org); audited."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for check in (
        lambda: cleaned.update(name=_name(organization, name)),
        lambda: cleaned.update(description=_description(description)),
        lambda: cleaned.update(is_enabled=_flag("is_enabled", is_enabled)),
        lambda: cleaned.update(run_in_drills=_flag("run_in_drills", run_in_drills)),
        lambda: cleaned.update(
            workflow_validate(
                organization=organization,
                data={
                    "trigger": trigger,
                    "conditions": list(conditions or []),
                    "condition_mode": condition_mode,
                    "actions": list(actions or []),
                },
            )
        ),
    ):
        try:
            check()
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    workflow = Workflow(
        organization=organization,
        created_by=actor.user,
        seed_key=seed_key,
        **cleaned,
    )
    _save(workflow)
    _audit(workflow, actor, "workflow.created", _snapshot(workflow))
    return workflow


@transaction.atomic
def workflow_update(*, workflow: Workflow, actor: Actor, **fields: Any) -> Workflow:
    """Change any of name, description, trigger, conditions, condition_mode, actions, is_enabled, run_in_drills
    (the whole definition is validated again); audited with what changed. Runs under way keep their steps."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "Not a field of a workflow."})
    workflow = Workflow.objects.select_for_update().select_related("organization").get(pk=workflow.pk)
    organization = workflow.organization
    before = _snapshot(workflow)
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}

    def definition() -> None:
        cleaned.update(
            workflow_validate(
                organization=organization,
                data={
                    "trigger": fields.get("trigger", workflow.trigger),
                    "conditions": list(fields.get("conditions", workflow.conditions) or []),
                    "condition_mode": fields.get("condition_mode", workflow.condition_mode),
                    "actions": list(fields.get("actions", workflow.actions) or []),
                },
            )
        )

    checks = [definition]
    if "name" in fields:
        checks.append(lambda: cleaned.update(name=_name(organization, fields["name"], exclude_pk=workflow.pk)))
    if "description" in fields:
        checks.append(lambda: cleaned.update(description=_description(fields["description"])))
    for flag in ("is_enabled", "run_in_drills"):
        if flag in fields:
            checks.append(lambda flag=flag: cleaned.update({flag: _flag(flag, fields[flag])}))
    for check in checks:
        try:
            check()
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    for field, value in cleaned.items():
        setattr(workflow, field, value)
    after = _snapshot(workflow)
    changes = {field: {"from": before[field], "to": after[field]} for field in FIELDS if before[field] != after[field]}
    if not changes:
        return workflow
    _save(workflow)
    _audit(workflow, actor, "workflow.updated", changes)
    return workflow


@transaction.atomic
def workflow_set_enabled(*, workflow: Workflow, actor: Actor, enabled: bool) -> Workflow:
    """Turn a workflow on or off (its definition is checked again before it is turned on); audited."""
    if enabled:
        return workflow_update(workflow=workflow, actor=actor, is_enabled=True)
    workflow = Workflow.objects.select_for_update().select_related("organization").get(pk=workflow.pk)
    if not workflow.is_enabled:
        return workflow
    workflow.is_enabled = False
    workflow.save(update_fields=["is_enabled", "updated_at"])
    _audit(workflow, actor, "workflow.updated", {"is_enabled": {"from": True, "to": False}})
    return workflow


@transaction.atomic
def workflow_delete(*, workflow: Workflow, actor: Actor) -> None:
    """Delete a workflow; its runs stay in the log under its name (their pending steps still run)."""
    workflow = Workflow.objects.select_for_update().select_related("organization").get(pk=workflow.pk)
    _audit(workflow, actor, "workflow.deleted", _snapshot(workflow))
    workflow.delete()

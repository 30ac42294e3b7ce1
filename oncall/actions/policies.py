"""Writes of escalation policies: create, update (steps replaced as a whole, atomically) and delete.

A step is given as {"wait_minutes": int, "targets": [{"kind": "user", "user": User} |
{"kind": "schedule", "schedule": Schedule} | {"kind": "team", "team": Team}, ...]}.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from oncall.models import EscalationPolicy, EscalationStep, EscalationStepTarget, Schedule, StepTargetKind
from orgs import actions as org_actions
from orgs.models import Membership, Organization, Team, User
from orgs.tenancy import Actor
from services.models import Service

POLICY_FIELDS = ("name", "slug", "description", "owner_team", "repeat_count", "steps")
POLICY_RESERVED_SLUGS = frozenset({"new"})
MAX_STEPS = 20
MAX_TARGETS_PER_STEP = 50
MAX_REPEAT = 10
MAX_WAIT_MINUTES = 24 * 60
TARGET_FIELD = {StepTargetKind.USER: "user", StepTargetKind.SCHEDULE: "schedule", StepTargetKind.TEAM: "team"}


def target_label(target: Any) -> str:
    """`user:ana@x`, `schedule:payments-primary`, `team:platform`: how a target reads in the audit log."""
    kind = target["kind"] if isinstance(target, dict) else target.kind
    obj = target[TARGET_FIELD[kind]] if isinstance(target, dict) else getattr(target, TARGET_FIELD[kind])
    return f"{kind}:{obj.email if kind == StepTargetKind.USER else obj.slug}"


def policy_snapshot(policy: EscalationPolicy) -> dict[str, Any]:
    """A comparable picture of a policy for the audit log: fields plus steps as readable target lists."""
    return {
        "name": policy.name,
        "slug": policy.slug,
        "description": policy.description,
        "owner_team": policy.owner_team.slug if policy.owner_team_id else None,
        "repeat_count": policy.repeat_count,
        "steps": [
            {"wait_minutes": step.wait_minutes, "targets": [target_label(t) for t in step.targets.all()]}
            for step in policy.steps.order_by("position").prefetch_related(
                "targets__user", "targets__schedule", "targets__team"
            )
        ],
    }


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {k: {"before": before.get(k), "after": v} for k, v in after.items() if before.get(k) != v}


def _clean_targets(organization: Organization, number: int, targets: list[dict[str, Any]], errors: list[str]) -> list:
    """The step's targets, checked to be of this org (people must be members), duplicates dropped."""
    clean: dict[tuple[str, int], dict[str, Any]] = {}
    member_ids = None
    for target in targets or []:
        kind = target.get("kind")
        if kind not in StepTargetKind.values:
            errors.append(f"Step {number}: “{kind}” is not a target kind (user, schedule or team).")
            continue
        obj = target.get(TARGET_FIELD[kind])
        expected = {StepTargetKind.USER: User, StepTargetKind.SCHEDULE: Schedule, StepTargetKind.TEAM: Team}[kind]
        if not isinstance(obj, expected):
            errors.append(f"Step {number}: a {kind} target needs a {kind}.")
            continue
        if kind == StepTargetKind.USER:
            if member_ids is None:
                member_ids = set(Membership.objects.filter(organization=organization).values_list("user_id", flat=True))
            if obj.pk not in member_ids:
                errors.append(f"Step {number}: {obj.email} is not a member of this organization.")
                continue
        elif obj.organization_id != organization.pk:
            errors.append(f"Step {number}: choose a {kind} of this organization.")
            continue
        clean.setdefault((kind, obj.pk), {"kind": kind, TARGET_FIELD[kind]: obj})
    return list(clean.values())


def _clean_steps(organization: Organization, steps: Any) -> list[dict[str, Any]]:
    """Validate the whole step list; raises one ValidationError on "steps" naming every problem."""
    errors: list[str] = []
    if not steps:
        raise ValidationError({"steps": "Add at least one step: who is notified first."})
    if len(steps) > MAX_STEPS:
        raise ValidationError({"steps": f"A policy has at most {MAX_STEPS} steps."})
    clean = []
    for number, step in enumerate(steps, 1):
        wait = step.get("wait_minutes")
        if isinstance(wait, bool) or not isinstance(wait, int) or not 1 <= wait <= MAX_WAIT_MINUTES:
            errors.append(f"Step {number}: wait between 1 and {MAX_WAIT_MINUTES} minutes for an acknowledgement.")
        targets = _clean_targets(organization, number, step.get("targets") or [], errors)
        if not targets and not step.get("targets"):
            errors.append(f"Step {number}: choose at least one person, schedule or team to notify.")
        elif len(targets) > MAX_TARGETS_PER_STEP:
            errors.append(f"Step {number}: at most {MAX_TARGETS_PER_STEP} targets per step.")
        clean.append({"wait_minutes": wait, "targets": targets})
    if errors:
        raise ValidationError({"steps": errors})
    return clean


def _clean(organization: Organization, fields: dict[str, Any], policy: EscalationPolicy | None) -> dict[str, Any]:
    """Normalise and check fields; one ValidationError naming every bad field."""
    errors: dict[str, Any] = {}
    clean = dict(fields)
    if "name" in clean:
        clean["name"] = (clean["name"] or "").strip()
        if not clean["name"]:
            errors["name"] = "Name the policy, e.g. “Payments escalation”."
        elif len(clean["name"]) > 100:
            errors["name"] = "Use at most 100 characters."
    if "slug" in clean or policy is None:
        slug = slugify((clean.get("slug") or "").strip() or clean.get("name") or "")[:63].strip("-")
        clean["slug"] = slug
        if not slug:
            errors["slug"] = "Use letters, numbers or hyphens."
        elif slug in POLICY_RESERVED_SLUGS:
            errors["slug"] = f"“{slug}” is reserved; choose another."
        elif (
            EscalationPolicy.objects.for_org(organization)
            .filter(slug=slug)
            .exclude(pk=getattr(policy, "pk", None))
            .exists()
        ):
            errors["slug"] = f"A policy with the slug “{slug}” already exists."
    if "description" in clean:
        clean["description"] = (clean["description"] or "").strip()
    if clean.get("owner_team") is not None and clean["owner_team"].organization_id != organization.pk:
        errors["owner_team"] = "Choose a team of this organization."
    if "repeat_count" in clean:
        repeat = clean["repeat_count"]
        if isinstance(repeat, bool) or not isinstance(repeat, int) or not 0 <= repeat <= MAX_REPEAT:
            errors["repeat_count"] = f"Repeat the policy 0 to {MAX_REPEAT} times."
    if "steps" in clean:
        try:
            clean["steps"] = _clean_steps(organization, clean["steps"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return clean


def _steps_replace(policy: EscalationPolicy, steps: list[dict[str, Any]]) -> None:
    """Swap the policy's steps for `steps` (caller holds the transaction and validated them)."""
    EscalationStep.objects.filter(policy=policy).delete()
    created = EscalationStep.objects.bulk_create(
        EscalationStep(
            organization_id=policy.organization_id, policy=policy, position=position, wait_minutes=s["wait_minutes"]
        )
        for position, s in enumerate(steps)
    )
    EscalationStepTarget.objects.bulk_create(
        EscalationStepTarget(organization_id=policy.organization_id, step=step, **target)
        for step, spec in zip(created, steps, strict=True)
        for target in spec["targets"]
    )


@transaction.atomic
def policy_create(
    *,
    organization: Organization,
    actor: Actor,
    name: str,
    steps: list[dict[str, Any]],
    slug: str = "",
    description: str = "",
    owner_team: Team | None = None,
    repeat_count: int = 0,
) -> EscalationPolicy:
    """Create an escalation policy with its ordered steps; all or nothing."""
    clean = _clean(
        organization,
        {
            "name": name,
            "slug": slug,
            "description": description,
            "owner_team": owner_team,
            "repeat_count": repeat_count,
            "steps": steps,
        },
        None,
    )
    steps = clean.pop("steps")
    policy = EscalationPolicy.objects.create(organization=organization, **clean)
    _steps_replace(policy, steps)
    org_actions.audit_record(
        organization=organization,
        actor=actor,
        action="escalation_policy.created",
        target=policy,
        changes=_changes({}, policy_snapshot(policy)),
    )
    return policy


@transaction.atomic
def policy_update(*, policy: EscalationPolicy, actor: Actor, **fields: Any) -> EscalationPolicy:
    """Change a policy; `steps`, when given, replace the old ones as a whole. No-op without changes."""
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise ValueError(f"Unknown policy fields: {sorted(unknown)}")
    policy = EscalationPolicy.objects.select_for_update(of=("self",)).select_related("owner_team").get(pk=policy.pk)
    before = policy_snapshot(policy)
    clean = _clean(policy.organization, fields, policy)
    steps = clean.pop("steps", None)
    for field, value in clean.items():
        setattr(policy, field, value)
    scalars = [f for f in clean if before.get(f) != policy_snapshot_value(policy, f)]
    if scalars:
        policy.save(update_fields=[*scalars, "updated_at"])
    if steps is not None and steps_snapshot(steps) != before["steps"]:
        _steps_replace(policy, steps)
    changes = _changes(before, policy_snapshot(policy))
    if changes:
        org_actions.audit_record(
            organization=policy.organization,
            actor=actor,
            action="escalation_policy.updated",
            target=policy,
            changes=changes,
        )
    return policy


def policy_snapshot_value(policy: EscalationPolicy, field: str) -> Any:
    """One scalar of the snapshot, as policy_snapshot would show it."""
    if field == "owner_team":
        return policy.owner_team.slug if policy.owner_team_id else None
    return getattr(policy, field)


def steps_snapshot(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validated step specs in the snapshot's shape, to tell whether they differ from the stored steps."""
    return [{"wait_minutes": s["wait_minutes"], "targets": [target_label(t) for t in s["targets"]]} for s in steps]


@transaction.atomic
def policy_delete(*, policy: EscalationPolicy, actor: Actor) -> list[Service]:
    """Delete a policy; the services using it are left with no policy (returned, so the caller can say so)."""
    services = list(Service.objects.for_org(policy.organization).filter(escalation_policy=policy).order_by("name"))
    org_actions.audit_record(
        organization=policy.organization,
        actor=actor,
        action="escalation_policy.deleted",
        target=policy,
        changes={
            **{field: {"before": value, "after": None} for field, value in policy_snapshot(policy).items()},
            "services": {"before": [s.slug for s in services], "after": []},
        },
    )
    Service.objects.filter(pk__in=[s.pk for s in services]).update(escalation_policy=None, updated_at=timezone.now())
    policy.delete()
    return services

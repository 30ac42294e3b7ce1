"""The audit log: every app records who changed what through `audit_record`."""

from typing import Any

from django.db.models import Model

from orgs.models import AuditEvent, Organization
from orgs.tenancy import Actor


def audit_record(
    *,
    organization: Organization,
    actor: Actor,
    action: str,
    target: Model | None = None,
    target_type: str = "",
    target_id: str = "",
    target_label: str = "",
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record who did what to which object; called inside the transaction of the change itself."""
    if target is not None:
        target_type = target_type or target._meta.model_name or ""
        target_id = target_id or str(getattr(target, "uuid", None) or getattr(target, "slug", None) or target.pk)
        target_label = target_label or str(target)
    return AuditEvent.objects.create(
        organization=organization,
        actor_user=actor.user,
        actor_token=actor.token,
        actor_label=actor.label,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label[:200],
        changes=changes or {},
        ip_address=actor.ip_address,
    )


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {k: {"before": before[k], "after": after[k]} for k in after if before.get(k) != after[k]}

"""Triage by people: acknowledge, resolve, silence and merge alert groups (paging stops through alerting.paging)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alerting import paging
from alerting.actions.groups import group_audit, groups_changed, lock_group
from alerting.models import SEVERITY_RANK, Alert, AlertGroup, AlertGroupStatus
from orgs.tenancy import Actor


@transaction.atomic
def alert_group_acknowledge(*, group: AlertGroup, actor: Actor) -> AlertGroup:
    """A person takes the alert: paging stops. Idempotent."""
    group = lock_group(group)
    if group.status != AlertGroupStatus.TRIGGERED:
        return group
    group.status = AlertGroupStatus.ACKNOWLEDGED
    group.acknowledged_at = timezone.now()
    group.acknowledged_by = actor.user
    group.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "updated_at"])
    group_audit(group, actor, "acknowledged", {"status": {"before": "triggered", "after": "acknowledged"}})
    paging.alert_group_paging_stop(group=group)
    groups_changed([group], actor=actor)
    return group


@transaction.atomic
def alert_group_resolve(*, group: AlertGroup, actor: Actor) -> AlertGroup:
    """Resolve the group; the next trigger with its key opens a new group. Idempotent."""
    group = lock_group(group)
    if group.status == AlertGroupStatus.RESOLVED:
        return group
    before = group.status
    group.status = AlertGroupStatus.RESOLVED
    group.resolved_at = timezone.now()
    group.resolved_by = actor.user
    group.save(update_fields=["status", "resolved_at", "resolved_by", "updated_at"])
    group_audit(group, actor, "resolved", {"status": {"before": before, "after": "resolved"}})
    paging.alert_group_paging_stop(group=group)
    groups_changed([group], actor=actor)
    return group


@transaction.atomic
def alert_group_silence(*, group: AlertGroup, until: datetime | None, actor: Actor) -> AlertGroup:
    """Silence notifications for the group until `until` (None lifts the silence)."""
    if until is not None and until <= timezone.now():
        raise ValidationError({"until": "Silence until a time in the future."})
    group = lock_group(group)
    before = group.silenced_until
    group.silenced_until = until
    group.save(update_fields=["silenced_until", "updated_at"])
    group_audit(
        group,
        actor,
        "silenced" if until else "unsilenced",
        {
            "silenced_until": {
                "before": before.isoformat() if before else None,
                "after": until.isoformat() if until else None,
            }
        },
    )
    groups_changed([group], actor=actor)
    return group


@transaction.atomic
def alert_group_merge(*, target: AlertGroup, sources: list[AlertGroup], actor: Actor) -> AlertGroup:
    """Fold other groups of the org into `target`: their alerts move, they resolve as merged."""
    target = lock_group(target)
    moved = 0
    for source in sources:
        if source.pk == target.pk:
            continue
        if source.organization_id != target.organization_id:
            raise ValidationError({"groups": "Only groups of this organization can be merged."})
        source = lock_group(source)
        moved += Alert.objects.filter(group=source).update(group=target)
        source.status = AlertGroupStatus.RESOLVED
        source.resolved_at = source.resolved_at or timezone.now()
        source.merged_into = target
        source.save(update_fields=["status", "resolved_at", "merged_into", "updated_at"])
        if SEVERITY_RANK[source.severity] < SEVERITY_RANK[target.severity]:
            target.severity = source.severity
        target.first_seen = min(target.first_seen, source.first_seen)
        target.last_seen = max(target.last_seen, source.last_seen)
        group_audit(source, actor, "merged", {"merged_into": {"before": None, "after": str(target.uuid)}})
        paging.alert_group_paging_stop(group=source)
    target.alert_count = Alert.objects.filter(group=target).count()
    target.save(update_fields=["severity", "first_seen", "last_seen", "alert_count", "updated_at"])
    groups_changed([target, *(source for source in sources if source.pk != target.pk)], actor=actor)
    return target

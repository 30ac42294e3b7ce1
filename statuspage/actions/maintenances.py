"""Scheduled maintenance of a status page (admin-only, audited in the same transaction): schedule (announce),
edit, move along its lifecycle, post updates, delete (cancel).

The lifecycle is scheduled → in_progress → verifying → completed. In progress may complete without verifying,
and a failed verification goes back to in progress; nothing leaves completed and nothing skips being started.
Every move posts a MaintenanceUpdate (the body given, or a sentence saying the move), which is what the page
and subscribers show; events: `maintenance.changed`, `maintenance.status_changed`, `maintenance_update.posted`."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import events
from core.fields import validate_date_in_range
from orgs import actions as org_actions
from orgs.tenancy import Actor
from statuspage.events import MaintenanceChanged, MaintenanceStatusChanged, MaintenanceUpdatePosted
from statuspage.models import (
    Component,
    Maintenance,
    MaintenanceComponent,
    MaintenanceStatus,
    MaintenanceUpdate,
    StatusPage,
)

MAINTENANCE_FIELDS = ("title", "body", "scheduled_for", "scheduled_until", "components")
# status -> the statuses it may move to.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    MaintenanceStatus.SCHEDULED: (MaintenanceStatus.IN_PROGRESS,),
    MaintenanceStatus.IN_PROGRESS: (MaintenanceStatus.VERIFYING, MaintenanceStatus.COMPLETED),
    MaintenanceStatus.VERIFYING: (MaintenanceStatus.COMPLETED, MaintenanceStatus.IN_PROGRESS),
    MaintenanceStatus.COMPLETED: (),
}
DEFAULT_BODIES = {
    MaintenanceStatus.SCHEDULED: "This maintenance is scheduled.",
    MaintenanceStatus.IN_PROGRESS: "The maintenance is in progress.",
    MaintenanceStatus.VERIFYING: "The work is done; we are verifying that everything works.",
    MaintenanceStatus.COMPLETED: "The maintenance is complete.",
}


def _audit(maintenance: Maintenance, actor: Actor, action: str, changes: dict[str, Any]) -> None:
    org_actions.audit_record(
        organization=maintenance.organization,
        actor=actor,
        action=action,
        target_type="maintenance",
        target_id=str(maintenance.uuid),
        target_label=maintenance.title,
        changes=changes,
    )


def _check(page: StatusPage, fields: dict[str, Any]) -> None:
    if "title" in fields and not fields["title"].strip():
        raise ValidationError({"title": "Give the maintenance a title (what visitors see)."})
    for name in ("scheduled_for", "scheduled_until"):
        try:
            validate_date_in_range(fields.get(name))
        except ValidationError as exc:
            raise ValidationError({name: exc.messages}) from exc
    start, end = fields.get("scheduled_for"), fields.get("scheduled_until")
    if start is not None and end is not None and end <= start:
        raise ValidationError({"scheduled_until": "The maintenance must end after it starts."})
    if any(component.page_id != page.pk for component in fields.get("components") or ()):
        raise ValidationError({"components": "Choose components of this status page."})


def _components_set(maintenance: Maintenance, components: Iterable[Component]) -> list[str]:
    components = list(dict.fromkeys(components))
    MaintenanceComponent.objects.filter(maintenance=maintenance).delete()
    MaintenanceComponent.objects.bulk_create(
        MaintenanceComponent(organization=maintenance.organization, maintenance=maintenance, component=component)
        for component in components
    )
    return sorted(component.name for component in components)


def _update_add(maintenance: Maintenance, status: str, body: str) -> MaintenanceUpdate:
    return MaintenanceUpdate.objects.create(
        organization=maintenance.organization,
        maintenance=maintenance,
        status=status,
        body=body.strip() or DEFAULT_BODIES[status],
    )


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


@transaction.atomic
def maintenance_schedule(
    *,
    page: StatusPage,
    actor: Actor,
    title: str,
    scheduled_for: datetime,
    scheduled_until: datetime,
    body: str = "",
    components: Iterable[Component] = (),
) -> Maintenance:
    """Announce a maintenance on the page (status scheduled, with a first update carrying `body`)."""
    components = list(components)
    _check(
        page,
        {"title": title, "scheduled_for": scheduled_for, "scheduled_until": scheduled_until, "components": components},
    )
    maintenance = Maintenance.objects.create(
        organization=page.organization,
        page=page,
        title=title.strip(),
        body=body,
        scheduled_for=scheduled_for,
        scheduled_until=scheduled_until,
    )
    names = _components_set(maintenance, components)
    update = _update_add(maintenance, MaintenanceStatus.SCHEDULED, body)
    _audit(
        maintenance,
        actor,
        "maintenance.scheduled",
        {
            "page": page.slug,
            "scheduled_for": _iso(scheduled_for),
            "scheduled_until": _iso(scheduled_until),
            "components": names,
        },
    )
    events.publish(
        MaintenanceChanged(
            organization_id=maintenance.organization_id,
            actor=actor,
            change="scheduled",
            maintenance_id=maintenance.pk,
            page_id=page.pk,
            title=maintenance.title,
            update_id=update.pk,
        )
    )
    return maintenance


@transaction.atomic
def maintenance_update(*, maintenance: Maintenance, actor: Actor, **fields: Any) -> Maintenance:
    """Edit a maintenance that is not completed: title, body, window, components."""
    if set(fields) - set(MAINTENANCE_FIELDS):
        raise TypeError(f"maintenance_update got unknown fields {sorted(set(fields) - set(MAINTENANCE_FIELDS))}")
    maintenance = Maintenance.objects.select_for_update().select_related("page").get(pk=maintenance.pk)
    if maintenance.status == MaintenanceStatus.COMPLETED:
        raise ValidationError("A completed maintenance is history: it cannot be edited.")
    components = fields.pop("components", None)
    window = {"scheduled_for": maintenance.scheduled_for, "scheduled_until": maintenance.scheduled_until}
    _check(maintenance.page, {**window, **fields, "components": components or ()})
    if "title" in fields:
        fields["title"] = fields["title"].strip()
    changes = {
        k: {"before": _iso(getattr(maintenance, k)), "after": _iso(v)}
        for k, v in fields.items()
        if getattr(maintenance, k) != v
    }
    if components is not None:
        before = sorted(maintenance.components.values_list("name", flat=True))
        after = sorted({c.name for c in components})
        if before != after or len(set(components)) != maintenance.components.count():
            changes["components"] = {"before": before, "after": _components_set(maintenance, components)}
    if not changes:
        return maintenance
    for name, value in fields.items():
        setattr(maintenance, name, value)
    maintenance.save(update_fields=[*fields, "updated_at"])
    _audit(maintenance, actor, "maintenance.updated", changes)
    events.publish(
        MaintenanceChanged(
            organization_id=maintenance.organization_id,
            actor=actor,
            change="updated",
            maintenance_id=maintenance.pk,
            page_id=maintenance.page_id,
            title=maintenance.title,
            fields=tuple(changes),
        )
    )
    return maintenance


@transaction.atomic
def maintenance_transition(*, maintenance: Maintenance, actor: Actor, status: str, body: str = "") -> Maintenance:
    """Move a maintenance to `status` (TRANSITIONS says which moves are legal), posting an update with `body`.
    Starting stamps `started_at`, completing `completed_at`."""
    maintenance = Maintenance.objects.select_for_update().get(pk=maintenance.pk)
    before = maintenance.status
    if status not in TRANSITIONS.get(before, ()):
        allowed = TRANSITIONS.get(before, ())
        label = MaintenanceStatus(before).label.lower()
        target = MaintenanceStatus(status).label.lower() if status in MaintenanceStatus.values else repr(status)
        reason = f"it can only move to {' or '.join(MaintenanceStatus(s).label.lower() for s in allowed)}"
        reason = reason if allowed else "nothing moves a completed maintenance"
        raise ValidationError({"status": f"This maintenance is {label}: it cannot move to {target}; {reason}."})
    now = timezone.now()
    maintenance.status = status
    update_fields = ["status", "updated_at"]
    if status == MaintenanceStatus.IN_PROGRESS and maintenance.started_at is None:
        maintenance.started_at = now
        update_fields.append("started_at")
    if status == MaintenanceStatus.COMPLETED:
        maintenance.completed_at = now
        update_fields.append("completed_at")
    maintenance.save(update_fields=update_fields)
    update = _update_add(maintenance, status, body)
    _audit(
        maintenance,
        actor,
        "maintenance.status_changed",
        {"status": {"before": before, "after": status}, "update": update.body},
    )
    events.publish(
        MaintenanceStatusChanged(
            organization_id=maintenance.organization_id,
            actor=actor,
            maintenance_id=maintenance.pk,
            page_id=maintenance.page_id,
            before=before,
            after=status,
            update_id=update.pk,
        )
    )
    return maintenance


@transaction.atomic
def maintenance_update_post(*, maintenance: Maintenance, actor: Actor, body: str) -> MaintenanceUpdate:
    """Post an update on a maintenance without moving it (its current status)."""
    if not body.strip():
        raise ValidationError({"body": "Write the update."})
    maintenance = Maintenance.objects.select_for_update().get(pk=maintenance.pk)
    update = _update_add(maintenance, maintenance.status, body)
    _audit(maintenance, actor, "maintenance.update_posted", {"status": maintenance.status, "update": update.body})
    events.publish(
        MaintenanceUpdatePosted(
            organization_id=maintenance.organization_id,
            actor=actor,
            maintenance_id=maintenance.pk,
            page_id=maintenance.page_id,
            update_id=update.pk,
            status=update.status,
        )
    )
    return update


@transaction.atomic
def maintenance_delete(*, maintenance: Maintenance, actor: Actor) -> None:
    """Delete (cancel) a maintenance with its updates."""
    _audit(maintenance, actor, "maintenance.deleted", {"status": maintenance.status})
    events.publish(
        MaintenanceChanged(
            organization_id=maintenance.organization_id,
            actor=actor,
            change="deleted",
            maintenance_id=maintenance.pk,
            page_id=maintenance.page_id,
            title=maintenance.title,
        )
    )
    maintenance.delete()

"""Schedules and their layers (rotations): created, edited, reordered and deleted, audited."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from oncall.actions.schedules.validation import (
    LAYER_FIELDS,
    SCHEDULE_FIELDS,
    _clean_layer,
    _clean_schedule,
    _layer_snapshot,
    _set_members,
)
from oncall.models import Schedule, ScheduleLayer
from oncall.selectors import schedules as schedule_selectors
from orgs import actions as org_actions
from orgs.models import Organization, Team, User
from orgs.tenancy import Actor


@transaction.atomic
def schedule_create(*, organization: Organization, actor: Actor, name: str, **fields: Any) -> Schedule:
    """Create a schedule (slug from the name unless given); it has nobody on call until a layer is added."""
    unknown = set(fields) - set(SCHEDULE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown schedule fields: {sorted(unknown)}")
    clean = _clean_schedule(organization, {"name": name, **fields}, None)
    schedule = Schedule.objects.create(organization=organization, **clean)
    org_actions.audit_record(
        organization=organization,
        actor=actor,
        action="schedule.created",
        target=schedule,
        changes={"time_zone": {"before": None, "after": schedule.time_zone}},
    )
    return schedule


@transaction.atomic
def schedule_update(*, schedule: Schedule, actor: Actor, **fields: Any) -> Schedule:
    """Rename, re-slug, change the time zone (hand-offs keep their local times) or the owner team."""
    unknown = set(fields) - set(SCHEDULE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown schedule fields: {sorted(unknown)}")
    schedule = Schedule.objects.select_for_update().select_related("organization").get(pk=schedule.pk)
    clean = _clean_schedule(schedule.organization, fields, schedule)
    changes = {}
    for field, value in clean.items():
        before = getattr(schedule, field)
        if before != value:
            changes[field] = {
                "before": before.slug if isinstance(before, Team) else before,
                "after": value.slug if isinstance(value, Team) else value,
            }
            setattr(schedule, field, value)
    if changes:
        schedule.save(update_fields=[*changes, "updated_at"])
        org_actions.audit_record(
            organization=schedule.organization, actor=actor, action="schedule.updated", target=schedule, changes=changes
        )
    return schedule


@transaction.atomic
def schedule_delete(*, schedule: Schedule, actor: Actor) -> None:
    """Delete a schedule with its layers and overrides; refused while an escalation policy pages it."""
    policies = schedule_selectors.schedule_policy_names(schedule=schedule)
    if policies:
        raise ValidationError(
            f"Escalation policies page this schedule: {', '.join(policies)}. Change their steps first, "
            "so that no page goes nowhere."
        )
    org_actions.audit_record(
        organization=schedule.organization, actor=actor, action="schedule.deleted", target=schedule
    )
    schedule.delete()


@transaction.atomic
def layer_create(
    *, schedule: Schedule, actor: Actor, users: list[User], position: int | None = None, **fields: Any
) -> ScheduleLayer:
    """Add a rotation layer with participants in turn order; by default on top (it wins where it has someone)."""
    unknown = set(fields) - set(LAYER_FIELDS)
    if unknown:
        raise ValueError(f"Unknown layer fields: {sorted(unknown)}")
    schedule = Schedule.objects.select_for_update().select_related("organization").get(pk=schedule.pk)
    clean = _clean_layer(fields, None)
    top = ScheduleLayer.objects.filter(schedule=schedule).aggregate(top=Max("position"))["top"]
    if position is None:
        position = 0 if top is None else top + 1
    elif ScheduleLayer.objects.filter(schedule=schedule, position=position).exists():
        raise ValidationError({"position": f"Another layer of this schedule is at position {position}."})
    layer = ScheduleLayer.objects.create(
        organization=schedule.organization, schedule=schedule, position=position, **clean
    )
    layer.organization = schedule.organization
    _set_members(layer, users)
    org_actions.audit_record(
        organization=schedule.organization,
        actor=actor,
        action="schedule.layer_created",
        target=schedule,
        changes={"layer": {"before": None, "after": _layer_snapshot(layer)}},
    )
    return layer


@transaction.atomic
def layer_update(
    *, layer: ScheduleLayer, actor: Actor, users: list[User] | None = None, **fields: Any
) -> ScheduleLayer:
    """Change a layer's rotation, hand-off, dates, restrictions or participants (the new order applies at once)."""
    unknown = set(fields) - set(LAYER_FIELDS)
    if unknown:
        raise ValueError(f"Unknown layer fields: {sorted(unknown)}")
    layer = ScheduleLayer.objects.select_for_update().select_related("organization", "schedule").get(pk=layer.pk)
    before = _layer_snapshot(layer)
    clean = _clean_layer(fields, layer)
    for field, value in clean.items():
        setattr(layer, field, value)
    if clean:
        layer.save(update_fields=[*clean, "updated_at"])
    if users is not None:
        _set_members(layer, users)
    after = _layer_snapshot(layer)
    if after != before:
        org_actions.audit_record(
            organization=layer.organization,
            actor=actor,
            action="schedule.layer_updated",
            target=layer.schedule,
            changes={"layer": {"before": before, "after": after}},
        )
    return layer


@transaction.atomic
def layer_delete(*, layer: ScheduleLayer, actor: Actor) -> None:
    """Remove a layer; the layers below it show through where it used to win."""
    org_actions.audit_record(
        organization=layer.organization,
        actor=actor,
        action="schedule.layer_deleted",
        target=layer.schedule,
        changes={"layer": {"before": _layer_snapshot(layer), "after": None}},
    )
    layer.delete()


@transaction.atomic
def layer_move(*, layer: ScheduleLayer, actor: Actor, up: bool) -> ScheduleLayer:
    """Swap a layer with the next higher (up) or lower one: the higher of two overlapping layers wins."""
    layers = list(ScheduleLayer.objects.select_for_update().filter(schedule_id=layer.schedule_id).order_by("position"))
    index = next(i for i, la in enumerate(layers) if la.pk == layer.pk)
    other_index = index + 1 if up else index - 1
    if not 0 <= other_index < len(layers):
        return layers[index]
    mine, other = layers[index], layers[other_index]
    mine_position, other_position = mine.position, other.position
    # The positions are unique per schedule: park one out of the way while swapping.
    parked = max(la.position for la in layers) + 1
    ScheduleLayer.objects.filter(pk=mine.pk).update(position=parked)
    ScheduleLayer.objects.filter(pk=other.pk).update(position=mine_position, updated_at=timezone.now())
    ScheduleLayer.objects.filter(pk=mine.pk).update(position=other_position, updated_at=timezone.now())
    mine.refresh_from_db()
    org_actions.audit_record(
        organization=mine.organization,
        actor=actor,
        action="schedule.layer_moved",
        target=mine.schedule,
        changes={"layer": {"before": f"{mine.name} at {mine_position}", "after": f"{mine.name} at {other_position}"}},
    )
    return mine

"""Writes of a status page's component groups and components (admin-only, audited in the same transaction,
each publishing `component_group.changed` / `status_component.changed`): add, edit, reorder, delete, and the
manual status override with its reason (the status otherwise follows the component's service and maintenance).

A component usually stands for one service (at most one component per service on a page); the service, like
the group, must belong to the page's org and page."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from core import events
from orgs import actions as org_actions
from orgs.tenancy import Actor
from services.models import Service
from statuspage.events import ComponentChanged, ComponentGroupChanged
from statuspage.models import Component, ComponentGroup, ComponentStatus, StatusPage

GROUP_FIELDS = ("name", "description", "position")
COMPONENT_FIELDS = ("name", "description", "position", "group", "service")
DIRECTIONS = ("up", "down")


def _label(value: Any) -> Any:
    if isinstance(value, ComponentGroup | Service):
        return value.name
    return value


def _diff(obj: Any, fields: dict[str, Any]) -> dict[str, Any]:
    return {
        k: {"before": _label(getattr(obj, k)), "after": _label(v)} for k, v in fields.items() if getattr(obj, k) != v
    }


def _audit(obj: Component | ComponentGroup, actor: Actor, action: str, changes: dict[str, Any]) -> None:
    org_actions.audit_record(
        organization=obj.organization,
        actor=actor,
        action=action,
        target_type="status_component" if isinstance(obj, Component) else "component_group",
        target_id=str(obj.uuid),
        target_label=f"{obj.page.title}: {obj.name}",
        changes=changes,
    )


def _publish_group(group: ComponentGroup, actor: Actor, change: str, fields: Any = ()) -> None:
    events.publish(
        ComponentGroupChanged(
            organization_id=group.organization_id,
            actor=actor,
            change=change,
            group_id=group.pk,
            page_id=group.page_id,
            fields=tuple(fields),
        )
    )


def _publish_component(component: Component, actor: Actor, change: str, fields: Any = (), **extra: str) -> None:
    events.publish(
        ComponentChanged(
            organization_id=component.organization_id,
            actor=actor,
            change=change,
            component_id=component.pk,
            page_id=component.page_id,
            fields=tuple(fields),
            **extra,
        )
    )


def _name_check(name: str | None) -> None:
    if name is not None and not name.strip():
        raise ValidationError({"name": "Give it a name (visitors of the page see it)."})


def _next_position(queryset: Any) -> int:
    top = queryset.aggregate(top=Max("position"))["top"]
    return 0 if top is None else top + 1


def _component_check(page: StatusPage, fields: dict[str, Any], exclude_pk: int | None) -> None:
    _name_check(fields.get("name"))
    group = fields.get("group")
    if group is not None and group.page_id != page.pk:
        raise ValidationError({"group": "Choose a group of this status page."})
    service = fields.get("service")
    if service is not None:
        if service.organization_id != page.organization_id:
            raise ValidationError({"service": "Choose a service of this organization."})
        taken = Component.objects.filter(page=page, service=service).exclude(pk=exclude_pk).first()
        if taken is not None:
            raise ValidationError({"service": f"{taken.name} already shows {service.name} on this page."})


def _move(item: Any, siblings: Any, direction: str) -> bool:
    """Swap `item` with its neighbour in `siblings` (renumbered 0..n); whether it moved."""
    if direction not in DIRECTIONS:
        raise ValidationError({"direction": "Move up or down."})
    order = list(siblings.select_for_update())
    index = next(i for i, other in enumerate(order) if other.pk == item.pk)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(order):
        return False
    order[index], order[target] = order[target], order[index]
    for position, other in enumerate(order):
        if other.position != position:
            other.position = position
            other.save(update_fields=["position", "updated_at"])
    return True


# --- component groups ------------------------------------------------------------------------------------------


@transaction.atomic
def component_group_create(
    *, page: StatusPage, actor: Actor, name: str, description: str = "", position: int | None = None
) -> ComponentGroup:
    """Add a group to a page (last, unless a position is given)."""
    _name_check(name)
    if position is None:
        position = _next_position(ComponentGroup.objects.filter(page=page))
    group = ComponentGroup.objects.create(
        organization=page.organization, page=page, name=name.strip(), description=description, position=position
    )
    _audit(group, actor, "component_group.created", {"name": group.name, "position": position})
    _publish_group(group, actor, "created")
    return group


@transaction.atomic
def component_group_update(*, group: ComponentGroup, actor: Actor, **fields: Any) -> ComponentGroup:
    """Rename, describe or reposition a group."""
    if set(fields) - set(GROUP_FIELDS):
        raise TypeError(f"component_group_update got unknown fields {sorted(set(fields) - set(GROUP_FIELDS))}")
    group = ComponentGroup.objects.select_for_update().get(pk=group.pk)
    _name_check(fields.get("name"))
    if "name" in fields:
        fields["name"] = fields["name"].strip()
    changes = _diff(group, fields)
    if not changes:
        return group
    for name, value in fields.items():
        setattr(group, name, value)
    group.save(update_fields=[*fields, "updated_at"])
    _audit(group, actor, "component_group.updated", changes)
    _publish_group(group, actor, "updated", changes)
    return group


@transaction.atomic
def component_group_move(*, group: ComponentGroup, actor: Actor, direction: str) -> ComponentGroup:
    """Move a group one place up or down on its page."""
    if _move(group, ComponentGroup.objects.filter(page_id=group.page_id), direction):
        group.refresh_from_db()
        _audit(group, actor, "component_group.moved", {"direction": direction, "position": group.position})
        _publish_group(group, actor, "moved", ["position"])
    return group


@transaction.atomic
def component_group_delete(*, group: ComponentGroup, actor: Actor) -> None:
    """Delete a group; its components stay on the page, ungrouped."""
    members = list(group.components.values_list("name", flat=True))
    _audit(group, actor, "component_group.deleted", {"name": group.name, "ungrouped_components": members})
    _publish_group(group, actor, "deleted")
    group.delete()


# --- components --------------------------------------------------------------------------------------------------


@transaction.atomic
def component_create(
    *,
    page: StatusPage,
    actor: Actor,
    name: str,
    description: str = "",
    service: Service | None = None,
    group: ComponentGroup | None = None,
    position: int | None = None,
) -> Component:
    """Add a component to a page, usually for one service (its status then follows the service's health)."""
    fields = {"name": name, "description": description, "service": service, "group": group}
    _component_check(page, fields, None)
    if position is None:
        position = _next_position(Component.objects.filter(page=page, group=group))
    component = Component.objects.create(
        organization=page.organization, page=page, position=position, **{**fields, "name": name.strip()}
    )
    _audit(component, actor, "status_component.created", {k: _label(v) for k, v in fields.items()})
    _publish_component(component, actor, "created")
    return component


@transaction.atomic
def component_update(*, component: Component, actor: Actor, **fields: Any) -> Component:
    """Edit a component's public name, description, group, service or position."""
    if set(fields) - set(COMPONENT_FIELDS):
        raise TypeError(f"component_update got unknown fields {sorted(set(fields) - set(COMPONENT_FIELDS))}")
    component = Component.objects.select_for_update().select_related("page").get(pk=component.pk)
    _component_check(component.page, fields, component.pk)
    if "name" in fields:
        fields["name"] = fields["name"].strip()
    changes = _diff(component, fields)
    if not changes:
        return component
    for name, value in fields.items():
        setattr(component, name, value)
    component.save(update_fields=[*fields, "updated_at"])
    _audit(component, actor, "status_component.updated", changes)
    _publish_component(component, actor, "updated", changes)
    return component


@transaction.atomic
def component_move(*, component: Component, actor: Actor, direction: str) -> Component:
    """Move a component one place up or down within its group (or among the ungrouped ones)."""
    siblings = Component.objects.filter(page_id=component.page_id, group_id=component.group_id)
    if _move(component, siblings, direction):
        component.refresh_from_db()
        _audit(component, actor, "status_component.moved", {"direction": direction, "position": component.position})
        _publish_component(component, actor, "moved", ["position"])
    return component


@transaction.atomic
def component_status_override(*, component: Component, actor: Actor, status: str, reason: str) -> Component:
    """Set the component's status by hand (one of the five Statuspage values, with a reason), or clear the
    override with `status=""` so that it follows its service and maintenance again."""
    if status and status not in ComponentStatus.values:
        raise ValidationError({"status": f"Choose one of {', '.join(ComponentStatus.values)}, or none."})
    reason = reason.strip()
    if status and not reason:
        raise ValidationError({"reason": "Say why the status is set by hand (it is kept in the audit log)."})
    component = Component.objects.select_for_update().get(pk=component.pk)
    if component.status_override == status:
        return component
    before = component.status_override
    component.status_override = status
    component.save(update_fields=["status_override", "updated_at"])
    changes = {"status_override": {"before": before, "after": status}, "reason": reason}
    _audit(component, actor, "status_component.status_overridden", changes)
    _publish_component(
        component, actor, "status_overridden", ["status_override"], status_override=status, reason=reason
    )
    return component


@transaction.atomic
def component_delete(*, component: Component, actor: Actor) -> None:
    """Delete a component; past incidents and maintenance no longer name it."""
    _audit(component, actor, "status_component.deleted", {"name": component.name})
    _publish_component(component, actor, "deleted")
    component.delete()

"""Incident roles and tasks: assigning a role hands it over and turns its checklist into the holder's tasks."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import events
from incidents.actions.common import _check_member, _lock
from incidents.actions.timeline import timeline_event_add
from incidents.events import IncidentRoleAssigned
from incidents.models import Incident, IncidentRole, IncidentTask, RoleAssignment, TimelineKind
from orgs.models import User
from orgs.tenancy import Actor


@transaction.atomic
def role_assign(*, incident: Incident, role: IncidentRole, user: User, actor: Actor) -> RoleAssignment:
    """Give `user` the role (handing it over from the current holder); the checklist becomes their tasks."""
    incident = _lock(incident)
    if role.organization_id != incident.organization_id:
        raise ValidationError({"role": "Choose a role of this organization."})
    _check_member(incident.organization, user, "user")
    now = timezone.now()
    current = RoleAssignment.objects.filter(incident=incident, role=role, released_at=None).select_related("user")
    previous = current.first()
    if previous is not None and previous.user_id == user.pk:
        return previous
    if previous is not None:
        previous.released_at = now
        previous.save(update_fields=["released_at", "updated_at"])
    assignment = RoleAssignment.objects.create(
        organization_id=incident.organization_id,
        incident=incident,
        role=role,
        user=user,
        assigned_by=actor.user,
        assigned_at=now,
    )
    open_role_tasks = IncidentTask.objects.filter(incident=incident, role=role, completed_at=None)
    if IncidentTask.objects.filter(incident=incident, role=role).exists():
        open_role_tasks.update(assignee=user, updated_at=now)
    else:
        IncidentTask.objects.bulk_create(
            IncidentTask(
                organization_id=incident.organization_id,
                incident=incident,
                title=item,
                assignee=user,
                role=role,
                created_by=actor.user,
            )
            for item in role.checklist
        )
    timeline_event_add(
        incident=incident,
        kind=TimelineKind.ROLE_ASSIGNED,
        actor=actor,
        payload={
            "role": role.name,
            "user": user.display_name,
            "previous": previous.user.display_name if previous else None,
        },
    )
    events.publish(
        IncidentRoleAssigned(
            organization_id=incident.organization_id,
            actor=actor,
            incident_id=incident.pk,
            role_id=role.pk,
            role=role.name,
            user_id=user.pk,
            previous_user_id=previous.user_id if previous else None,
            assignment_id=assignment.pk,
        )
    )
    return assignment


@transaction.atomic
def role_release(*, incident: Incident, role: IncidentRole, actor: Actor) -> None:
    """Leave the role unassigned (history stays)."""
    incident = _lock(incident)
    current = (
        RoleAssignment.objects.filter(incident=incident, role=role, released_at=None).select_related("user").first()
    )
    if current is None:
        return
    current.released_at = timezone.now()
    current.save(update_fields=["released_at", "updated_at"])
    timeline_event_add(
        incident=incident,
        kind=TimelineKind.ROLE_RELEASED,
        actor=actor,
        payload={"role": role.name, "user": current.user.display_name},
    )


@transaction.atomic
def task_add(*, incident: Incident, title: str, actor: Actor, assignee: User | None = None) -> IncidentTask:
    """Add a task to the incident, optionally assigned to a member."""
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Describe the task."})
    _check_member(incident.organization, assignee, "assignee")
    task = IncidentTask.objects.create(
        organization_id=incident.organization_id,
        incident=incident,
        title=title,
        assignee=assignee,
        created_by=actor.user,
    )
    timeline_event_add(
        incident=incident,
        kind=TimelineKind.TASK_ADDED,
        actor=actor,
        payload={"task": title, "assignee": assignee.display_name if assignee else None},
    )
    return task


@transaction.atomic
def task_complete(*, task: IncidentTask, actor: Actor, completed: bool = True) -> IncidentTask:
    """Mark a task done (or not done again); idempotent."""
    task = IncidentTask.objects.select_for_update(of=("self",)).select_related("incident").get(pk=task.pk)
    if (task.completed_at is not None) == completed:
        return task
    task.completed_at = timezone.now() if completed else None
    task.completed_by = actor.user if completed else None
    task.save(update_fields=["completed_at", "completed_by", "updated_at"])
    timeline_event_add(
        incident=task.incident,
        kind=TimelineKind.TASK_COMPLETED if completed else TimelineKind.TASK_REOPENED,
        actor=actor,
        payload={"task": task.title},
    )
    return task


@transaction.atomic
def task_assign(*, task: IncidentTask, assignee: User | None, actor: Actor) -> IncidentTask:
    """Give a task to a member (or nobody); a no-op when nothing changes."""
    task = IncidentTask.objects.select_for_update(of=("self",)).select_related("incident", "assignee").get(pk=task.pk)
    _check_member(task.incident.organization, assignee, "assignee")
    if task.assignee_id == (assignee.pk if assignee else None):
        return task
    previous = task.assignee
    task.assignee = assignee
    task.save(update_fields=["assignee", "updated_at"])
    timeline_event_add(
        incident=task.incident,
        kind=TimelineKind.TASK_ASSIGNED,
        actor=actor,
        payload={
            "task": task.title,
            "assignee": assignee.display_name if assignee else None,
            "previous": previous.display_name if previous else None,
        },
    )
    return task

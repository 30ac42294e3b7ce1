"""Writes of the ticketing app: follow-up tickets (action items) of incidents and retrospectives."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from core import events, markdown
from incidents.models import Incident
from orgs import actions as org_actions
from orgs.models import Membership, Organization, User
from orgs.tenancy import Actor
from ticketing.events import FollowUpChanged, FollowUpOverdue
from ticketing.models import OPEN_FOLLOW_UP_STATUSES, FollowUp, FollowUpPriority, FollowUpSource, FollowUpStatus

UPDATABLE = ("title", "description", "status", "priority", "owner", "due_date", "incident")


def follow_up_path(follow_up: FollowUp) -> str:
    return reverse(
        "ticketing:follow-up-detail", kwargs={"org_slug": follow_up.organization.slug, "number": follow_up.number}
    )


def _check_member(organization: Organization, user: User | None) -> None:
    if user is not None and not Membership.objects.filter(organization=organization, user=user).exists():
        raise ValidationError({"owner": "Choose a member of this organization."})


def _changed(follow_up: FollowUp, actor: Actor, change: str, fields: tuple[str, ...] = ()) -> FollowUpChanged:
    return FollowUpChanged(
        organization_id=follow_up.organization_id,
        actor=actor,
        change=change,
        follow_up_id=follow_up.pk,
        number=follow_up.number,
        reference=follow_up.reference,
        title=follow_up.title,
        path=follow_up_path(follow_up),
        incident_id=follow_up.incident_id,
        owner=follow_up.owner.display_name if follow_up.owner else None,
        source=follow_up.source,
        fields=fields,
    )


def _check_choices(fields: dict[str, Any]) -> None:
    if "status" in fields and fields["status"] not in FollowUpStatus.values:
        raise ValidationError({"status": f"Choose one of {', '.join(FollowUpStatus.values)}."})
    if "priority" in fields and fields["priority"] not in FollowUpPriority.values:
        raise ValidationError({"priority": f"Choose one of {', '.join(FollowUpPriority.values)}."})


def _snapshot(value: Any) -> Any:
    if isinstance(value, User):
        return value.email
    if isinstance(value, Incident):
        return value.reference
    if isinstance(value, date):
        return value.isoformat()
    return value


@transaction.atomic
def follow_up_create(
    *,
    organization: Organization,
    actor: Actor,
    title: str,
    description: str = "",
    owner: User | None = None,
    due_date: date | None = None,
    priority: str = FollowUpPriority.MEDIUM,
    status: str = FollowUpStatus.OPEN,
    incident: Incident | None = None,
    source: str = FollowUpSource.DIRECT,
) -> FollowUp:
    """Open a follow-up (FU-n). One of an incident goes on its timeline (a follow_up.changed subscriber); one made
    from something of the incident (`source`: a retrospective's action item) must have the incident."""
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Say what needs to be done."})
    _check_choices({"status": status, "priority": priority})
    _check_member(organization, owner)
    if source not in FollowUpSource.values:
        raise ValueError(f"Unknown follow-up source: {source!r}")
    if source != FollowUpSource.DIRECT and incident is None:
        raise ValidationError({"incident": "An action item belongs to the incident it came from."})
    if incident is not None and incident.organization_id != organization.pk:
        raise ValidationError({"incident": "Choose an incident of this organization."})
    number = org_actions.counter_next(organization=organization, name="follow_up")
    follow_up = FollowUp.objects.create(
        organization=organization,
        number=number,
        title=title,
        description=(description or "").strip(),
        description_html=markdown.render(description.strip()) if (description or "").strip() else "",
        status=status,
        priority=priority,
        owner=owner,
        due_date=due_date,
        completed_at=timezone.now() if status not in OPEN_FOLLOW_UP_STATUSES else None,
        incident=incident,
        source=source,
        created_by=actor.user,
    )
    if incident is None:
        # One of an incident is audited by the incident's timeline entry (incidents.subscribers).
        org_actions.audit_record(
            organization=organization,
            actor=actor,
            action="follow_up.created",
            target_type="follow_up",
            target_id=str(number),
            target_label=f"{follow_up.reference} {title}",
            changes={"title": title, "priority": priority, "owner": _snapshot(owner)},
        )
    events.publish(_changed(follow_up, actor, "created"))
    return follow_up


@transaction.atomic
def follow_up_update(*, follow_up: FollowUp, actor: Actor, **fields: Any) -> FollowUp:
    """Edit a follow-up; moving to done or won't do stamps `completed_at`, reopening clears it."""
    unknown = set(fields) - set(UPDATABLE)
    if unknown:
        raise ValueError(f"Unknown follow-up fields: {sorted(unknown)}")
    follow_up = FollowUp.objects.select_for_update(of=("self",)).select_related("organization").get(pk=follow_up.pk)
    organization = follow_up.organization
    _check_choices(fields)
    if "title" in fields:
        fields["title"] = (fields["title"] or "").strip()
        if not fields["title"]:
            raise ValidationError({"title": "Say what needs to be done."})
    if "description" in fields:
        fields["description"] = (fields["description"] or "").strip()
    if "owner" in fields:
        _check_member(organization, fields["owner"])
    if fields.get("incident") is not None and fields["incident"].organization_id != organization.pk:
        raise ValidationError({"incident": "Choose an incident of this organization."})
    if "incident" in fields and follow_up.source != FollowUpSource.DIRECT and fields["incident"] != follow_up.incident:
        raise ValidationError({"incident": "An action item of a retrospective stays with its incident."})
    changes = {
        name: {"before": _snapshot(getattr(follow_up, name)), "after": _snapshot(value)}
        for name, value in fields.items()
        if getattr(follow_up, name) != value
    }
    if not changes:
        return follow_up
    for name in changes:
        setattr(follow_up, name, fields[name])
    updated = list(changes)
    if "description" in changes:
        follow_up.description_html = markdown.render(follow_up.description) if follow_up.description else ""
        updated.append("description_html")
    if "status" in changes:
        was_open = changes["status"]["before"] in OPEN_FOLLOW_UP_STATUSES
        if follow_up.is_open:
            follow_up.completed_at = None
        elif was_open:
            follow_up.completed_at = timezone.now()
        updated.append("completed_at")
    follow_up.save(update_fields=[*updated, "updated_at"])
    if "description" in changes:
        changes["description"] = "edited"
    org_actions.audit_record(
        organization=organization,
        actor=actor,
        action="follow_up.updated",
        target_type="follow_up",
        target_id=str(follow_up.number),
        target_label=f"{follow_up.reference} {follow_up.title}",
        changes=changes,
    )
    events.publish(_changed(follow_up, actor, "updated", tuple(name for name in changes)))
    return follow_up


@transaction.atomic
def follow_up_delete(*, follow_up: FollowUp, actor: Actor) -> None:
    """Delete a follow-up created by mistake (to drop real work, mark it won't do instead)."""
    follow_up = FollowUp.objects.select_for_update(of=("self",)).select_related("organization").get(pk=follow_up.pk)
    org_actions.audit_record(
        organization=follow_up.organization,
        actor=actor,
        action="follow_up.deleted",
        target_type="follow_up",
        target_id=str(follow_up.number),
        target_label=f"{follow_up.reference} {follow_up.title}",
        changes={"title": follow_up.title, "status": follow_up.status},
    )
    event = _changed(follow_up, actor, "deleted")
    follow_up.delete()
    events.publish(event)


# --- overdue follow-ups (beat) -------------------------------------------------------------------------------

OVERDUE_BATCH = 200


def follow_ups_overdue_announce(*, today: date | None = None, batch_size: int = OVERDUE_BATCH) -> int:
    """Publish follow_up.overdue once for each open follow-up whose due date has passed; returns how many.

    "Passed" is `due_date < today` with today in UTC (follow-ups have no time zone of their own: a due date is
    overdue from the first hour of the next UTC day, whatever the org's zone). Each follow-up records the due
    date it was announced for (`overdue_announced_for`), so a rerun announces nothing more and a follow-up
    whose due date was moved is announced again once the new date passes. Batches of `batch_size`, each one
    transaction: the rows are locked with skip_locked (two beats never announce the same follow-up), marked
    and published together.
    """
    today = today or timezone.now().date()
    announced = 0
    while True:
        count = _overdue_batch(today=today, batch_size=batch_size)
        announced += count
        if count < batch_size:
            return announced


@transaction.atomic
def _overdue_batch(*, today: date, batch_size: int) -> int:
    follow_ups = list(
        FollowUp.objects.select_for_update(skip_locked=True)
        .filter(status__in=OPEN_FOLLOW_UP_STATUSES, due_date__lt=today)
        .filter(Q(overdue_announced_for__isnull=True) | ~Q(overdue_announced_for=F("due_date")))
        .order_by("pk")[:batch_size]
    )
    if not follow_ups:
        return 0
    # Bookkeeping, not an edit of the follow-up: updated_at stays.
    FollowUp.objects.filter(pk__in=[f.pk for f in follow_ups]).update(overdue_announced_for=F("due_date"))
    system = Actor.system()
    for follow_up in follow_ups:
        events.publish(
            FollowUpOverdue(
                organization_id=follow_up.organization_id,
                actor=system,
                follow_up_id=follow_up.pk,
                number=follow_up.number,
                title=follow_up.title,
                due_date=follow_up.due_date,
                incident_id=follow_up.incident_id,
                assignee_id=follow_up.owner_id,
                priority=follow_up.priority,
            )
        )
    return len(follow_ups)

"""Manual paging from an incident: page people, a team or a schedule's on-call now, recorded on the timeline.

The incident lives in the incidents app, a layer above: it is taken as it is given (anything with `pk`,
`organization`, `organization_id`, `number`, `reference` and `title`), and the timeline entry is the incidents
app's own, written by its subscriber to `manual_page.sent` (oncall.events) in this transaction.
"""

from collections.abc import Iterable
from typing import Any
from uuid import uuid4

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core import events
from notifications import actions as notification_actions
from notifications.models import Notification, NotificationReason
from oncall.events import ManualPageSent, PagedPerson
from oncall.models import Schedule
from oncall.selectors import policies as policy_selectors
from oncall.selectors import schedules as schedule_selectors
from orgs.models import Membership, Team, User
from orgs.tenancy import Actor

Incident = Any  # an incidents.models.Incident, which oncall does not import (see above)

MAX_MESSAGE = 2000
MAX_USERS = 50


def _check_targets(incident: Incident, users: list[User], team: Team | None, schedule: Schedule | None) -> None:
    """Every target must be of the incident's org (people: members of it); one error per bad field."""
    errors: dict[str, str] = {}
    member_ids = set(
        Membership.objects.filter(organization_id=incident.organization_id).values_list("user_id", flat=True)
    )
    if any(user.pk not in member_ids for user in users):
        errors["users"] = "Choose members of this organization."
    elif len(users) > MAX_USERS:
        errors["users"] = f"Page at most {MAX_USERS} people at once; page a team or a schedule instead."
    if team is not None and team.organization_id != incident.organization_id:
        errors["team"] = "Choose a team of this organization."
    if schedule is not None and schedule.organization_id != incident.organization_id:
        errors["schedule"] = "Choose a schedule of this organization."
    if errors:
        raise ValidationError(errors)


def _via(team: Team | None, schedule: Schedule | None) -> str:
    """How the people were found, for the timeline: "schedule X", "team Y", both, or "" (chosen by name)."""
    parts = [f"team {team.name}" if team else "", f"schedule {schedule.name}" if schedule else ""]
    return " and ".join(part for part in parts if part)


@transaction.atomic
def incident_page(
    *,
    incident: Incident,
    actor: Actor,
    message: str,
    users: Iterable[User] = (),
    team: Team | None = None,
    schedule: Schedule | None = None,
) -> list[Notification]:
    """Page people now about an incident (schedule: its on-call now; team: its members); one timeline event.

    Each call is a new page (a fresh id in every idempotency key); refused when the targets reach nobody. A drill
    incident's pages say so: their subject starts with [DRILL].
    """
    users = list(users)
    message = (message or "").strip()
    if len(message) > MAX_MESSAGE:
        raise ValidationError({"message": f"Keep the message under {MAX_MESSAGE} characters."})
    if not users and team is None and schedule is None:
        raise ValidationError("Choose people, a team or a schedule to page.")
    _check_targets(incident, users, team, schedule)
    now = timezone.now()
    reached: dict[int, User] = {user.pk: user for user in users if user.is_active}
    empty = []
    if team is not None:
        members = policy_selectors.team_member_users(team=team)
        reached.update((user.pk, user) for user in members if user.pk not in reached)
        if not members:
            empty.append(f"team {team.name} has no members")
    if schedule is not None:
        oncall = schedule_selectors.schedule_oncall_users(schedule=schedule, at=now)
        reached.update((user.pk, user) for user in oncall if user.pk not in reached)
        if not oncall:
            empty.append(f"nobody is on call on {schedule.name} right now")
    if not reached:
        detail = "; ".join(empty) if empty else "the people chosen cannot be paged"
        raise ValidationError(f"Nobody to page: {detail}.")
    page_id = uuid4()
    drill = "[DRILL] " if getattr(incident, "is_drill", False) else ""  # nobody takes a drill for the real thing
    subject = f"{drill}Paged: {incident.reference} {incident.title}"
    path = reverse(
        "incidents:incident-detail", kwargs={"org_slug": incident.organization.slug, "number": incident.number}
    )
    body = message or f"{actor.label} needs you on {incident.reference}: {incident.title}"
    notifications: list[Notification] = []
    for user in reached.values():
        notifications += notification_actions.user_notify(
            organization=incident.organization,
            user=user,
            reason=NotificationReason.MANUAL_PAGE,
            idempotency_base=f"manual:{page_id}:{user.pk}",
            subject=subject,
            message=body,
            link=f"{settings.SITE_URL}{path}",
            incident=incident,
            now=now,
        )
    events.publish(
        ManualPageSent(
            organization_id=incident.organization_id,
            actor=actor,
            incident_id=incident.pk,
            page_id=str(page_id),
            paged=tuple(PagedPerson(id=user.pk, name=user.display_name) for user in reached.values()),
            via=_via(team, schedule),
            message=message,
            occurred_at=now,
        )
    )
    return notifications

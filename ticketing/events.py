"""The domain events the ticketing app publishes (core.events), inside the transaction of the change."""

from dataclasses import dataclass
from datetime import date

from core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class FollowUpChanged(DomainEvent):
    """A follow-up was created, updated or deleted (`change`); `fields` names what an update changed. The title,
    reference, path and owner's name are as they are after the change (what a timeline or a chat message shows)."""

    name = "follow_up.changed"
    change: str  # created | updated | deleted
    follow_up_id: int
    number: int
    reference: str
    title: str
    path: str
    incident_id: int | None
    owner: str | None  # display name
    source: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class FollowUpOverdue(DomainEvent):
    """An open follow-up's due date has passed: announced once per due date (a new due date that passes is
    announced again) by the hourly ticketing.tasks.follow_ups_overdue_announce. `assignee_id` is the owner's
    user id, `incident_id` None for a follow-up of no incident."""

    name = "follow_up.overdue"
    follow_up_id: int
    number: int
    title: str
    due_date: date
    incident_id: int | None
    assignee_id: int | None
    priority: str

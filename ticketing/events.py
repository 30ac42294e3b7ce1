"""The domain events the ticketing app publishes (core.events), inside the transaction of the change."""

from dataclasses import dataclass

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

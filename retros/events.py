"""The domain events the retros app publishes (core.events), inside the transaction of the change."""

from dataclasses import dataclass

from core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class RetrospectiveCreated(DomainEvent):
    """An incident's retrospective was opened, by hand or when the incident resolved (`how`)."""

    name = "retrospective.created"
    retrospective_id: int
    incident_id: int
    title: str
    path: str
    owner: str | None  # display name
    how: str  # "by hand" | "on resolve"


@dataclass(frozen=True, kw_only=True)
class RetrospectiveStatusChanged(DomainEvent):
    """Submitted for review, published, sent back or reopened: `action` says which in words."""

    name = "retrospective.status_changed"
    retrospective_id: int
    incident_id: int
    title: str
    path: str
    before: str
    after: str
    action: str


@dataclass(frozen=True, kw_only=True)
class RetrospectivePublished(DomainEvent):
    """A retrospective was published (alongside its retrospective.status_changed). `published_count` is how many
    times it has been published, this time included: a re-publish after reopening is a new occurrence."""

    name = "retrospective.published"
    retrospective_id: int
    incident_id: int
    title: str
    path: str
    published_count: int

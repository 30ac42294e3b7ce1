"""The domain events the orgs app publishes (core.events). Higher apps subscribe to them by name."""

from dataclasses import dataclass

from core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class OrganizationCreated(DomainEvent):
    """A new organization and its first owner exist: apps add their defaults (severities, roles...) in the same
    transaction, so an org is never seen without them."""

    name = "organization.created"
    slug: str

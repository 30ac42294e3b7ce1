"""Domain events: the spine apps react to each other through (DESIGN.md, "Domain events").

An action that changes something other apps may care about publishes a small frozen event inside
its transaction; it never calls those apps by name. Subscribers register in their AppConfig.ready():

    core.events.subscribe(IncidentStatusChanged, handler, when="in_transaction")   # a higher app: by type
    core.events.subscribe("incident.status_changed", handler, when="on_commit")    # a lower app: by name

* ``in_transaction`` handlers run at once, inside the publisher's transaction: what they write commits
  or rolls back with the change (a timeline entry, a retrospective). An error in one undoes the change.
* ``on_commit`` handlers run once the transaction commits, never after a rollback (live pushes, Celery
  enqueues, outbound calls). An error in one is logged and never undoes the write or fails the request.

A lower app subscribes by the event's name so that it never imports the higher app that publishes it
(the layers are checked by import-linter). Handlers must be idempotent: the same event twice changes
nothing more.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from django.db import transaction

logger = logging.getLogger(__name__)

When = Literal["in_transaction", "on_commit"]
Handler = Callable[[Any], None]


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base of every event: the organization, who did it (an orgs.tenancy.Actor, a user or None for the
    system) and, in subclasses, the subject's id and what changed. Subclasses set a unique ``name``."""

    name: ClassVar[str] = ""
    organization_id: int
    actor: Any = field(default=None, compare=False)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.name:
            raise TypeError(f"{cls.__name__} needs a name such as 'incident.declared'")
        known = _event_types.get(cls.name)
        if known is not None and known.__qualname__ != cls.__qualname__:
            raise TypeError(f"event name {cls.name!r} is taken by {known.__module__}.{known.__qualname__}")
        _event_types[cls.name] = cls


@dataclass(frozen=True)
class Subscription:
    event_name: str
    handler: Handler
    when: When

    @property
    def label(self) -> str:
        return f"{getattr(self.handler, '__module__', '?')}.{getattr(self.handler, '__qualname__', self.handler)}"


_event_types: dict[str, type[DomainEvent]] = {}
_subscriptions: dict[str, list[Subscription]] = {}


def _name_of(event: type[DomainEvent] | str) -> str:
    name = event if isinstance(event, str) else event.name
    if not name or "." not in name:
        raise ValueError(f"not an event name: {name!r} (expected 'subject.verb')")
    return name


def subscribe(event: type[DomainEvent] | str, handler: Handler, *, when: When) -> None:
    """Run ``handler(event)`` for every published event of this type (or name). Registering the same
    handler twice for the same event and moment is a no-op, so a repeated ready() doubles nothing."""
    if when not in ("in_transaction", "on_commit"):
        raise ValueError(f"when must be 'in_transaction' or 'on_commit', not {when!r}")
    subscription = Subscription(_name_of(event), handler, when)
    handlers = _subscriptions.setdefault(subscription.event_name, [])
    if subscription not in handlers:
        handlers.append(subscription)


def subscriptions(event: type[DomainEvent] | str | None = None) -> list[Subscription]:
    """What is subscribed (to one event, or to all): for docs, checks and tests."""
    if event is None:
        return [s for handlers in _subscriptions.values() for s in handlers]
    return list(_subscriptions.get(_name_of(event), []))


def event_types() -> dict[str, type[DomainEvent]]:
    """Every event type defined so far, by name."""
    return dict(_event_types)


def publish(event: DomainEvent) -> None:
    """Hand the event to its subscribers: in-transaction ones now (their errors propagate and roll the
    change back), on-commit ones after the surrounding transaction commits (at once outside one)."""
    for subscription in list(_subscriptions.get(event.name, [])):
        if subscription.when == "in_transaction":
            subscription.handler(event)
        else:
            transaction.on_commit(_after_commit(subscription, event))


def _after_commit(subscription: Subscription, event: DomainEvent) -> Callable[[], None]:
    def run() -> None:
        try:
            subscription.handler(event)
        except Exception:
            # The write is committed: a failed reaction is logged, never raised into the request.
            logger.exception(
                "domain event handler failed",
                extra={"event": event.name, "handler": subscription.label, "organization_id": event.organization_id},
            )

    return run


@contextmanager
def isolated_subscriptions() -> Iterator[None]:
    """For tests of the registry itself: start with no subscriptions and restore the app's afterwards."""
    saved = {name: list(handlers) for name, handlers in _subscriptions.items()}
    _subscriptions.clear()
    try:
        yield
    finally:
        _subscriptions.clear()
        _subscriptions.update(saved)

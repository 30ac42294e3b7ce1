"""The domain events the oncall app publishes (core.events), inside the transaction of the change.

oncall pages about things that live in the apps above it (an alert group in alerting, an incident in
incidents) and never imports them: an escalation names its subject by kind and id (oncall.subjects), and
what the subject's app does when paging happens — alerting's `paging_status` and live queue, the incident
timeline — it does by subscribing to these events.
"""

from dataclasses import dataclass
from datetime import datetime

from core.events import DomainEvent


@dataclass(frozen=True)
class PagedPerson:
    """Someone a page went to, with the name they had when paged."""

    id: int
    name: str


@dataclass(frozen=True, kw_only=True)
class EscalationPaged(DomainEvent):
    """A step of an escalation ran and paged these people (none when its targets reached nobody).

    `subject_label` says what the page was about in words (`alert “Checkout 5xx”`) and `incident_id` is the
    incident the subject belongs to, if any, so that the incident's timeline can record the page without
    reading the subject's app."""

    name = "escalation.paged"
    escalation_id: int
    subject_kind: str
    subject_id: int
    subject_label: str
    incident_id: int | None
    step: int  # 1-based position of the step that ran
    repeat: int  # completed passes over the whole policy before this one
    paged: tuple[PagedPerson, ...]


@dataclass(frozen=True, kw_only=True)
class EscalationUnanswered(DomainEvent):
    """Every step of every pass ran and waited, and nobody answered: the run is over (status `unanswered`)."""

    name = "escalation.unanswered"
    escalation_id: int
    subject_kind: str
    subject_id: int
    steps_run: int


@dataclass(frozen=True, kw_only=True)
class EscalationEnded(DomainEvent):
    """A run stopped for any other reason; `status` is its last status: `acknowledged` or `resolved` (its subject
    no longer pages) or `canceled` (nothing left to page with: no steps, or the subject is gone).

    `at_step` is True when a step found the run over (nobody else has told the subject's app), False when
    `escalation_stop` ended it at the request of the subject's app (which is busy changing the subject)."""

    name = "escalation.ended"
    escalation_id: int
    subject_kind: str
    subject_id: int
    status: str
    at_step: bool


@dataclass(frozen=True, kw_only=True)
class ManualPageSent(DomainEvent):
    """People were paged by a person about an incident (oncall.actions.manual_paging): the incident's timeline
    records it. `via` says how they were found ("team X", "schedule Y", both, or "" when chosen by name)."""

    name = "manual_page.sent"
    incident_id: int
    page_id: str
    paged: tuple[PagedPerson, ...]
    via: str
    message: str
    occurred_at: datetime


@dataclass(frozen=True, kw_only=True)
class ScheduleHandoff(DomainEvent):
    """Who is on call on a schedule changed at `at` because a shift started there (oncall.tasks.handoffs_notify,
    every minute, one event per schedule and hand-off instant). `user_ids` are on call from `at`,
    `previous_user_ids` were until then (either may be empty: a shift starting after a gap); a shift that only
    continues the same people (a single-person rotation's next day) is no hand-off and publishes nothing."""

    name = "schedule.handoff"
    schedule_id: int
    schedule_slug: str
    schedule_name: str
    at: datetime
    user_ids: tuple[int, ...]
    previous_user_ids: tuple[int, ...]

"""Creating pages: the Notification rows of a reason to reach people (one per channel their rules plan), each
enqueued for its due time, and cancelling the ones not sent yet. The rows then go through the delivery state
machine (notifications.actions.delivery)."""

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from notifications.models import (
    ContactKind,
    ContactMethod,
    Notification,
    NotificationReason,
    NotificationRule,
    NotificationStatus,
)
from orgs.models import Organization, User

logger = logging.getLogger(__name__)

CLAIM_TOLERANCE = timedelta(seconds=1)  # a task may run a little before its ETA (clock skew)
OPEN_STATUSES = (NotificationStatus.PENDING, NotificationStatus.RETRYING)


# --- enqueueing --------------------------------------------------------------------------------------------


def _enqueue(pairs: list[tuple[int, str]], eta: datetime | None) -> None:
    """Hand rows to Celery: one row as `notification_deliver(id, token)`, several due together as one
    `notifications_deliver(pairs)`. A broker that cannot be reached is logged, not raised: the sweeper
    re-drives the rows."""
    from notifications import tasks

    try:
        if len(pairs) == 1:
            tasks.notification_deliver.apply_async(args=pairs[0], eta=eta)
        else:
            tasks.notifications_deliver.apply_async(args=([list(p) for p in pairs],), eta=eta)
    except Exception:
        logger.warning("could not enqueue %d notification(s); the sweeper re-drives them", len(pairs), exc_info=True)


def enqueue_on_commit(notification: Notification) -> None:
    """After commit, send the row's task for its current token at its due time."""
    pair, eta = (notification.pk, str(notification.task_token)), notification.due_at
    transaction.on_commit(lambda: _enqueue([pair], eta))


def _enqueue_many_on_commit(rows: Iterable[Notification]) -> None:
    """After commit, one message per distinct due time for the rows (a batch of pages due together)."""
    by_due: dict[datetime, list[tuple[int, str]]] = defaultdict(list)
    for row in rows:
        by_due[row.due_at].append((row.pk, str(row.task_token)))
    for due, pairs in by_due.items():
        enqueue_chunks_on_commit(pairs, due)


def enqueue_chunks_on_commit(pairs: list[tuple[int, str]], eta: datetime | None) -> None:
    """After commit, the pairs in messages of at most NOTIFICATION_DELIVER_BATCH rows."""
    size = settings.NOTIFICATION_DELIVER_BATCH
    for start in range(0, len(pairs), size):
        chunk = pairs[start : start + size]
        transaction.on_commit(lambda chunk=chunk: _enqueue(chunk, eta))


def site_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


# --- paging people -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Planned:
    suffix: str
    method: ContactMethod | None
    channel: str
    address: str
    delay_minutes: int


@dataclass(frozen=True)
class NotifyRequest:
    """One reason to reach one person (a page, a hand-off …); becomes one Notification per planned channel."""

    organization: Organization
    user: User
    reason: str
    idempotency_base: str
    subject: str
    message: str
    link: str = ""
    alert_group: Any = None
    incident: Any = None
    escalation: Any = None
    due: datetime | None = None  # when it was due (an escalation step's due time); default: now


def _plans(people: set[tuple[int, int]], users: dict[int, User]) -> dict[tuple[int, int], list[_Planned]]:
    """How each (organization id, user id) is reached: their rules on verified methods, else every verified
    method now, else the account's email now (so a page never silently goes nowhere). Two queries at most,
    whatever the number of people."""
    plans: dict[tuple[int, int], list[_Planned]] = defaultdict(list)
    org_ids, user_ids = {o for o, _ in people}, {u for _, u in people}
    rules = (
        NotificationRule.objects.filter(
            organization_id__in=org_ids, user_id__in=user_ids, contact_method__verified_at__isnull=False
        )
        .select_related("contact_method")
        .order_by("delay_minutes", "pk")
    )
    for r in rules:
        if (r.organization_id, r.user_id) in people:
            method = r.contact_method
            plans[(r.organization_id, r.user_id)].append(
                _Planned(f"rule:{r.uuid}", method, method.kind, method.address, r.delay_minutes)
            )
    without_rules = people - set(plans)
    if without_rules:
        methods = ContactMethod.objects.filter(
            organization_id__in={o for o, _ in without_rules},
            user_id__in={u for _, u in without_rules},
            verified_at__isnull=False,
        ).order_by("pk")
        for m in methods:
            if (m.organization_id, m.user_id) in without_rules:
                plans[(m.organization_id, m.user_id)].append(_Planned(f"method:{m.uuid}", m, m.kind, m.address, 0))
    for key in people - set(plans):
        plans[key] = [_Planned("account-email", None, ContactKind.EMAIL, users[key[1]].email, 0)]
    return plans


def _notifications_create(requests: list[NotifyRequest], now: datetime) -> tuple[list[Notification], set]:
    """The rows of `requests` (one per planned channel), created unless their idempotency key exists.

    Returns every row of the requests, existing or new, and the uuids of the new ones.
    """
    for request in requests:
        if request.reason not in NotificationReason.values:
            raise ValueError(f"Unknown notification reason {request.reason!r}")
    users = {r.user.pk: r.user for r in requests}
    plans = _plans({(r.organization.pk, r.user.pk) for r in requests}, users)
    minute = timedelta(seconds=settings.ESCALATION_MINUTE_SECONDS)
    rows = [
        Notification(
            organization=r.organization,
            idempotency_key=f"{r.idempotency_base}:{p.suffix}"[:200],
            reason=r.reason,
            user=r.user,
            contact_method=p.method,
            channel=p.channel,
            address=p.address,
            subject=r.subject[:300],
            message=r.message,
            link=r.link[:1000],
            due_at=(r.due or now) + p.delay_minutes * minute,
            alert_group=r.alert_group,
            incident=r.incident,
            escalation=r.escalation,
        )
        for r in requests
        for p in plans[(r.organization.pk, r.user.pk)]
    ]
    if not rows:
        return [], set()
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    stored = list(
        Notification.objects.filter(
            organization_id__in={r.organization_id for r in rows},
            idempotency_key__in=[row.idempotency_key for row in rows],
        ).order_by("due_at", "pk")
    )
    return stored, {row.uuid for row in rows}


@transaction.atomic
def user_notify(
    *,
    organization: Organization,
    user: User,
    reason: str,
    idempotency_base: str,
    subject: str,
    message: str,
    link: str = "",
    alert_group: Any = None,
    incident: Any = None,
    escalation: Any = None,
    now: datetime | None = None,
) -> list[Notification]:
    """Create this person's deliveries for one reason (one per rule), each enqueued on commit at its due time.

    Idempotent per `idempotency_base`: a key that exists already is neither created nor enqueued again, so
    two workers (or a worker and the sweeper) running the same step page the person once. Call it inside the
    caller's transaction. Returns the rows of this call, existing or new.
    """
    request = NotifyRequest(
        organization=organization,
        user=user,
        reason=reason,
        idempotency_base=idempotency_base,
        subject=subject,
        message=message,
        link=link,
        alert_group=alert_group,
        incident=incident,
        escalation=escalation,
        due=now,
    )
    stored, created = _notifications_create([request], now or timezone.now())
    for row in stored:
        if row.uuid in created:
            enqueue_on_commit(row)
    return stored


def users_notify(*, requests: list[NotifyRequest], now: datetime | None = None) -> list[tuple[int, str]]:
    """`user_notify` for many people at once (an escalation batch): a few statements whatever their number.

    New rows due later (personal rules such as "SMS after 5 min") are enqueued on commit, one message per
    due time; the (id, token) pairs of new rows due now are returned for the caller to deliver right after
    its commit (`notifications_deliver`). Call it inside the caller's transaction; idempotent like
    `user_notify`.
    """
    now = now or timezone.now()
    stored, created = _notifications_create(requests, now)
    new = [row for row in stored if row.uuid in created]
    _enqueue_many_on_commit(row for row in new if row.due_at > now + CLAIM_TOLERANCE)
    return [(row.pk, str(row.task_token)) for row in new if row.due_at <= now + CLAIM_TOLERANCE]


def notifications_cancel(
    *,
    escalation: Any = None,
    alert_group: Any = None,
    escalations: QuerySet | None = None,
    reason_in: tuple[str, ...] = (NotificationReason.PAGE,),
) -> int:
    """Cancel the not-yet-sent deliveries of an escalation, of the escalations of a queryset (every run for one
    alert group: oncall stops them) or of an alert group (acknowledged: later rules such as "SMS after 5 min"
    must not fire); rows already being sent finish. Returns how many were canceled."""
    if escalation is None and alert_group is None and escalations is None:
        return 0
    qs = Notification.objects.filter(status__in=OPEN_STATUSES, reason__in=list(reason_in))
    if escalation is not None:
        qs = qs.filter(escalation=escalation)
    if escalations is not None:
        qs = qs.filter(escalation__in=escalations.values("pk"))
    if alert_group is not None:
        qs = qs.filter(alert_group=alert_group)
    return qs.update(status=NotificationStatus.CANCELED, updated_at=timezone.now())

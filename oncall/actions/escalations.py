"""Escalation runs: a new subject (an alert group) starts its service's policy; each step pages its targets,
then schedules the next; acknowledge or resolve stops it; after the last pass the run is "unanswered".

oncall never imports the subject's app (alerting, above it): a step reads the subject through the reader its
app registered (oncall.subjects), and what happened is published (escalation.paged, .unanswered, .ended in
oncall.events) for the subject's app and the incident timeline to follow.

Durability (DESIGN.md): the Escalation row holds the step due next, when, and the token of the one
task allowed to run it. Tasks are enqueued on commit with an ETA; a task whose token is not current
does nothing (duplicates, stale messages). `escalations_sweep` re-sends the task of rows whose step
is overdue (lost message, dead worker, flushed Redis). Notifications carry an idempotency
key per escalation, pass, step and person, so a step that runs twice still pages each person once.
"""

import contextlib
import logging
from collections import defaultdict
from datetime import datetime, timedelta
from uuid import uuid4

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from core import events
from core.broker import broker_redis, queue_backlog
from notifications import actions as notification_actions
from oncall import subjects
from oncall.events import EscalationEnded, EscalationPaged, EscalationUnanswered, PagedPerson
from oncall.models import Escalation, EscalationPolicy, EscalationStatus, EscalationStep
from oncall.selectors import policies as policy_selectors
from orgs.models import User
from orgs.tenancy import Actor

logger = logging.getLogger(__name__)

# A task may arrive a little before its ETA (clock skew between hosts); earlier than this it waits again.
EARLY_TOLERANCE = timedelta(milliseconds=500)
# An `escalations_due` message pending longer than this (a long queue) no longer stops another being sent.
DUE_FLAG_SECONDS = 10


def wait_delta(minutes: int) -> timedelta:
    """`minutes` of escalation time (ESCALATION_MINUTE_SECONDS seconds each; tests shrink it)."""
    return timedelta(seconds=minutes * settings.ESCALATION_MINUTE_SECONDS)


def _send_steps(pairs: list[tuple[int, str]], eta: datetime | None) -> None:
    """After commit, the step task(s) for these (id, token) pairs: one escalation as `escalation_step`, several
    due together as `escalation_steps` messages of at most ONCALL_STEP_BATCH. A broker that cannot be
    reached is logged (robust on_commit): the rows are in the database and the sweeper re-drives them."""
    from oncall import tasks

    if len(pairs) == 1:
        args = pairs[0]
        transaction.on_commit(lambda: tasks.escalation_step.apply_async(args=args, eta=eta), robust=True)
        return
    size = settings.ONCALL_STEP_BATCH
    for start in range(0, len(pairs), size):
        chunk = [list(pair) for pair in pairs[start : start + size]]
        transaction.on_commit(
            lambda chunk=chunk: tasks.escalation_steps.apply_async(args=(chunk,), eta=eta), robust=True
        )


def _due_flag() -> str:
    """The Redis key that is set while an `escalations_due` message is pending, per database (deployments, and
    parallel test runs, may share one Redis)."""
    return f"firebreak:{connection.settings_dict['NAME']}:escalations-due-pending"


def escalations_nudge() -> None:
    """Make sure an `escalations_due` message is pending: it runs the steps due when it starts, a batch at a time.

    A storm of new alert groups, each with its first step due now, thus sends a handful of messages instead
    of one per group (each of which would find its step already run by another's batch). The flag lives
    next to the queue, for DUE_FLAG_SECONDS at most; the message clears it as it starts, before it looks
    for due steps, so a step committed while the flag is set is seen by the pending message. Without a
    Redis broker, or when Redis errs, every call sends; the sweeper backs up a lost message either way.
    """
    from oncall import tasks

    client, key = broker_redis(), _due_flag()
    if client is not None:
        try:
            if not client.set(key, "1", nx=True, ex=DUE_FLAG_SECONDS):
                return  # one is pending and has not looked yet
        except Exception:
            logger.warning("escalations: the due-steps flag could not be set; sending anyway", exc_info=True)
            client = None
    try:
        tasks.escalations_due.apply_async()
    except Exception:
        if client is not None:
            with contextlib.suppress(Exception):
                client.delete(key)
        raise


def escalations_due_run(*, now: datetime | None = None) -> int:
    """The `escalations_due` message: clear the pending flag, then run the due steps (a batch; a full batch
    sends the next message at once, for another runner to take the following batch)."""
    client = broker_redis()
    if client is not None:
        with contextlib.suppress(Exception):
            client.delete(_due_flag())
    return escalations_run(pairs=[], fill=True, now=now)


def escalations_enqueue(escalations: list[Escalation]) -> None:
    """After commit, have each escalation's step run at its due time: steps due now through one pending
    `escalations_due` message, later ones as a message per due time carrying their (id, token) pairs."""
    now = timezone.now()
    by_due: dict[datetime, list[tuple[int, str]]] = defaultdict(list)
    due_now = False
    for escalation in escalations:
        if escalation.next_due_at <= now:
            due_now = True
        else:
            by_due[escalation.next_due_at].append((escalation.pk, str(escalation.task_token)))
    if due_now:
        transaction.on_commit(escalations_nudge, robust=True)
    for due, pairs in by_due.items():
        _send_steps(pairs, due)


def escalation_start(
    *, organization_id: int, service_id: int | None, subject_kind: str, subject_id: int
) -> Escalation | None:
    """Start the policy of the service for a subject (a new alert group); the first step is due now.

    Runs in the caller's transaction (the subject was just opened). Returns the run, or None when the service
    has no policy, or a policy with no steps: nobody is paged (the caller says so on its subject).
    """
    policy = EscalationPolicy.objects.filter(services__pk=service_id, steps__isnull=False).distinct().first()
    if service_id is None or policy is None:
        return None
    now = timezone.now()
    escalation = Escalation.objects.create(
        organization_id=organization_id,
        policy=policy,
        subject_kind=subject_kind,
        subject_id=subject_id,
        started_at=now,
        next_due_at=now,
        task_token=uuid4(),
    )
    escalations_enqueue([escalation])
    return escalation


def escalation_stop(*, organization_id: int, subject_kind: str, subject_id: int, status: str) -> int:
    """Stop the subject's active run (someone acknowledged, or it resolved or merged away) and cancel its pages
    not sent yet (later notification rules), of every run of the subject. Returns how many runs stopped; each
    publishes `escalation.ended` (at_step False). Runs in the caller's transaction."""
    now = timezone.now()
    runs = Escalation.objects.filter(organization_id=organization_id, subject_kind=subject_kind, subject_id=subject_id)
    active = list(runs.select_for_update().filter(status=EscalationStatus.ACTIVE).values_list("pk", flat=True))
    if active:
        Escalation.objects.filter(pk__in=active).update(status=status, stopped_at=now, next_due_at=None, updated_at=now)
    notification_actions.notifications_cancel(escalations=runs)
    for pk in active:
        events.publish(
            EscalationEnded(
                organization_id=organization_id,
                actor=Actor.system(),
                escalation_id=pk,
                subject_kind=subject_kind,
                subject_id=subject_id,
                status=status,
                at_step=False,
            )
        )
    return len(active)


def _page_message(subject: subjects.PageSubject, step_number: int, repeat: int) -> str:
    attempt = f" (pass {repeat + 1})" if repeat else ""
    return f"{subject.summary}\nEscalation step {step_number}{attempt}. Acknowledge it in Firebreak to stop paging."


class _Reach:
    """Per batch: each policy's steps and each step target's people, looked up once for the whole batch."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._steps: dict[int, list[EscalationStep]] = {}
        self._targets: dict[int, list[User]] = {}

    def steps(self, policy: EscalationPolicy | None) -> list[EscalationStep]:
        if policy is None:
            return []
        if policy.pk not in self._steps:
            steps = policy.steps.prefetch_related("targets__user", "targets__schedule", "targets__team")
            self._steps[policy.pk] = list(steps)
        return self._steps[policy.pk]

    def users(self, step: EscalationStep) -> list[User]:
        """Every distinct person the step reaches now, in target order."""
        users: dict[int, User] = {}
        for target in step.targets.all():
            if target.pk not in self._targets:
                self._targets[target.pk] = policy_selectors.step_target_users(target=target, at=self.now)
            for user in self._targets[target.pk]:
                users.setdefault(user.pk, user)
        return list(users.values())


RUN_FIELDS = ("status", "stopped_at", "step_index", "repeat", "next_due_at", "task_token")


def _save(escalations: list[Escalation], now: datetime) -> None:
    """Write the batch's new states, one UPDATE per distinct state (a burst has a few), not one per row.

    Rows that end up alike share their new token: a token only has to be current for its own row.
    """
    alike: dict[tuple, list[Escalation]] = defaultdict(list)
    for escalation in escalations:
        alike[tuple(getattr(escalation, field) for field in RUN_FIELDS[:-1])].append(escalation)
    for state, rows in alike.items():
        token = rows[0].task_token
        for escalation in rows:
            escalation.task_token = token
        ran = [e.pk for e in rows if getattr(e, "_ran", False)]
        values = dict(zip(RUN_FIELDS, (*state, token), strict=True)) | {"redriven_at": None, "updated_at": now}
        Escalation.objects.filter(pk__in=[e.pk for e in rows if e.pk not in ran]).update(**values)
        if ran:
            Escalation.objects.filter(pk__in=ran).update(**values, steps_run=F("steps_run") + 1)


def _subjects(escalations: list[Escalation]) -> dict[tuple[str, int], subjects.PageSubject]:
    """The batch's subjects, one read per kind, keyed by (kind, id)."""
    by_kind: dict[str, list[int]] = defaultdict(list)
    for escalation in escalations:
        by_kind[escalation.subject_kind].append(escalation.subject_id)
    return {
        (kind, pk): subject
        for kind, ids in by_kind.items()
        for pk, subject in subjects.subjects_read(kind, sorted(set(ids))).items()
    }


def _ref(escalation: Escalation) -> dict:
    return {
        "organization_id": escalation.organization_id,
        "actor": Actor.system(),
        "escalation_id": escalation.pk,
        "subject_kind": escalation.subject_kind,
        "subject_id": escalation.subject_id,
    }


def _run(escalations: list[Escalation], now: datetime) -> tuple[list[tuple[int, str]], list[events.DomainEvent]]:
    """Run the due step of each locked escalation and schedule its next one (new token), in the caller's
    transaction, with a handful of statements for the whole batch. Returns the (id, token) pairs of the
    pages due now, for the caller to deliver after commit, and the events to publish (paged, unanswered,
    ended), which the caller publishes once the deliveries are lined up after commit."""
    reach = _Reach(now)
    found = _subjects(escalations)
    pages: list[notification_actions.NotifyRequest] = []
    published: list[events.DomainEvent] = []

    def finish(escalation: Escalation, status: str) -> None:
        escalation.status, escalation.stopped_at, escalation.next_due_at = status, now, None
        if status == EscalationStatus.UNANSWERED:
            published.append(EscalationUnanswered(**_ref(escalation), steps_run=escalation.steps_run))
        else:
            published.append(EscalationEnded(**_ref(escalation), status=status, at_step=True))

    for escalation in escalations:
        subject = found.get((escalation.subject_kind, escalation.subject_id))
        escalation.updated_at = now
        if subject is None:  # deleted (or of a kind no app reads): nothing to page about
            finish(escalation, EscalationStatus.CANCELED)
            continue
        if subject.stopped_as is not None:
            finish(escalation, subject.stopped_as)
            continue
        if subject.silenced_until is not None and subject.silenced_until > now:
            # Silenced: nobody is paged until the silence ends; the step waits for it.
            escalation.next_due_at, escalation.redriven_at = subject.silenced_until, None
            escalation.task_token = uuid4()
            continue
        steps = reach.steps(escalation.policy)
        if not steps:
            finish(escalation, EscalationStatus.CANCELED)
            continue
        if escalation.step_index >= len(steps):
            # The last step of the last pass had its wait: nobody answered.
            finish(escalation, EscalationStatus.UNANSWERED)
            continue
        step = steps[escalation.step_index]
        users = reach.users(step)
        due = escalation.next_due_at or now
        base = f"esc:{escalation.uuid}:r{escalation.repeat}:s{escalation.step_index}"
        message = _page_message(subject, escalation.step_index + 1, escalation.repeat)
        pages += [
            notification_actions.NotifyRequest(
                organization=escalation.organization,
                user=user,
                reason="page",
                idempotency_base=f"{base}:u{user.pk}",
                subject=subject.subject,
                message=message,
                link=subject.link,
                escalation=escalation,
                due=due,
                **subject.delivery,
            )
            for user in users
        ]
        published.append(
            EscalationPaged(
                **_ref(escalation),
                subject_label=subject.label,
                incident_id=subject.incident_id,
                step=escalation.step_index + 1,
                repeat=escalation.repeat,
                paged=tuple(PagedPerson(id=user.pk, name=user.display_name) for user in users),
            )
        )
        next_index = escalation.step_index + 1
        if next_index >= len(steps) and escalation.repeat < escalation.policy.repeat_count:
            next_index = 0
            escalation.repeat += 1
        escalation.step_index = next_index
        escalation.steps_run += 1
        escalation._ran = True  # steps_run + 1 in the database (rows differ in their count)
        escalation.next_due_at = now + wait_delta(step.wait_minutes)
        escalation.task_token, escalation.redriven_at = uuid4(), None

    deliver_now = notification_actions.users_notify(requests=pages, now=now)
    _save(escalations, now)
    escalations_enqueue([e for e in escalations if e.status == EscalationStatus.ACTIVE])
    return deliver_now, published


def _deliver(deliver_now: list[tuple[int, str]]) -> None:
    """After a batch commits: the pages due now go out, before anything else the batch's events line up."""
    if deliver_now:
        notification_actions.notifications_deliver(pairs=deliver_now)


def escalations_run(*, pairs: list[tuple[int, str]], fill: bool = True, now: datetime | None = None) -> int:
    """Run the due steps of the escalations named by (id, token) pairs whose token is current and, with
    `fill`, of other due escalations up to ONCALL_STEP_BATCH, in one transaction; after commit, deliver
    the pages due now in one batch. Returns how many escalations were run.

    Stale or duplicate messages, stopped escalations and rows another runner holds (skip_locked: it is
    running them) do nothing; a named row that is not due yet is sent again for its due time, same token.
    A burst of singly-enqueued steps is thus worked off by the first few messages, a batch each, and the
    rest find their tokens spent.
    """
    now = now or timezone.now()
    wanted = {int(pk): str(token) for pk, token in pairs}
    with transaction.atomic():
        locked = Escalation.objects.select_for_update(skip_locked=True, of=("self",)).select_related(
            "policy", "organization"
        )
        named = [
            e
            for e in locked.filter(pk__in=wanted, status=EscalationStatus.ACTIVE).order_by("pk")
            if str(e.task_token) == wanted[e.pk]
        ]
        early = [e for e in named if e.next_due_at is not None and e.next_due_at - now > EARLY_TOLERANCE]
        rows = [e for e in named if e not in early]
        room = settings.ONCALL_STEP_BATCH - len(rows)
        if fill and room > 0 and (rows or not pairs):
            more = locked.filter(status=EscalationStatus.ACTIVE, next_due_at__lte=now).exclude(pk__in=wanted)
            more = list(more.order_by("next_due_at")[:room])
            rows += more
            if len(more) == room:
                _nudge_next()  # more may be due: another runner takes the next batch while this one runs
        escalations_enqueue(early)  # same token: it runs at its due time
        if rows:
            deliver_now, published = _run(rows, now)
            transaction.on_commit(lambda: _deliver(deliver_now), robust=True)
            for event in published:  # after the deliveries: their after-commit reactions (live pushes) follow them
                events.publish(event)
    return len(rows)


def _nudge_next() -> None:
    """Now, not on commit: the rows this batch holds are locked, so the next runner skips them."""
    try:
        escalations_nudge()
    except Exception:  # the sweeper picks up what is left; this batch must not fail for it
        logger.warning("escalations: could not send the next due-steps message", exc_info=True)


def escalation_step_run(*, escalation_id: int, token: str) -> int:
    """One step message: if `token` is still the escalation's current one, run its step — together with
    other due steps, as a batch. A stale message costs one indexed read."""
    current = Escalation.objects.filter(pk=escalation_id, task_token=token, status=EscalationStatus.ACTIVE)
    if not current.exists():
        return 0
    return escalations_run(pairs=[(escalation_id, token)])


def escalations_sweep(*, now: datetime | None = None) -> int:
    """Re-send the task of active escalations more than ONCALL_SWEEP_GRACE_SECONDS past due, so a lost
    message (dead worker, flushed Redis) delays a page but never drops it.

    The token stays the same: if the first message was only slow, whichever copy runs first does the
    step and the other finds a stale token. A row is re-sent at most every ONCALL_SWEEP_REDRIVE_SECONDS,
    so a backlog is not flooded with copies, and nothing is re-sent while more than ONCALL_SWEEP_MAX_BACKLOG
    messages wait in the critical queue. Batches of ONCALL_SWEEP_BATCH rows, skipping rows another runner
    holds; returns how many were re-sent.
    """
    backlog = queue_backlog("critical")
    if backlog > settings.ONCALL_SWEEP_MAX_BACKLOG:
        logger.warning("escalation sweeper: %d messages queued; overdue steps are waiting in line, not lost", backlog)
        return 0
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.ONCALL_SWEEP_GRACE_SECONDS)
    resend_cutoff = now - timedelta(seconds=settings.ONCALL_SWEEP_REDRIVE_SECONDS)
    batch_size = settings.ONCALL_SWEEP_BATCH
    last_pk = 0
    redriven = 0
    while True:
        with transaction.atomic():
            batch = list(
                Escalation.objects.select_for_update(skip_locked=True)
                .filter(status=EscalationStatus.ACTIVE, next_due_at__lte=cutoff, pk__gt=last_pk)
                .filter(Q(redriven_at__isnull=True) | Q(redriven_at__lte=resend_cutoff))
                .order_by("pk")
                .only("pk", "next_due_at", "task_token", "redriven_at")[:batch_size]
            )
            if not batch:
                return redriven
            for escalation in batch:
                escalation.redriven_at = now
            _send_steps([(e.pk, str(e.task_token)) for e in batch], None)
            Escalation.objects.bulk_update(batch, ["redriven_at"])
        last_pk = batch[-1].pk
        redriven += len(batch)
        logger.warning("escalation sweeper re-sent %d overdue step(s)", len(batch))

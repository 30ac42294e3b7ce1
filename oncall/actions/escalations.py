"""Escalation runs: a new alert group starts its service's policy; each step pages its targets, then
schedules the next; acknowledge or resolve stops it; after the last pass the group is "unanswered".

Durability (DESIGN.md): the Escalation row holds the step due next, when, and the token of the one
task allowed to run it. Tasks are enqueued on commit with an ETA; a task whose token is not current
does nothing (duplicates, stale messages). `escalations_sweep` re-sends the task of rows whose step
is overdue (lost message, dead worker, flushed Redis). Notifications carry an idempotency
key per escalation, pass, step and person, so a step that runs twice still pages each person once.
"""

import logging
from datetime import datetime, timedelta
from uuid import uuid4

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from alerting import live as alerting_live
from alerting.models import AlertGroup, AlertGroupStatus, PagingStatus
from config.celery import queue_backlog
from incidents import actions as incident_actions
from incidents.models import TimelineKind
from notifications import actions as notification_actions
from oncall.models import Escalation, EscalationPolicy, EscalationStatus, EscalationStep
from oncall.selectors import policies as policy_selectors
from orgs.models import User
from orgs.tenancy import Actor

logger = logging.getLogger(__name__)

# A task may arrive a little before its ETA (clock skew between hosts); earlier than this it waits again.
EARLY_TOLERANCE = timedelta(milliseconds=500)


def wait_delta(minutes: int) -> timedelta:
    """`minutes` of escalation time (ESCALATION_MINUTE_SECONDS seconds each; tests shrink it)."""
    return timedelta(seconds=minutes * settings.ESCALATION_MINUTE_SECONDS)


def _enqueue(escalation: Escalation) -> None:
    """After commit, schedule the step task for the escalation's current token and due time."""
    from oncall import tasks

    args = (escalation.pk, str(escalation.task_token))
    eta = escalation.next_due_at
    transaction.on_commit(lambda: tasks.escalation_step.apply_async(args=args, eta=eta), robust=True)


def _paging_status(group: AlertGroup, status: str, *, broadcast: bool = True) -> None:
    """Record the group's paging state; push its refreshed row to the triage queue after commit unless
    the caller (ingest, a person's triage action) already pushes it."""
    AlertGroup.objects.filter(pk=group.pk).update(paging_status=status, updated_at=timezone.now())
    group.paging_status = status
    if broadcast:
        transaction.on_commit(lambda: alerting_live.alert_group_broadcast(group_id=group.pk), robust=True)


def escalation_start(*, group: AlertGroup) -> Escalation | None:
    """Start the policy of the group's service; the first step is due now.

    Caller holds the group's transaction (it was just opened) and pushes the new group to the triage
    queue. A service with no policy, or a policy with no steps, pages nobody and says so on the group
    (`no_policy`).
    """
    policy = EscalationPolicy.objects.filter(services__pk=group.service_id, steps__isnull=False).distinct().first()
    if policy is None:
        _paging_status(group, PagingStatus.NO_POLICY, broadcast=False)
        return None
    now = timezone.now()
    escalation = Escalation.objects.create(
        organization_id=group.organization_id,
        policy=policy,
        alert_group=group,
        started_at=now,
        next_due_at=now,
        task_token=uuid4(),
    )
    _paging_status(group, PagingStatus.PAGING, broadcast=False)
    _enqueue(escalation)
    return escalation


def escalation_stop(*, group: AlertGroup, status: str) -> int:
    """Stop the group's active escalation (someone acknowledged, or it resolved or merged away) and
    cancel its pages that are not sent yet (later notification rules). Returns how many runs stopped.
    The caller moved the group and pushes it to the triage queue."""
    now = timezone.now()
    stopped = Escalation.objects.filter(alert_group=group, status=EscalationStatus.ACTIVE).update(
        status=status, stopped_at=now, next_due_at=None, updated_at=now
    )
    notification_actions.notifications_cancel(alert_group=group)
    if stopped and group.paging_status in (PagingStatus.PAGING, PagingStatus.PENDING):
        _paging_status(group, PagingStatus.STOPPED, broadcast=False)
    return stopped


def _end(escalation: Escalation, group: AlertGroup, status: str, paging_status: str, now: datetime) -> None:
    escalation.status = status
    escalation.stopped_at = now
    escalation.next_due_at = None
    escalation.save(update_fields=["status", "stopped_at", "next_due_at", "updated_at"])
    _paging_status(group, paging_status)


def _page_subject(group: AlertGroup) -> str:
    return f"[{group.severity.upper()}] {group.title}"[:300]


def _page_message(group: AlertGroup, step_number: int, repeat: int) -> str:
    service = group.service.name if group.service_id else "an unknown service"
    attempt = f" (pass {repeat + 1})" if repeat else ""
    return (
        f"{group.title}\nService: {service} · severity {group.severity} · {group.alert_count} alert(s)\n"
        f"Escalation step {step_number}{attempt}. Acknowledge it in Firebreak to stop paging."
    )


def _page_link(group: AlertGroup) -> str:
    return f"{settings.SITE_URL}/o/{group.organization.slug}/alerts/{group.uuid}/"


def _record_on_incident(group: AlertGroup, users: list[User], step_number: int) -> None:
    """A page for a group attached to an incident is part of the incident's story: timeline it."""
    if group.incident_id is None:
        return
    incident_actions.timeline_event_add(
        incident=group.incident,
        kind=TimelineKind.PAGED,
        actor=Actor.system(),
        payload={
            "targets": [u.display_name for u in users],
            "via": f"escalation step {step_number} for alert “{group.title[:120]}”",
            "message": "",
        },
    )


def _run_step(escalation: Escalation, group: AlertGroup, step: EscalationStep, due: datetime) -> list[User]:
    """Page every distinct person the step reaches now; the idempotency base names this exact step."""
    users: dict[int, User] = {}
    for target in step.targets.all():
        for user in policy_selectors.step_target_users(target=target, at=due):
            users.setdefault(user.pk, user)
    base = f"esc:{escalation.uuid}:r{escalation.repeat}:s{escalation.step_index}"
    for user in users.values():
        notification_actions.user_notify(
            organization=group.organization,
            user=user,
            reason="page",
            idempotency_base=f"{base}:u{user.pk}",
            subject=_page_subject(group),
            message=_page_message(group, escalation.step_index + 1, escalation.repeat),
            link=_page_link(group),
            alert_group=group,
            escalation=escalation,
            now=due,
        )
    _record_on_incident(group, list(users.values()), escalation.step_index + 1)
    return list(users.values())


@transaction.atomic
def escalation_step_run(*, escalation_id: int, token: str) -> None:
    """Run the escalation's due step if `token` is current, then schedule the next one (new token).

    Stale or duplicate task messages, stopped escalations and early arrivals do nothing harmful:
    the row lock serialises concurrent runners and the token changes once a step has run.
    """
    escalation = (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("policy", "alert_group__organization", "alert_group__service", "alert_group__incident")
        .filter(pk=escalation_id)
        .first()
    )
    if escalation is None or escalation.status != EscalationStatus.ACTIVE or str(escalation.task_token) != token:
        return
    now = timezone.now()
    due = escalation.next_due_at or now
    if due - now > EARLY_TOLERANCE:
        _enqueue(escalation)  # same token: it runs at its due time
        return
    group = AlertGroup.objects.select_for_update(of=("self",)).select_related("organization", "service", "incident")
    group = group.get(pk=escalation.alert_group_id)
    if group.status != AlertGroupStatus.TRIGGERED:
        resolved = group.status == AlertGroupStatus.RESOLVED
        status = EscalationStatus.RESOLVED if resolved else EscalationStatus.ACKNOWLEDGED
        _end(escalation, group, status, PagingStatus.STOPPED, now)
        return
    if group.silenced_until is not None and group.silenced_until > now:
        # Silenced: nobody is paged until the silence ends; the step waits for it.
        escalation.next_due_at = group.silenced_until
        escalation.task_token = uuid4()
        escalation.redriven_at = None
        escalation.save(update_fields=["next_due_at", "task_token", "redriven_at", "updated_at"])
        _enqueue(escalation)
        return
    policy = escalation.policy
    steps = list(policy.steps.prefetch_related("targets__user", "targets__schedule", "targets__team")) if policy else []
    if not steps:
        _end(escalation, group, EscalationStatus.CANCELED, PagingStatus.NO_POLICY, now)
        return
    if escalation.step_index >= len(steps):
        # The last step of the last pass had its wait: nobody answered.
        _end(escalation, group, EscalationStatus.UNANSWERED, PagingStatus.UNANSWERED, now)
        return
    step = steps[escalation.step_index]
    _run_step(escalation, group, step, due)
    next_index = escalation.step_index + 1
    if next_index >= len(steps) and escalation.repeat < policy.repeat_count:
        next_index = 0
        escalation.repeat += 1
    escalation.step_index = next_index
    escalation.steps_run += 1
    escalation.next_due_at = now + wait_delta(step.wait_minutes)
    escalation.task_token = uuid4()
    escalation.redriven_at = None
    escalation.save(
        update_fields=["step_index", "repeat", "steps_run", "next_due_at", "task_token", "redriven_at", "updated_at"]
    )
    _enqueue(escalation)


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
                _enqueue(escalation)
            Escalation.objects.bulk_update(batch, ["redriven_at"])
        last_pk = batch[-1].pk
        redriven += len(batch)
        logger.warning("escalation sweeper re-sent %d overdue step(s)", len(batch))

"""What the alerting app does when domain events happen (registered in AlertingConfig.ready()).

* its own events, after commit: the live triage queue (a changed group's row, repeated triggers' counts,
  coalesced in alerting.live);
* ``incident.status_changed`` (incidents, below: by type), in its transaction: a merged incident's alert groups
  move to the incident it merged into;
* ``escalation.ended`` and ``escalation.unanswered`` (oncall, below: by type), in their transaction: a run that
  a step found over, or that nobody answered, sets its group's `paging_status` (stopped, no_policy, unanswered),
  and the groups' rows go to the triage queue after commit, in one push per transaction. Runs that alerting
  stopped itself (at_step False: acknowledge, resolve, merge) were recorded by alerting.paging already.
"""

import threading

from django.db import transaction
from django.utils import timezone

from alerting import actions, live, paging
from alerting.events import AlertGroupsChanged, AlertsCounted
from alerting.models import AlertGroup, PagingStatus
from core import events
from incidents.events import IncidentStatusChanged
from incidents.models import Incident, IncidentStatus
from oncall.events import EscalationEnded, EscalationUnanswered
from oncall.models import EscalationStatus


def queue_rows_push(event: AlertGroupsChanged) -> None:
    live.alert_groups_broadcast(group_ids=list(event.group_ids))


def queue_counts_push(event: AlertsCounted) -> None:
    live.alert_counts_push(groups=list(event.groups))


def groups_follow_merged_incident(event: IncidentStatusChanged) -> None:
    if event.after != IncidentStatus.MERGED:
        return
    incident = Incident.objects.select_related("organization", "merged_into").get(pk=event.incident_id)
    actions.alert_groups_follow_merge(incident=incident, actor=event.actor)


class _Pushes:
    """The groups whose rows go to the triage queue when one transaction commits: one push for all of them."""

    def __init__(self) -> None:
        self.group_ids: set[int] = set()

    def __call__(self) -> None:
        live.alert_groups_broadcast(group_ids=sorted(self.group_ids))


_local = threading.local()


def _push_after_commit(group_id: int) -> None:
    """Push the group's row after commit, with every other group of the same transaction (a batch of runs ending
    together). The transaction's pending callbacks say whether its push is still to come (a rollback drops it)."""
    pushes = getattr(_local, "pushes", None)
    if pushes is not None and any(callback is pushes for _, callback, _ in transaction.get_connection().run_on_commit):
        pushes.group_ids.add(group_id)
        return
    pushes = _local.pushes = _Pushes()
    pushes.group_ids.add(group_id)
    transaction.on_commit(pushes, robust=True)


ENDED_PAGING_STATUS = {
    EscalationStatus.ACKNOWLEDGED: PagingStatus.STOPPED,
    EscalationStatus.RESOLVED: PagingStatus.STOPPED,
    EscalationStatus.CANCELED: PagingStatus.NO_POLICY,
}


def paging_follows_escalation(event: EscalationEnded | EscalationUnanswered) -> None:
    """escalation.ended (at a step) / escalation.unanswered of an alert group: its `paging_status`, then its row."""
    if event.subject_kind != paging.SUBJECT_KIND or not getattr(event, "at_step", True):
        return
    unanswered = isinstance(event, EscalationUnanswered)
    status = PagingStatus.UNANSWERED if unanswered else ENDED_PAGING_STATUS[event.status]
    if AlertGroup.objects.filter(pk=event.subject_id).update(paging_status=status, updated_at=timezone.now()):
        _push_after_commit(event.subject_id)


def register() -> None:
    events.subscribe(AlertGroupsChanged, queue_rows_push, when="on_commit")
    events.subscribe(AlertsCounted, queue_counts_push, when="on_commit")
    events.subscribe(IncidentStatusChanged, groups_follow_merged_incident, when="in_transaction")
    events.subscribe(EscalationEnded, paging_follows_escalation, when="in_transaction")
    events.subscribe(EscalationUnanswered, paging_follows_escalation, when="in_transaction")

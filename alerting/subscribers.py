"""What the alerting app does when domain events happen (registered in AlertingConfig.ready()).

* its own events, after commit: the live triage queue (a changed group's row, repeated triggers' counts,
  coalesced in alerting.live);
* ``incident.status_changed`` (incidents, below: by type), in its transaction: a merged incident's alert groups
  move to the incident it merged into.
"""

from alerting import actions, live
from alerting.events import AlertGroupsChanged, AlertsCounted
from core import events
from incidents.events import IncidentStatusChanged
from incidents.models import Incident, IncidentStatus


def queue_rows_push(event: AlertGroupsChanged) -> None:
    live.alert_groups_broadcast(group_ids=list(event.group_ids))


def queue_counts_push(event: AlertsCounted) -> None:
    live.alert_counts_push(groups=list(event.groups))


def groups_follow_merged_incident(event: IncidentStatusChanged) -> None:
    if event.after != IncidentStatus.MERGED:
        return
    incident = Incident.objects.select_related("organization", "merged_into").get(pk=event.incident_id)
    actions.alert_groups_follow_merge(incident=incident, actor=event.actor)


def register() -> None:
    events.subscribe(AlertGroupsChanged, queue_rows_push, when="on_commit")
    events.subscribe(AlertsCounted, queue_counts_push, when="on_commit")
    events.subscribe(IncidentStatusChanged, groups_follow_merged_incident, when="in_transaction")

"""The drills app's reactions to lower apps' events (registered from DrillsConfig.ready()):

* alert_group.triggered (in transaction): a group opened by a run's inject — the drill integration's group with
  the inject's dedup key — is linked to the run. A group that lands after its run was halted (the POST was in
  flight) is resolved after commit, so a halted drill pages nobody.
* alert_group.attached (in transaction): an incident that a linked group is attached to (or was declared from)
  is linked to the run.
* incident.status_changed (after commit): a run whose incidents are all resolved and whose injects are all out
  finishes on its own."""

import logging

from django.db import transaction
from django.db.models import Subquery
from django.utils import timezone

from alerting.events import AlertGroupsAttached, AlertGroupTriggered
from core import events
from drills.models import DrillInject, DrillLink, RunStatus
from incidents.events import IncidentStatusChanged

logger = logging.getLogger(__name__)


def link_drill_group(event: AlertGroupTriggered) -> None:
    from alerting.models import AlertGroup

    dedup = AlertGroup.objects.filter(pk=event.alert_group_id).values("dedup_key")
    inject = (
        DrillInject.objects.filter(integration_id=event.integration_id, dedup_key=Subquery(dedup))
        .select_related("run")
        .first()
    )
    if inject is None:
        return
    DrillLink.objects.get_or_create(
        organization_id=inject.organization_id,
        run=inject.run,
        alert_group_id=event.alert_group_id,
        defaults={"linked_at": timezone.now()},
    )
    if inject.run.status != RunStatus.RUNNING:
        group_id = event.alert_group_id
        transaction.on_commit(lambda: _resolve_late_group(group_id))


def _resolve_late_group(group_id: int) -> None:
    from alerting import actions as alerting_actions
    from alerting.models import AlertGroup
    from orgs.tenancy import Actor

    group = AlertGroup.objects.filter(pk=group_id).first()
    if group is not None and group.is_open:
        alerting_actions.alert_group_resolve(group=group, actor=Actor.system())


def link_drill_incident(event: AlertGroupsAttached) -> None:
    from alerting.models import AlertGroup

    group_ids = AlertGroup.objects.filter(uuid__in=[group.id for group in event.groups]).values("pk")
    runs = DrillLink.objects.filter(alert_group_id__in=group_ids).values_list("run_id", "organization_id").distinct()
    for run_id, organization_id in runs:
        DrillLink.objects.get_or_create(
            organization_id=organization_id,
            run_id=run_id,
            incident_id=event.incident_id,
            defaults={"linked_at": timezone.now()},
        )


def finish_when_done(event: IncidentStatusChanged) -> None:
    from drills.actions import run_finish_if_done

    run_ids = DrillLink.objects.filter(incident_id=event.incident_id, run__status=RunStatus.RUNNING).values_list(
        "run_id", flat=True
    )
    for run_id in run_ids:
        run_finish_if_done(run_id=run_id)


def register() -> None:
    events.subscribe(AlertGroupTriggered, link_drill_group, when="in_transaction")
    events.subscribe(AlertGroupsAttached, link_drill_incident, when="in_transaction")
    events.subscribe(IncidentStatusChanged, finish_when_done, when="on_commit")

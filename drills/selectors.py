"""Reads of the drills app that pages and the API share."""

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from alerting.models import AlertGroup
from drills.models import DrillInject, DrillLink, DrillRun, Scenario
from drills.scorecard import run_scorecard
from incidents.models import Incident
from orgs.models import Organization


def scenario_list(*, organization: Organization) -> QuerySet[Scenario]:
    return Scenario.objects.for_org(organization).select_related("severity", "created_by", "approved_by")


def scenario_get(*, organization: Organization, uuid: str) -> Scenario:
    return get_object_or_404(scenario_list(organization=organization), uuid=uuid)


def run_list(*, organization: Organization, status: str = "", scenario: Scenario | None = None) -> QuerySet[DrillRun]:
    qs = DrillRun.objects.for_org(organization).select_related("scenario", "facilitator", "halted_by")
    if status:
        qs = qs.filter(status=status)
    if scenario is not None:
        qs = qs.filter(scenario=scenario)
    return qs.order_by("-number")


def run_get(*, organization: Organization, number: int) -> DrillRun:
    return get_object_or_404(run_list(organization=organization), number=number)


def run_injects(*, run: DrillRun) -> list[DrillInject]:
    return list(DrillInject.objects.filter(run=run).select_related("service").order_by("position"))


def run_alert_groups(*, run: DrillRun) -> list[AlertGroup]:
    ids = DrillLink.objects.filter(run=run, alert_group__isnull=False).values("alert_group_id")
    return list(AlertGroup.objects.filter(pk__in=ids).select_related("service", "incident").order_by("first_seen"))


def run_incidents(*, run: DrillRun) -> list[Incident]:
    ids = DrillLink.objects.filter(run=run, incident__isnull=False).values("incident_id")
    return list(Incident.objects.filter(pk__in=ids).select_related("severity").order_by("number"))


@dataclass(frozen=True)
class RunView:
    """What the facilitator's view shows of a run."""

    run: DrillRun
    injects: list[DrillInject]
    alert_groups: list[AlertGroup]
    incidents: list[Incident]
    scorecard: list[dict[str, Any]]


def run_view(*, run: DrillRun) -> RunView:
    return RunView(
        run=run,
        injects=run_injects(run=run),
        alert_groups=run_alert_groups(run=run),
        incidents=run_incidents(run=run),
        scorecard=run_scorecard(run),
    )

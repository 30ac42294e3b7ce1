"""A run's scorecard: one row per expected response of its scenario, measured from the run's start to when it
first happened in what the run produced (its linked alert groups and incidents):

* acknowledge — the first acknowledgement of a linked alert group, or a linked incident's `acknowledged_at`;
* declare — the first linked incident's `declared_at`;
* commander — the first assignment of a commander role on a linked incident;
* first_update — the first status update posted on a linked incident;
* mitigate — the first linked incident's `mitigated_at`.

`result`: met (reached within its target), missed (reached late, or not reached and the target has passed while
the run ran), not_reached (not yet, with time left, or the run ended before its target came). Computed live
while the run runs; `DrillRun.scorecard` keeps the rows frozen when it ends."""

from datetime import datetime
from typing import Any

from django.db.models import Min
from django.utils import timezone

from alerting.models import AlertGroup
from drills.models import DrillLink, DrillRun, RunStatus
from incidents.models import Incident, RoleAssignment, StatusUpdate

LABELS = {
    "acknowledge": "Acknowledged",
    "declare": "Incident declared",
    "commander": "Commander assigned",
    "first_update": "First status update",
    "mitigate": "Mitigated",
}


def _earliest(*values: datetime | None) -> datetime | None:
    found = [value for value in values if value is not None]
    return min(found) if found else None


def reached_at(run: DrillRun) -> dict[str, datetime | None]:
    """When each response first happened in what the run produced (None: not yet), in five queries."""
    links = DrillLink.objects.filter(run=run)
    group_ids = links.filter(alert_group__isnull=False).values("alert_group_id")
    incident_ids = links.filter(incident__isnull=False).values("incident_id")
    groups = AlertGroup.objects.filter(pk__in=group_ids).aggregate(ack=Min("acknowledged_at"))
    incidents = Incident.objects.filter(pk__in=incident_ids).aggregate(
        ack=Min("acknowledged_at"), declared=Min("declared_at"), mitigated=Min("mitigated_at")
    )
    commander = RoleAssignment.objects.filter(incident__in=incident_ids, role__is_commander=True).aggregate(
        at=Min("assigned_at")
    )["at"]
    update = StatusUpdate.objects.filter(incident__in=incident_ids).aggregate(at=Min("created_at"))["at"]
    return {
        "acknowledge": _earliest(groups["ack"], incidents["ack"]),
        "declare": incidents["declared"],
        "commander": commander,
        "first_update": update,
        "mitigate": incidents["mitigated"],
    }


def result_of(target_seconds: int, actual_seconds: int | None, elapsed_seconds: int | None) -> str:
    """met / missed / not_reached, as the module says; `elapsed_seconds` is how long the run ran (None: not
    started)."""
    if actual_seconds is not None:
        return "met" if actual_seconds <= target_seconds else "missed"
    if elapsed_seconds is not None and elapsed_seconds > target_seconds:
        return "missed"
    return "not_reached"


def scorecard_rows(run: DrillRun, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """The rows, computed now: [{"kind", "label", "target_seconds", "actual_seconds", "reached_at", "result"}]
    in the scenario's order (actual_seconds whole seconds from the start, None until reached)."""
    expected = run.scenario.expected_responses or []
    if run.started_at is None:
        return [
            {**_row(item), "actual_seconds": None, "reached_at": None, "result": "not_reached"} for item in expected
        ]
    now = now or timezone.now()
    until = run.ended_at or now
    elapsed = int((until - run.started_at).total_seconds())
    reached = reached_at(run)
    rows = []
    for item in expected:
        at = reached.get(item["kind"])
        if at is not None and run.ended_at is not None and at > run.ended_at:
            at = None  # after the run ended: not part of the drill
        actual = max(0, int((at - run.started_at).total_seconds())) if at is not None else None
        rows.append(
            {
                **_row(item),
                "actual_seconds": actual,
                "reached_at": at.isoformat() if at is not None else None,
                "result": result_of(item["target_seconds"], actual, elapsed),
            }
        )
    return rows


def _row(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": item["kind"],
        "label": LABELS.get(item["kind"], item["kind"]),
        "target_seconds": item["target_seconds"],
    }


def run_scorecard(run: DrillRun) -> list[dict[str, Any]]:
    """What a page or the API shows: the frozen rows of an ended run, the live ones otherwise."""
    if run.status in (RunStatus.FINISHED, RunStatus.HALTED) and run.scorecard:
        return run.scorecard
    return scorecard_rows(run)

"""What every drills page shares: finding the URL's scenario or run in the request's org (another org's is a 404),
who may change what (admins write; the run's facilitator may also halt and review it; every member reads),
badges and durations in words."""

from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse

from drills.models import DrillRun, InjectStatus, RunStatus, Scenario, ScenarioStatus
from orgs.permissions import ADMIN, RESPONDER

RUN_BADGES = {
    RunStatus.SCHEDULED: "badge-info",
    RunStatus.RUNNING: "badge-warning",
    RunStatus.FINISHED: "badge-success",
    RunStatus.HALTED: "badge-danger",
    RunStatus.CANCELED: "badge-neutral",
}
INJECT_BADGES = {
    InjectStatus.PENDING: "badge-neutral",
    InjectStatus.SENDING: "badge-info",
    InjectStatus.SENT: "badge-success",
    InjectStatus.FAILED: "badge-danger",
    InjectStatus.CANCELED: "badge-neutral",
}
SCENARIO_BADGES = {ScenarioStatus.DRAFT: "badge-neutral", ScenarioStatus.APPROVED: "badge-success"}
RESULT_BADGES = {"met": "badge-success", "missed": "badge-danger", "not_reached": "badge-neutral"}
RESULT_WORDS = {"met": "Met", "missed": "Missed", "not_reached": "Not reached"}


def can_edit(request: HttpRequest) -> bool:
    return request.membership.has_role(ADMIN)


def can_run(request: HttpRequest, run: DrillRun) -> bool:
    """Halt, finish and review: admins, and the run's facilitator (a responder at least)."""
    if can_edit(request):
        return True
    return run.facilitator_id == request.user.pk and request.membership.has_role(RESPONDER)


def scenario_get(request: HttpRequest, scenario_id: Any) -> Scenario:
    """The URL's scenario in the request's org (404 otherwise: another org's is not found either)."""
    scenario = (
        Scenario.objects.for_org(request.organization)
        .select_related("organization", "severity", "created_by", "approved_by")
        .filter(uuid=scenario_id)
        .first()
    )
    if scenario is None:
        raise Http404("No such scenario.")
    return scenario


def run_get(request: HttpRequest, run_id: Any) -> DrillRun:
    run = (
        DrillRun.objects.for_org(request.organization)
        .select_related("organization", "scenario", "facilitator", "participants_schedule", "halted_by")
        .filter(uuid=run_id)
        .first()
    )
    if run is None:
        raise Http404("No such drill run.")
    return run


def scenario_url(name: str, scenario: Scenario) -> str:
    return reverse(name, kwargs={"org_slug": scenario.organization.slug, "scenario_id": scenario.uuid})


def run_url(name: str, run: DrillRun) -> str:
    return reverse(name, kwargs={"org_slug": run.organization.slug, "run_id": run.uuid})


def duration_text(seconds: int | None) -> str:
    """A duration as a responder reads it: "45 s", "4 min", "4 min 30 s", "1 h 5 min"."""
    if seconds is None:
        return "—"
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min" + (f" {rest} s" if rest else "")
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h" + (f" {minutes} min" if minutes else "")


def offset_text(seconds: int) -> str:
    """An inject's offset from the start: "T+0", "T+5 min"."""
    return "T+0" if not seconds else f"T+{duration_text(seconds)}"


def scorecard_lines(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Scorecard rows with what the page shows: the target and actual in words, the badge."""
    return [
        {
            **row,
            "target_text": duration_text(row.get("target_seconds")),
            "actual_text": duration_text(row.get("actual_seconds")) if row.get("actual_seconds") is not None else "",
            "badge": RESULT_BADGES.get(row.get("result", ""), "badge-neutral"),
            "result_text": RESULT_WORDS.get(row.get("result", ""), row.get("result", "")),
        }
        for row in rows
    ]

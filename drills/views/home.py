"""The drills home: the runs (upcoming, running, finished) and the scores over time, per scenario or per team: for
each expected response, met / missed / not reached across the last runs, oldest first."""

from collections import defaultdict
from typing import Any

from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from drills.models import RESPONSE_KINDS, DrillRun, DrillRunTeam, RunStatus, Scenario
from drills.scorecard import LABELS
from drills.views import common
from orgs.models import Organization
from orgs.web import paginate

TREND_RUNS = 12  # runs shown per line of the scores over time
ENDED = (RunStatus.FINISHED, RunStatus.HALTED, RunStatus.CANCELED)
SCORED = (RunStatus.FINISHED, RunStatus.HALTED)


def _runs(organization: Organization) -> QuerySet[DrillRun]:
    return DrillRun.objects.for_org(organization).select_related("organization", "scenario", "facilitator")


def _dot(run: DrillRun, row: dict[str, Any]) -> dict[str, Any]:
    result = row.get("result", "not_reached")
    actual = row.get("actual_seconds")
    return {
        "run": run,
        "result": result,
        "title": f"{run.reference}: {common.RESULT_WORDS.get(result, result).lower()}"
        + (f" in {common.duration_text(actual)}" if actual is not None else "")
        + f" (target {common.duration_text(row.get('target_seconds'))})",
    }


def score_lines(runs: list[DrillRun], groups: dict[Any, tuple[str, list[DrillRun]]]) -> list[dict[str, Any]]:
    """One block per group (a scenario or a team), one line per response kind its runs expected: the last
    TREND_RUNS results, oldest first, and how many were met."""
    blocks = []
    for _key, (label, group_runs) in groups.items():
        recent = group_runs[-TREND_RUNS:]
        lines = []
        for kind in RESPONSE_KINDS:
            dots = [_dot(run, row) for run in recent for row in run.scorecard or [] if row.get("kind") == kind]
            if not dots:
                continue
            met = sum(1 for dot in dots if dot["result"] == "met")
            lines.append({"kind": kind, "label": LABELS.get(kind, kind), "dots": dots, "met": met, "total": len(dots)})
        if lines:
            blocks.append({"label": label, "lines": lines, "runs": len(recent)})
    return blocks


def scores_over_time(organization: Organization, by: str) -> list[dict[str, Any]]:
    scored = list(
        _runs(organization).filter(status__in=SCORED, started_at__isnull=False).order_by("started_at", "number")
    )
    groups: dict[Any, tuple[str, list[DrillRun]]] = {}
    if by == "team":
        teams_of: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for run_id, team_id, name in (
            DrillRunTeam.objects.filter(run__in=[run.pk for run in scored])
            .annotate(name=F("team__name"))
            .values_list("run_id", "team_id", "name")
        ):
            teams_of[run_id].append((team_id, name))
        for run in scored:
            for team_id, name in teams_of.get(run.pk, []) or [(None, "No team named")]:
                groups.setdefault(team_id, (name, []))[1].append(run)
        groups = dict(sorted(groups.items(), key=lambda item: (item[0] is None, item[1][0].lower())))
    else:
        for run in scored:
            groups.setdefault(run.scenario_id, (run.scenario.title, []))[1].append(run)
        groups = dict(sorted(groups.items(), key=lambda item: item[1][0].lower()))
    return score_lines(scored, groups)


@require_GET
def drills_home(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    by = "team" if request.GET.get("by") == "team" else "scenario"
    runs = _runs(organization)
    upcoming = list(
        runs.filter(status=RunStatus.SCHEDULED).order_by(F("scheduled_for").asc(nulls_first=True), "number")
    )
    running = list(runs.filter(status=RunStatus.RUNNING).order_by("started_at"))
    ended = paginate(request, runs.filter(status__in=ENDED).order_by("-ended_at", "-number"))
    scenarios = Scenario.objects.for_org(organization)
    context = {
        "upcoming": upcoming,
        "running": running,
        "ended": ended,
        "by": by,
        "scores": scores_over_time(organization, by),
        "scenario_count": scenarios.count(),
        "approved_count": scenarios.filter(status="approved").count(),
        "run_badges": common.RUN_BADGES,
        "can_edit": common.can_edit(request),
        "has_runs": bool(upcoming or running or ended.paginator.count),
    }
    return render(request, "drills/home.html", context)

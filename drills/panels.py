"""The drills section of the analytics page (core.panels.ANALYTICS): the drills that ran in the dashboard's date
range, how many were halted, and per expected response how often its target was met. Drill incidents stay out of
the production figures above it (the analytics exclude them unless "Include drills" is chosen)."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from core import panels
from drills.models import RESPONSE_KINDS, DrillRun, RunStatus
from drills.scorecard import LABELS


def analytics_context(request: HttpRequest, filters: Any = None, **objects: Any) -> dict[str, Any] | None:
    """The section's figures for runs started in the filters' range (None: no filters, no section)."""
    if filters is None:
        return None
    organization = request.organization
    runs = list(
        DrillRun.objects.for_org(organization)
        .filter(
            status__in=[RunStatus.FINISHED, RunStatus.HALTED],
            started_at__gte=filters.start,
            started_at__lt=filters.end,
        )
        .only("status", "scorecard")
    )
    lines = []
    for kind in RESPONSE_KINDS:
        results = [row.get("result") for run in runs for row in run.scorecard or [] if row.get("kind") == kind]
        if not results:
            continue
        met = results.count("met")
        lines.append(
            {
                "label": LABELS[kind],
                "met": met,
                "total": len(results),
                "missed": results.count("missed"),
                "percent": round(100 * met / len(results)),
            }
        )
    return {
        "runs": len(runs),
        "halted": sum(1 for run in runs if run.status == RunStatus.HALTED),
        "lines": lines,
        "drills_url": reverse("drills:home", kwargs={"org_slug": organization.slug}),
        "scheduled": DrillRun.objects.for_org(organization).filter(status=RunStatus.SCHEDULED).count(),
    }


def register() -> None:
    panels.panel_register(panels.ANALYTICS, "drills", 50, "drills/partials/_analytics_panel.html", analytics_context)

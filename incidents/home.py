"""The incidents app's panels on the org home page (core.home): open incidents, and my open tasks."""

from collections import Counter
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from core.home import home_panel_register
from incidents import selectors
from incidents.templatetags.incident_ui import duration_text
from orgs.permissions import RESPONDER

# More open incidents than this is a crisis of its own: the panel shows the worst and links to the list.
INCIDENT_LIMIT = 25
TASK_LIMIT = 8


def open_incidents_context(request: HttpRequest) -> dict[str, Any]:
    """Open incidents worst first with commander and age; the severities' counts for the panel's header."""
    incidents = selectors.incident_open_board(organization=request.organization)
    now = timezone.now()
    for incident in incidents:
        incident.age = duration_text(now - incident.declared_at)
    severities = Counter(incident.severity for incident in incidents)
    return {
        "incidents": incidents[:INCIDENT_LIMIT],
        "more": max(len(incidents) - INCIDENT_LIMIT, 0),
        "total": len(incidents),
        "severity_counts": sorted(severities.items(), key=lambda pair: pair[0].rank),
        "can_declare": request.membership.has_role(RESPONDER),
    }


def my_tasks_context(request: HttpRequest) -> dict[str, Any]:
    """The incident tasks assigned to the person who opened the page and not done yet."""
    tasks = selectors.task_open_list_for_assignee(organization=request.organization, user=request.user)
    shown = list(tasks[: TASK_LIMIT + 1])
    total = len(shown) if len(shown) <= TASK_LIMIT else tasks.count()
    return {"tasks": shown[:TASK_LIMIT], "total": total, "more": total - min(total, TASK_LIMIT)}


def register() -> None:
    home_panel_register("incidents", 10, "incidents/partials/_home_incidents.html", open_incidents_context)
    home_panel_register("my-tasks", 40, "incidents/partials/_home_tasks.html", my_tasks_context)

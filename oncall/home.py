"""The oncall app's panel on the org home page (core.home): am I on call, and who is on call now on each
schedule, my teams' schedules first."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from core.home import home_panel_register
from oncall.selectors import schedules as selectors
from oncall.views import now_next_context
from orgs import selectors as org_selectors
from orgs.permissions import ADMIN


def oncall_now_context(request: HttpRequest) -> dict[str, Any]:
    """Each schedule's current and next on-call (the schedule pages' wording), and the viewer's own shifts."""
    organization, user = request.organization, request.user
    board = selectors.schedule_board(organization=organization, now=timezone.now())
    team_ids = org_selectors.team_ids_for_user(organization=organization, user=user)
    rows = []
    for entry in board:
        current, following = entry.now_next.current, entry.now_next.following
        rows.append(
            {
                "schedule": entry.schedule,
                "my_team": entry.schedule.owner_team_id in team_ids,
                "me_now": current is not None and current.user_id == user.pk,
                "me_next": following is not None and following.user_id == user.pk,
                **now_next_context(entry.schedule, entry.now_next, entry.users),
            }
        )
    rows.sort(key=lambda row: not row["my_team"])  # stable: by name within each group
    return {
        "rows": rows,
        "mine": [row for row in rows if row["me_now"]],
        "my_next": sorted((row for row in rows if row["me_next"]), key=lambda row: row["following"]["starts_at"]),
        "gaps": sum(1 for row in rows if row["current"] is None),
        "can_manage": request.membership.has_role(ADMIN),
    }


def register() -> None:
    home_panel_register("oncall", 30, "oncall/partials/_home_oncall.html", oncall_now_context)

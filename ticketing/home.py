"""The ticketing app's panel on the org home page (core.home): my follow-ups that are overdue or due soon."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from core.home import home_panel_register
from ticketing import selectors

DUE_WITHIN_DAYS = 7
FOLLOW_UP_LIMIT = 8


def my_follow_ups_context(request: HttpRequest) -> dict[str, Any]:
    """The viewer's open follow-ups due within a week or overdue, and how many they own in all."""
    organization, user = request.organization, request.user
    today = timezone.now().date()
    due = selectors.follow_up_due_for_owner(organization=organization, owner=user, today=today, days=DUE_WITHIN_DAYS)
    follow_ups = list(due[:FOLLOW_UP_LIMIT])
    counts = selectors.follow_up_due_counts(organization=organization, owner=user, today=today, days=DUE_WITHIN_DAYS)
    return {
        "follow_ups": follow_ups,
        "counts": counts,
        "more": counts["due"] - len(follow_ups),
        "days": DUE_WITHIN_DAYS,
        "mine_query": f"owner={user.uuid}&status=open",
    }


def register() -> None:
    home_panel_register("my-follow-ups", 50, "ticketing/partials/_home_follow_ups.html", my_follow_ups_context)

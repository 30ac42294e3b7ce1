"""The alerting app's panel on the org home page (core.home): alert groups nobody has acknowledged."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from alerting import selectors
from core.home import home_panel_register
from orgs.permissions import ADMIN, RESPONDER

GROUP_LIMIT = 8


def alerts_waiting_context(request: HttpRequest) -> dict[str, Any]:
    """Triggered groups waiting for someone (unanswered ones first), their counts, and whether any source is set up."""
    organization = request.organization
    now = timezone.now()
    counts = selectors.alert_group_waiting_counts(organization=organization, now=now)
    groups = (
        list(selectors.alert_group_waiting(organization=organization, now=now)[:GROUP_LIMIT]) if counts["total"] else []
    )
    for group in groups:  # the rows link with the org's slug: no query per row
        group.organization = organization
    return {
        "groups": groups,
        "counts": counts,
        "more": counts["total"] - len(groups),
        "has_integrations": bool(groups) or selectors.integration_list(organization=organization).exists(),
        "can_respond": request.membership.has_role(RESPONDER),
        "can_manage": request.membership.has_role(ADMIN),
        "next": request.path,
    }


def register() -> None:
    home_panel_register("alerts", 20, "alerting/partials/_home_alerts.html", alerts_waiting_context)

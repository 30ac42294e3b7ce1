"""Live triage queue: after commit, push a group's refreshed row to the org's alert queue group."""

import logging

from django.template.loader import render_to_string

from orgs.live import send_many as _send_many

logger = logging.getLogger(__name__)


def org_alerts_group(organization_id: int) -> str:
    return f"org.{organization_id}.alerts"


def alert_group_broadcast(*, group_id: int) -> None:
    """Push one group's row (new or changed) to browsers on the triage queue (called after commit)."""
    alert_groups_broadcast(group_ids=[group_id])


def alert_groups_broadcast(*, group_ids: list[int]) -> None:
    """Push many groups' rows (a batch of escalations ended) with one query and one trip to the channel layer."""
    from alerting import selectors

    groups = selectors.alert_group_queryset().filter(pk__in=group_ids).order_by("pk")
    _send_many(
        [
            (
                org_alerts_group(group.organization_id),
                {
                    "type": "alert.group",
                    "html": render_to_string("alerting/partials/_live_group_row.html", {"group": group}),
                    "group": str(group.uuid),
                },
            )
            for group in groups
        ]
    )

"""Live triage queue: after commit, push a group's refreshed row to the org's alert queue group."""

import logging

from django.template.loader import render_to_string

from incidents.live import _send

logger = logging.getLogger(__name__)


def org_alerts_group(organization_id: int) -> str:
    return f"org.{organization_id}.alerts"


def alert_group_broadcast(*, group_id: int) -> None:
    """Push one group's row (new or changed) to browsers on the triage queue (called after commit)."""
    from alerting import selectors

    group = selectors.alert_group_queryset().filter(pk=group_id).first()
    if group is None:
        return
    html = render_to_string("alerting/partials/_live_group_row.html", {"group": group})
    _send(org_alerts_group(group.organization_id), {"type": "alert.group", "html": html, "group": str(group.uuid)})

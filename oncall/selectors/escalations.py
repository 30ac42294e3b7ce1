"""Reads of escalation runs, for the alert group page, the API and the benchmark."""

from alerting.models import AlertGroup
from oncall.models import Escalation


def escalation_latest(*, group: AlertGroup) -> Escalation | None:
    """The group's most recent escalation run (the active one while paging), or None if never paged."""
    return Escalation.objects.for_org(group.organization_id).filter(alert_group=group).order_by("-pk").first()

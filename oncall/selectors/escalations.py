"""Reads of escalation runs, for the alert group page, the API and the benchmark."""

from django.db.models import QuerySet

from alerting.models import AlertGroup
from oncall.models import Escalation
from orgs.models import Organization


def escalation_latest(*, group: AlertGroup) -> Escalation | None:
    """The group's most recent escalation run (the active one while paging), or None if never paged."""
    return Escalation.objects.for_org(group.organization_id).filter(alert_group=group).order_by("-pk").first()


def escalation_list(*, organization: Organization, status: str | None = None) -> QuerySet[Escalation]:
    """The org's escalation runs, newest first, optionally of one status."""
    qs = Escalation.objects.for_org(organization).select_related("policy", "alert_group").order_by("-started_at")
    return qs.filter(status=status) if status else qs

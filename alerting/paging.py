"""The single hook between alerting and paging. The on-call issue replaces the body with starting
the service's escalation policy; until then it records that paging is pending."""

from alerting.models import AlertGroup


def alert_group_triggered(*, group: AlertGroup) -> None:
    """Called once, in the ingest transaction, when a new alert group opens."""
    from alerting import actions

    actions.paging_mark_pending(group=group)

"""The single seam between alerting and paging: alerting calls these, the oncall app runs escalations.

Both run inside the caller's transaction (the caller holds the group's row lock or just created it).
The oncall import stays inside the functions: oncall's actions read alerting's models.
"""

from alerting.models import AlertGroup, AlertGroupStatus


def alert_group_triggered(*, group: AlertGroup) -> None:
    """A new alert group opened: start its service's escalation policy (first step due now)."""
    from oncall.actions import escalations

    escalations.escalation_start(group=group)


def alert_group_paging_stop(*, group: AlertGroup) -> None:
    """The group was acknowledged, resolved or merged away: stop paging for it."""
    from oncall.actions import escalations
    from oncall.models import EscalationStatus

    # Callers may have moved the group with a queryset update: its status in the database is the truth.
    current = AlertGroup.objects.filter(pk=group.pk).values_list("status", flat=True).first()
    acknowledged = current == AlertGroupStatus.ACKNOWLEDGED
    status = EscalationStatus.ACKNOWLEDGED if acknowledged else EscalationStatus.RESOLVED
    escalations.escalation_stop(group=group, status=status)

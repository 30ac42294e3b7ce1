"""The single seam between alerting and paging: alerting calls these, the oncall app runs escalations.

Both run inside the caller's transaction (the caller holds the group's row lock or just created it).
The oncall import stays inside the functions: oncall's actions read alerting's models.
"""

from alerting.models import AlertGroup


def alert_group_triggered(*, group: AlertGroup) -> None:
    """A new alert group opened: start its service's escalation policy (or record that paging is pending)."""
    from alerting import actions

    actions.paging_mark_pending(group=group)


def alert_group_paging_stop(*, group: AlertGroup) -> None:
    """The group was acknowledged, resolved or merged away: stop paging for it."""

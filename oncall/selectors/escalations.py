"""Reads of escalation runs, for the alert group page, the API and the benchmark."""

from oncall.models import Escalation


def escalation_latest(*, organization_id: int, subject_kind: str, subject_id: int) -> Escalation | None:
    """The subject's most recent escalation run (the active one while paging), or None if never paged."""
    runs = Escalation.objects.for_org(organization_id).filter(subject_kind=subject_kind, subject_id=subject_id)
    return runs.order_by("-pk").first()

"""The seam between alerting and paging. alerting sits above oncall: it starts and stops an alert group's
escalation through oncall's actions and keeps the group's `paging_status` itself; oncall never imports alerting.

* oncall reads a group at each step through the reader registered here (oncall.subjects): whether it still
  pages (triggered), its silence, and what the page says;
* what a run does on its own — a step finds the group no longer paging or nothing left to page with
  (`escalation.ended`), or nobody answered (`escalation.unanswered`) — reaches alerting as oncall's events
  (alerting.subscribers), which update `paging_status` and push the row to the triage queue.

Both functions below run inside the caller's transaction (the caller holds the group's row lock or just created
it) and set the group's `paging_status` in the database and on the object, which the caller pushes.
"""

from django.conf import settings
from django.utils import timezone

from alerting.models import AlertGroup, AlertGroupStatus, PagingStatus
from oncall import subjects
from oncall.actions import escalations
from oncall.models import EscalationStatus

SUBJECT_KIND = "alert_group"  # Escalation.subject_kind of an alert group's runs
DRILL_PREFIX = "[DRILL] "  # a drill integration's pages say so first: nobody takes a drill for the real thing


def paging_status_set(group: AlertGroup, status: str) -> None:
    """Record the group's paging state (the caller pushes the group's row)."""
    AlertGroup.objects.filter(pk=group.pk).update(paging_status=status, updated_at=timezone.now())
    group.paging_status = status


def alert_group_triggered(*, group: AlertGroup) -> None:
    """A new alert group opened: start its service's escalation policy (first step due now). A service with no
    policy, or a policy with no steps, pages nobody and the group says so (`no_policy`)."""
    escalation = escalations.escalation_start(
        organization_id=group.organization_id,
        service_id=group.service_id,
        subject_kind=SUBJECT_KIND,
        subject_id=group.pk,
    )
    paging_status_set(group, PagingStatus.PAGING if escalation is not None else PagingStatus.NO_POLICY)


def alert_group_paging_stop(*, group: AlertGroup) -> None:
    """The group was acknowledged, resolved or merged away: stop paging for it."""
    # Callers may have moved the group with a queryset update: its status in the database is the truth.
    current = AlertGroup.objects.filter(pk=group.pk).values_list("status", flat=True).first()
    acknowledged = current == AlertGroupStatus.ACKNOWLEDGED
    status = EscalationStatus.ACKNOWLEDGED if acknowledged else EscalationStatus.RESOLVED
    stopped = escalations.escalation_stop(
        organization_id=group.organization_id, subject_kind=SUBJECT_KIND, subject_id=group.pk, status=status
    )
    if stopped and group.paging_status in (PagingStatus.PAGING, PagingStatus.PENDING):
        paging_status_set(group, PagingStatus.STOPPED)


# --- what an escalation step reads of a group (oncall.subjects) ---------------------------------------------


def _page_summary(group: AlertGroup) -> str:
    service = group.service.name if group.service_id else "an unknown service"
    return f"{group.title}\nService: {service} · severity {group.severity} · {group.alert_count} alert(s)"


def _drill(group: AlertGroup) -> str:
    return DRILL_PREFIX if group.integration.is_drill else ""


def _stopped_as(group: AlertGroup) -> str | None:
    if group.status == AlertGroupStatus.TRIGGERED:
        return None
    resolved = group.status == AlertGroupStatus.RESOLVED
    return EscalationStatus.RESOLVED if resolved else EscalationStatus.ACKNOWLEDGED


def page_subjects(ids: list[int]) -> dict[int, subjects.PageSubject]:
    """The alert groups with these ids as escalation steps read them, in one query."""
    groups = AlertGroup.objects.filter(pk__in=ids).select_related("organization", "service", "integration")
    return {
        group.pk: subjects.PageSubject(
            kind=SUBJECT_KIND,
            id=group.pk,
            stopped_as=_stopped_as(group),
            silenced_until=group.silenced_until,
            subject=f"{_drill(group)}[{group.severity.upper()}] {group.title}"[:300],
            summary=_page_summary(group),
            link=f"{settings.SITE_URL}/o/{group.organization.slug}/alerts/{group.uuid}/",
            label=f"alert “{group.title[:120]}”",
            incident_id=group.incident_id,
            delivery={"alert_group": group},
        )
        for group in groups
    }


def register() -> None:
    subjects.subject_reader_register(SUBJECT_KIND, page_subjects)

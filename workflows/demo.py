"""Demo data of the workflows app for `seed_demo` (idempotent): the seeded "Declaration process" (its runs come from
the demo's major incidents, declared earlier by the incidents step) and a "Resolution reminder" workflow with runs
for the two most recent resolved incidents, run through the real engine so their notes are on the timelines."""

from django.db import transaction

from incidents.models import Incident, IncidentStatus, TimelineEvent, TimelineKind
from orgs.models import Organization
from workflows.actions import runs, seed
from workflows.models import StepStatus, Workflow, WorkflowRun

DEMO_ORDER = 90  # last: after the status page (75) and the retrospectives (80), on the incidents they made
REMINDER = "Resolution reminder"


@transaction.atomic
def seed_demo(*, organization: Organization) -> None:
    """Add this app's demo rows to the demo organization; running it twice changes nothing."""
    from workflows.triggers import Subject, incident_context

    seed.declaration_process_ensure(organization=organization)
    reminder = Workflow.objects.for_org(organization).filter(name=REMINDER).first()
    if reminder is None:
        reminder = Workflow.objects.create(
            organization=organization,
            name=REMINDER,
            description="When an incident is resolved, remind the team to book its retrospective.",
            trigger="incident.status_changed",
            conditions=[{"field": "status", "operator": "is", "value": "resolved"}],
            actions=[
                {
                    "action": "post_note",
                    "params": {
                        "body": "{{ incident.reference }} is resolved. Book the retrospective within 5 working days."
                    },
                    "delay_seconds": 0,
                    "enabled": True,
                }
            ],
        )
    resolved = (
        TimelineEvent.objects.for_org(organization)
        .filter(
            kind=TimelineKind.STATUS_CHANGED,
            payload__to=IncidentStatus.RESOLVED,
            incident__is_drill=False,
        )
        .select_related("incident")
        .order_by("-occurred_at")[:2]
    )
    for entry in resolved:
        incident: Incident = entry.incident
        key = f"incident:{incident.pk}:status:{entry.pk}"
        if WorkflowRun.objects.filter(workflow=reminder, event_key=key).exists():
            continue
        context = incident_context(
            organization.pk,
            incident.pk,
            {
                "at": entry.occurred_at,
                "subject": {"kind": "incident", "id": incident.pk},
                "event": {"name": "incident.status_changed", "before": "monitoring", "after": "resolved"},
                "status": IncidentStatus.RESOLVED,
            },
        )
        subject = Subject("incident", incident.pk, key, context, incident.pk)
        for run in runs.runs_start(
            organization_id=organization.pk, workflows=[reminder], trigger=reminder.trigger, subject=subject
        ):
            for step in run.steps.filter(status=StepStatus.PENDING).order_by("position"):
                step.refresh_from_db()
                runs.step_run(step_id=step.pk, token=str(step.task_token))

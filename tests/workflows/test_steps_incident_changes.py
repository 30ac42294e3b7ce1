"""change_severity and change_status through incidents' actions; an illegal status move fails the step with the
incidents app's words and writes nothing."""

import pytest
from django.core.exceptions import ValidationError

from incidents.models import Incident, IncidentStatus, TimelineEvent, TimelineKind
from tests.workflows.steps_helpers import context, incident_of, org_ready, severity
from workflows.steps import ACTIONS

pytestmark = pytest.mark.django_db

SEVERITY = ACTIONS["change_severity"]
STATUS = ACTIONS["change_status"]


@pytest.fixture
def acme(org):
    return org_ready(org)


def test_severity_changes_and_the_timeline_says_so(acme):
    incident = incident_of(acme, severity=severity(acme, "SEV3"))
    ctx = context(acme, "change_severity", {"severity": "SEV1"}, incident=incident)

    assert SEVERITY.plan(ctx).outcome == f"Would change {incident.reference}'s severity from SEV3 to SEV1"
    outcome = SEVERITY.execute(ctx)

    assert (outcome.status, outcome.outcome) == ("succeeded", f"{incident.reference} is now SEV1 (was SEV3)")
    assert Incident.objects.get(pk=incident.pk).severity.name == "SEV1"
    entry = TimelineEvent.objects.get(incident=incident, kind=TimelineKind.SEVERITY_CHANGED)
    assert entry.payload == {"from": "SEV3", "to": "SEV1"}
    incident.refresh_from_db()
    same = SEVERITY.execute(context(acme, "change_severity", {"severity": "SEV1"}, incident=incident))
    assert (same.status, same.outcome) == ("skipped", f"{incident.reference} is already SEV1")


def test_severity_validate(acme, other_org):
    org_ready(other_org)
    assert SEVERITY.describe(acme, {"severity": "SEV2"}) == "Change the severity to SEV2"
    for value in ("SEV9", "sev1", 1):
        with pytest.raises(ValidationError) as caught:
            SEVERITY.validate(acme, {"severity": value})
        assert caught.value.message_dict == {"severity": [f"“{value}” is not a severity of this organization."]}


def test_status_moves_forward(acme):
    incident = incident_of(acme, status=IncidentStatus.INVESTIGATING)
    ctx = context(acme, "change_status", {"status": "monitoring"}, incident=incident)

    assert STATUS.plan(ctx).outcome == f"Would move {incident.reference} from investigating to monitoring"
    assert Incident.objects.get(pk=incident.pk).status == "investigating"
    outcome = STATUS.execute(ctx)

    assert (outcome.status, outcome.outcome) == (
        "succeeded",
        f"{incident.reference} moved from investigating to monitoring",
    )
    stored = Incident.objects.get(pk=incident.pk)
    assert stored.status == "monitoring"
    assert stored.mitigated_at is not None
    assert TimelineEvent.objects.get(incident=incident, kind=TimelineKind.STATUS_CHANGED).payload == {
        "from": "investigating",
        "to": "monitoring",
    }


def test_an_illegal_move_fails_with_the_incidents_message(acme):
    incident = incident_of(acme, status=IncidentStatus.CLOSED)
    ctx = context(acme, "change_status", {"status": "investigating"}, incident=incident)
    message = "Cannot move from closed to investigating. Allowed next: none (this incident is finished)."

    assert (STATUS.plan(ctx).status, STATUS.plan(ctx).outcome) == ("failed", message)
    outcome = STATUS.execute(ctx)

    assert (outcome.status, outcome.outcome) == ("failed", message)
    assert Incident.objects.get(pk=incident.pk).status == "closed"
    assert not TimelineEvent.objects.filter(incident=incident).exists()


def test_status_validate(acme):
    assert STATUS.describe(acme, {"status": "resolved"}) == "Move the incident to Resolved"
    for value in ("merged", "done"):
        with pytest.raises(ValidationError) as caught:
            STATUS.validate(acme, {"status": value})
        assert caught.value.message_dict == {
            "status": [
                f"“{value}” is not a status a workflow can set (one of triage, investigating, identified, "
                "monitoring, resolved, closed, declined, canceled)."
            ]
        }

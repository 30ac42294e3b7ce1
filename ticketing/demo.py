"""Demo data of the ticketing app for `seed_demo` (idempotent): follow-ups of the demo's resolved incidents,
some done, some overdue, one not tied to any incident."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from incidents.models import Incident
from orgs.models import Organization, User
from orgs.tenancy import Actor
from ticketing import actions
from ticketing.models import FollowUp, FollowUpSource

DEMO_ORDER = 70  # after the incidents (and their retrospectives) the follow-ups belong to (core.demo)

FOLLOW_UPS = [
    # incident title, follow-up title, owner email, priority, due in days (negative: past), status
    ("Checkout 500s after deploy", "Add a canary stage to the checkout deploy pipeline", "bob@example.com", "high", -6,
     "in_progress"),
    ("Checkout 500s after deploy", "Alert on checkout 5xx rate above 1% for 2 minutes", "demo@example.com", "urgent",
     -2, "open"),
    ("Card processor timeouts", "Set a 3 s timeout and retry budget on the card processor client", "bob@example.com",
     "high", 9, "open"),
    ("Redis failover caused session loss", "Move sessions to a replicated Redis with persistence", "alice@example.com",
     "medium", 20, "open"),
    ("Redis failover caused session loss", "Document the Redis failover runbook", "deepak@example.com", "low", -20,
     "done"),
    ("API gateway 502s in eu-west-1", "Load-test the gateway with eu-west-1 peak traffic", "carmen@example.com",
     "medium", -1, "open"),
    ("Invoice emails delayed", "Page billing on-call when the email queue is older than 15 minutes",
     "bob@example.com", "medium", 12, "wont_do"),
    ("", "Review on-call handover checklist with every team", "demo@example.com", "low", None, "open"),
]  # fmt: skip


@transaction.atomic
def seed_demo(*, organization: Organization) -> None:
    """Add this app's demo rows to the demo organization; running it twice changes nothing."""
    if FollowUp.objects.for_org(organization).exists():
        return
    today = timezone.now().date()
    people = {u.email: u for u in User.objects.filter(memberships__organization=organization)}
    incidents = {i.title: i for i in Incident.objects.for_org(organization).select_related("organization")}
    for incident_title, title, email, priority, due_in, status in FOLLOW_UPS:
        incident = incidents.get(incident_title)
        if incident_title and incident is None:
            continue
        owner = people.get(email)
        actions.follow_up_create(
            organization=organization,
            actor=Actor(user=owner),
            title=title,
            owner=owner,
            priority=priority,
            status=status,
            due_date=today + timedelta(days=due_in) if due_in is not None else None,
            incident=incident,
            # The resolved demo incidents have their retrospectives by now: these are its action items.
            source=FollowUpSource.RETROSPECTIVE if incident is not None else FollowUpSource.DIRECT,
        )

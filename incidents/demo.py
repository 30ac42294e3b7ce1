"""Demo incidents for `seed_demo`: one open SEV2 being worked, and resolved ones over 90 days with
realistic milestones (for analytics). Idempotent: does nothing once the org has incidents."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from incidents import actions
from incidents.models import Incident, IncidentRole, IncidentType, Severity, TimelineEvent
from orgs.models import Organization, User
from orgs.tenancy import Actor
from services.models import Service

DEMO_ORDER = 30  # after the services they affect (core.demo)

PAST = [
    # title, severity, services, minutes to detect/ack/identify/mitigate/resolve after start
    ("Checkout 500s after deploy", "SEV1", ["checkout", "payments"], (3, 6, 18, 25, 41)),
    ("Search latency above 2 s", "SEV3", ["search"], (10, 14, 50, 70, 95)),
    ("Card processor timeouts", "SEV2", ["payments"], (2, 4, 30, 44, 120)),
    ("Stale dashboards in the warehouse", "SEV4", ["warehouse", "analytics-pipeline"], (60, 90, 140, 200, 300)),
    ("Redis failover caused session loss", "SEV2", ["redis", "web"], (1, 3, 12, 20, 35)),
    ("Invoice emails delayed", "SEV3", ["billing", "notifications"], (25, 40, 70, 90, 180)),
    ("API gateway 502s in eu-west-1", "SEV1", ["api-gateway", "kubernetes"], (2, 5, 15, 22, 48)),
    ("Postgres replica lag", "SEV3", ["postgres"], (15, 20, 35, 60, 75)),
]

INCIDENT_TYPES = [
    # name, description, default severity, the commander's checklist
    (
        "Security incident",
        "Suspected breach, leaked credentials, or abuse of the platform.",
        "SEV2",
        [
            "Page the security on-call",
            "Preserve logs and evidence before changing anything",
            "Decide whether customers or regulators must be told",
        ],
    ),
    (
        "Data loss or corruption",
        "Customer data is missing, wrong or at risk.",
        "SEV1",
        [
            "Stop writes to the affected data",
            "Confirm the last good backup",
            "Estimate which customers and records are affected",
        ],
    ),
    (
        "Third-party outage",
        "A provider we depend on is down or degraded.",
        "SEV3",
        ["Link the provider's status page in the timeline", "Switch to the fallback provider if there is one"],
    ),
]


def incident_types_seed(*, organization: Organization) -> None:
    """Give the demo org a few incident types unless it has some (they are optional in real orgs)."""
    if IncidentType.objects.for_org(organization).exists():
        return
    severities = {s.name: s for s in Severity.objects.for_org(organization)}
    for position, (name, description, severity, checklist) in enumerate(INCIDENT_TYPES):
        actions.incident_type_create(
            organization=organization,
            actor=Actor.system(),
            name=name,
            description=description,
            default_severity=severities.get(severity),
            checklist=checklist,
            position=position,
        )


TRIAGE_TITLE = "Search results stale in eu-west-1b"


def triage_seed(*, organization: Organization) -> None:
    """A fresh SEV3 in triage, declared from an alert, that nobody has taken command of yet: the home page
    shows it with a loud "No commander". Added once, also to demo orgs seeded before it existed."""
    if Incident.objects.for_org(organization).filter(title=TRIAGE_TITLE).exists():
        return
    services = Service.objects.for_org(organization).filter(slug="search")
    actions.incident_declare(
        organization=organization,
        actor=Actor.system(),  # declared automatically: no declarer, so no commander yet
        title=TRIAGE_TITLE,
        severity=Severity.objects.for_org(organization).get(name="SEV3"),
        services=list(services),
        summary="The search health check fails in one zone; results may be minutes old.",
        status="triage",
        started_at=timezone.now() - timedelta(minutes=12),
    )


@transaction.atomic
def seed_demo(*, organization: Organization) -> list[Incident]:
    """Create the demo incident types, and the demo incidents unless the org already has incidents."""
    actions.organization_defaults_ensure(organization=organization)
    incident_types_seed(organization=organization)
    if Incident.objects.for_org(organization).exists():
        triage_seed(organization=organization)
        return []
    rng = random.Random(42)
    people = list(User.objects.filter(memberships__organization=organization).order_by("email"))
    severities = {s.name: s for s in Severity.objects.for_org(organization)}
    services = {s.slug: s for s in Service.objects.for_org(organization)}
    now = timezone.now()
    created = []
    for index, (title, severity, slugs, minutes) in enumerate(PAST):
        person = people[index % len(people)]
        incident = actions.incident_declare(
            organization=organization,
            actor=Actor(user=person),
            title=title,
            severity=severities[severity],
            services=[services[s] for s in slugs if s in services],
            summary=f"{title}. See the timeline for the response.",
            customer_impact="Some customers saw errors." if severity in ("SEV1", "SEV2") else "",
        )
        for status in ("identified", "monitoring", "resolved", "closed"):
            actions.incident_transition(incident=incident, status=status, actor=Actor(user=person))
        started = now - timedelta(days=rng.randint(3, 88), hours=rng.randint(0, 23), minutes=rng.randint(0, 59))
        detect, ack, identify, mitigate, resolve = (started + timedelta(minutes=m) for m in minutes)
        Incident.objects.filter(pk=incident.pk).update(
            started_at=started,
            detected_at=detect,
            declared_at=detect,
            acknowledged_at=ack,
            identified_at=identify,
            mitigated_at=mitigate,
            resolved_at=resolve,
            closed_at=resolve + timedelta(days=1),
        )
        # Demo only: place the generated timeline where the incident happened.
        for offset, event in enumerate(TimelineEvent.objects.filter(incident=incident).order_by("id")):
            TimelineEvent.objects.filter(pk=event.pk).update(occurred_at=detect + timedelta(minutes=offset * 4))
        created.append(incident)

    dana = User.objects.get(email="demo@example.com")
    bob = User.objects.filter(email="bob@example.com").first() or dana
    live = actions.incident_declare(
        organization=organization,
        actor=Actor(user=dana),
        title="Elevated checkout errors in eu-west-1",
        severity=severities["SEV2"],
        services=[services[s] for s in ("checkout", "payments") if s in services],
        summary="Around 8% of checkout attempts fail with a 502 from the payments service.",
        customer_impact="Some customers cannot complete purchases; retries mostly succeed.",
        started_at=now - timedelta(minutes=38),
    )
    comms = IncidentRole.objects.for_org(organization).filter(slug="communications-lead").first()
    if comms is not None:
        actions.role_assign(incident=live, role=comms, user=bob, actor=Actor(user=dana))
    actions.note_add(
        incident=live,
        body="Errors started right after the **payments v2.14** deploy. Rolling back one canary first.",
        actor=Actor(user=dana),
    )
    actions.status_update_post(
        incident=live,
        message="We are investigating failed checkouts for some customers in Europe.",
        actor=Actor(user=bob),
        visibility="external",
    )
    actions.incident_transition(incident=live, status="identified", actor=Actor(user=dana))
    created.append(live)
    triage_seed(organization=organization)
    return created

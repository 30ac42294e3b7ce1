"""Demo integrations and alert groups for `seed_demo`, in every state. Idempotent."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from alerting import actions
from alerting.events import InboundEvent
from alerting.models import Integration
from incidents.models import Incident, IncidentStatus
from orgs.models import Organization, User
from orgs.tenancy import Actor
from services.models import Service

DEMO_ORDER = 60  # after the services' escalation policies, so the demo alerts page someone (core.demo)

INTEGRATIONS = [
    ("payments", "PagerDuty events", "pagerduty_v2"),
    ("kubernetes", "Prometheus Alertmanager", "alertmanager"),
    ("web", "Grafana", "grafana"),
    ("search", "Search health checks", "webhook"),
]

# integration index, dedup key, summary, severity, repeats, final state
GROUPS = [
    (0, "payments-5xx-rate", "Payments API 5xx rate above 5%", "critical", 14, "incident"),
    (1, "KubePodCrashLooping/checkout", "Pod checkout-7f9c is crash looping", "error", 6, "triggered"),
    (1, "NodeDiskPressure/ip-10-0-3-12", "Node ip-10-0-3-12 disk pressure", "warning", 3, "acknowledged"),
    (2, "web-lcp-p75", "Web LCP p75 above 4 s", "warning", 9, "silenced"),
    (3, "search-health", "Search health check failing in eu-west-1b", "error", 2, "triggered"),
    (1, "KubeJobFailed/nightly-export", "Job nightly-export failed", "info", 1, "resolved"),
    (0, "payments-latency", "Payments p99 latency above 800 ms", "warning", 4, "resolved"),
]


@transaction.atomic
def seed_demo(*, organization: Organization) -> None:
    """Create demo integrations and groups unless the org already has integrations."""
    if Integration.objects.for_org(organization).exists():
        return
    system = Actor.system()
    services = {s.slug: s for s in Service.objects.for_org(organization)}
    integrations = []
    for slug, name, kind in INTEGRATIONS:
        if slug not in services:
            return
        integration, _key = actions.integration_create(
            organization=organization, service=services[slug], name=name, kind=kind, actor=system
        )
        integrations.append(integration)
    person = Actor(user=User.objects.filter(email="demo@example.com").first())
    live_incident = Incident.objects.for_org(organization).filter(status=IncidentStatus.IDENTIFIED).first()
    for index, key, summary, severity, repeats, state in GROUPS:
        integration = integrations[index]
        for _ in range(repeats):
            result = actions.alert_ingest(
                integration=integration,
                event=InboundEvent(
                    action="trigger",
                    dedup_key=key,
                    summary=summary,
                    severity=severity,
                    source=integration.name,
                    labels={"service": integration.service.slug, "env": "production"},
                    payload={"summary": summary, "severity": severity, "dedup_key": key},
                ),
            )
        group = result.group
        if state == "acknowledged":
            actions.alert_group_acknowledge(group=group, actor=person)
        elif state == "resolved":
            actions.alert_group_resolve(group=group, actor=person)
        elif state == "silenced":
            actions.alert_group_silence(group=group, until=timezone.now() + timedelta(hours=2), actor=person)
        elif state == "incident" and live_incident is not None:
            actions.alert_group_attach(group=group, incident=live_incident, actor=person)
            actions.alert_group_acknowledge(group=group, actor=person)

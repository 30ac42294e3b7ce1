"""Demo data of the retros app for `seed_demo` (idempotent): the resolved demo incidents' retrospectives, dated
from when they resolved, one published with a full write-up, one in review, the others drafts (some overdue)."""

from datetime import timedelta

from django.db import transaction

from core import markdown
from incidents.models import Incident, IncidentStatus
from orgs.models import Membership, MembershipRole, Organization
from orgs.tenancy import Actor
from retros import actions, selectors
from retros.models import ContributingFactor, RetroFactor, RetroSection, Retrospective, RetrospectiveStatus

DEMO_ORDER = 80  # last: the write-ups of the resolved demo incidents' retrospectives (core.demo)

PUBLISHED = "Checkout 500s after deploy"
IN_REVIEW = "Card processor timeouts"
WRITE_UP = {
    "what_went_well": "- The 5xx alert fired within three minutes.\n- Rolling back took one command.",
    "what_was_hard": "- Nobody knew which deploy was live: two went out within ten minutes.\n"
    "- The canary stage had been skipped to ship a hotfix.",
    "lessons": "Skipping the canary saves ten minutes and costs an outage. The pipeline should not allow it.",
    "contributing_factors": "A config change shipped without its canary stage (**change**); our alert watched "
    "averages, not the error rate (**monitoring gap**).",
}
FACTORS = {
    "Checkout 500s after deploy": ["change", "monitoring-gap"],
    "Card processor timeouts": ["dependency", "configuration"],
    "Redis failover caused session loss": ["capacity", "configuration"],
    "API gateway 502s in eu-west-1": ["change"],
}


def _redraft(retrospective: Retrospective) -> None:
    """The drafts were written when the demo incidents resolved, before their times were moved into the past."""
    drafts = actions.retrospective_draft(incident=retrospective.incident)
    for section in RetroSection.objects.filter(retrospective=retrospective, key__in=drafts):
        body = drafts[section.key]
        RetroSection.objects.filter(pk=section.pk).update(body=body, body_html=markdown.render(body))


@transaction.atomic
def seed_demo(*, organization: Organization) -> None:
    """Add this app's demo rows to the demo organization; running it twice changes nothing."""
    actions.retro_defaults_ensure(organization=organization)
    if Retrospective.objects.for_org(organization).filter(status=RetrospectiveStatus.PUBLISHED).exists():
        return
    resolved = Incident.objects.for_org(organization).filter(
        status__in=[IncidentStatus.RESOLVED, IncidentStatus.CLOSED], is_drill=False
    )
    for incident in resolved.select_related("severity", "declared_by"):
        if selectors.incident_needs_retrospective(incident=incident) and not hasattr(incident, "retrospective"):
            actions.retrospective_create(incident=incident, actor=Actor(user=incident.declared_by))
    factors = {f.slug: f for f in ContributingFactor.objects.for_org(organization)}
    viewers = set(
        Membership.objects.filter(organization=organization, role=MembershipRole.VIEWER).values_list("user", flat=True)
    )
    writer = Membership.objects.filter(organization=organization, role=MembershipRole.OWNER).first()
    for retrospective in Retrospective.objects.for_org(organization).select_related("incident", "owner"):
        incident = retrospective.incident
        due_at = actions.business_days_add(incident.resolved_at, 5) if incident.resolved_at else None
        Retrospective.objects.filter(pk=retrospective.pk).update(due_at=due_at, created_at=incident.resolved_at)
        if (retrospective.owner_id is None or retrospective.owner_id in viewers) and writer is not None:
            Retrospective.objects.filter(pk=retrospective.pk).update(owner=writer.user)
            retrospective.owner = writer.user
        _redraft(retrospective)
        RetroFactor.objects.bulk_create(
            RetroFactor(organization=organization, retrospective=retrospective, factor=factors[slug])
            for slug in FACTORS.get(incident.title, [])
            if slug in factors
        )
        actor = Actor(user=retrospective.owner)
        if incident.title in (PUBLISHED, IN_REVIEW):
            actions.retrospective_transition(
                retrospective=retrospective, status=RetrospectiveStatus.IN_REVIEW, actor=actor
            )
        if incident.title == PUBLISHED:
            for key, body in WRITE_UP.items():
                actions.retrospective_section_update(retrospective=retrospective, key=key, body=body, actor=actor)
            actions.retrospective_transition(
                retrospective=retrospective, status=RetrospectiveStatus.PUBLISHED, actor=actor
            )
            Retrospective.objects.filter(pk=retrospective.pk).update(published_at=due_at - timedelta(days=1))

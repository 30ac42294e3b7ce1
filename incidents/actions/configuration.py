"""An organization's incident defaults: the default severities and roles of a new org."""

from django.db import transaction

from incidents import defaults
from incidents.models import IncidentRole, Severity
from orgs.models import Organization


def organization_defaults_ensure(*, organization: Organization) -> None:
    """Give an org the default severities and roles if it has none (idempotent; runs when an org is created)."""
    with transaction.atomic():
        if not Severity.objects.for_org(organization).exists():
            Severity.objects.bulk_create(
                Severity(organization=organization, name=name, rank=rank, description=description, is_major=major)
                for name, rank, description, major in defaults.SEVERITIES
            )
        if not IncidentRole.objects.for_org(organization).exists():
            IncidentRole.objects.bulk_create(
                IncidentRole(
                    organization=organization,
                    name=name,
                    slug=slug,
                    description=description,
                    instructions=instructions,
                    checklist=checklist,
                    position=position,
                    is_commander=commander,
                )
                for position, (name, slug, description, instructions, checklist, commander) in enumerate(defaults.ROLES)
            )

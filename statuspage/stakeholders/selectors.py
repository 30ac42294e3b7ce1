"""Reads of stakeholder updates, always within one organization."""

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from incidents.models import Incident
from orgs.models import Organization
from statuspage.models import Audience, StakeholderDelivery, StakeholderTemplate, StakeholderUpdate

PANEL_UPDATES = 10


def audience_list(*, organization: Organization) -> QuerySet[Audience]:
    return Audience.objects.for_org(organization).order_by("name", "pk")


def audience_get(*, organization: Organization, uuid: str) -> Audience:
    """One audience of the org by its uuid (404 otherwise)."""
    return get_object_or_404(Audience.objects.for_org(organization), uuid=uuid)


def template_list(*, organization: Organization) -> QuerySet[StakeholderTemplate]:
    return StakeholderTemplate.objects.for_org(organization).order_by("name", "pk")


def template_get(*, organization: Organization, uuid: str) -> StakeholderTemplate:
    """One template of the org by its uuid (404 otherwise)."""
    return get_object_or_404(StakeholderTemplate.objects.for_org(organization), uuid=uuid)


def updates_of_incident(*, incident: Incident, limit: int = PANEL_UPDATES) -> list[StakeholderUpdate]:
    """The incident's latest updates, newest first, each with its deliveries (and their audiences) and author."""
    deliveries = StakeholderDelivery.objects.select_related("audience").order_by("audience__name", "pk")
    return list(
        StakeholderUpdate.objects.filter(organization_id=incident.organization_id, incident=incident)
        .select_related("author", "template")
        .prefetch_related(Prefetch("deliveries", queryset=deliveries))
        .order_by("-created_at", "-pk")[:limit]
    )

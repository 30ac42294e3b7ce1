"""Checks and helpers every incident write shares: the row lock, membership and service checks, and the
service-health impact an incident event carries."""

from django.core.exceptions import ValidationError

from incidents.models import Incident, IncidentService
from orgs.models import Membership, Organization, User
from services.models import Service, ServiceHealth


def _lock(incident: Incident) -> Incident:
    return (
        Incident.objects.select_for_update(of=("self",)).select_related("organization", "severity").get(pk=incident.pk)
    )


def _health_for(rank: int) -> str:
    if rank <= 1:
        return ServiceHealth.MAJOR_OUTAGE
    if rank == 2:
        return ServiceHealth.PARTIAL_OUTAGE
    return ServiceHealth.DEGRADED_PERFORMANCE


def _impact(incident: Incident, service_ids: list[int] | None = None, removed: list[int] | None = None) -> dict:
    """The fields of an event that tell services what this incident does to its services' health now (services
    keeps one impact per incident and service; a service's health follows the worst)."""
    if service_ids is None:
        service_ids = list(IncidentService.objects.filter(incident=incident).values_list("service_id", flat=True))
    impacting = incident.is_open and not incident.is_drill
    return {
        "incident_id": incident.pk,
        "is_drill": incident.is_drill,
        "service_ids": tuple(sorted(service_ids)),
        "removed_service_ids": tuple(sorted(removed or ())),
        "services_health": _health_for(incident.severity.rank) if impacting else ServiceHealth.OPERATIONAL,
    }


def _check_member(organization: Organization, user: User | None, field: str) -> None:
    if user is not None and not Membership.objects.filter(organization=organization, user=user).exists():
        raise ValidationError({field: "Choose a member of this organization."})


def _check_services(organization: Organization, services: list[Service]) -> None:
    if any(service.organization_id != organization.pk for service in services):
        raise ValidationError({"services": "Services must belong to this organization."})

"""The incident page's blast radius: the services that depend on the affected ones, each with its owner team
and who is on call for it now, so a responder can warn them with one page (oncall's manual paging)."""

from dataclasses import dataclass, field
from datetime import datetime

from django.http import Http404

from incidents.models import Incident
from oncall.selectors import policies as policy_selectors
from orgs.models import Team, User
from services import selectors as service_selectors
from services.models import Service


@dataclass(frozen=True)
class Dependent:
    """A service in the blast radius, `distance` dependency hops from an affected one, and whom to page for it:
    the people its escalation policy would page now, else its owner team (`team`), else nobody."""

    service: Service
    distance: int
    oncall: list[User] = field(default_factory=list)

    @property
    def team(self) -> Team | None:
        """The owner team, paged as a whole only when nobody is on call for the service."""
        return None if self.oncall else self.service.owner_team

    @property
    def can_page(self) -> bool:
        return bool(self.oncall) or self.team is not None


def blast_radius(incident: Incident) -> list[service_selectors.Reached]:
    """Services that depend on any affected service (not affected themselves), nearest first, in two queries."""
    affected = [link.service for link in incident.service_links.all()]
    if not affected:
        return []
    graph = service_selectors.dependency_graph(organization=incident.organization)
    affected_ids = {service.pk for service in affected}
    nearest: dict[int, service_selectors.Reached] = {}
    for service in affected:
        for reached in service_selectors.blast_radius(service=service, graph=graph):
            known = nearest.get(reached.service.pk)
            if reached.service.pk not in affected_ids and (known is None or reached.distance < known.distance):
                nearest[reached.service.pk] = reached
    return sorted(nearest.values(), key=lambda r: (r.distance, r.service.tier, r.service.name))


def dependents(incident: Incident, at: datetime) -> list[Dependent]:
    """The blast radius with who is on call for each service at `at`, asking oncall once per escalation policy."""
    oncall: dict[int, list[User]] = {}
    found = []
    for reached in blast_radius(incident):
        service = reached.service
        service.organization = incident.organization
        policy_id = service.escalation_policy_id
        if policy_id is not None and policy_id not in oncall:
            oncall[policy_id] = policy_selectors.service_oncall_now(service=service, at=at)
        found.append(Dependent(service=service, distance=reached.distance, oncall=oncall.get(policy_id, [])))
    return found


def dependent_get(incident: Incident, slug: str, at: datetime) -> Dependent:
    """One service of the incident's blast radius by slug, with who is on call for it at `at`; 404 for any other
    service, of this org or another."""
    reached = next((r for r in blast_radius(incident) if r.service.slug == slug), None)
    if reached is None:
        raise Http404("No such service in this incident's blast radius.")
    service = reached.service
    service.organization = incident.organization
    oncall = policy_selectors.service_oncall_now(service=service, at=at) if service.escalation_policy_id else []
    return Dependent(service=service, distance=reached.distance, oncall=oncall)

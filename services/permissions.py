"""Who may change the service catalog: admins and owners anything, a service's owner team its own services."""

from orgs.models import Membership, TeamMembership
from orgs.permissions import ADMIN, RESPONDER
from services.models import Service


def service_can_create(*, membership: Membership | None) -> bool:
    """Adding services (and importing a catalog) is catalog management: admins and owners."""
    return membership is not None and membership.has_role(ADMIN)


def service_can_edit(*, membership: Membership | None, service: Service, team_ids: set[int] | None = None) -> bool:
    """Admins and owners edit every service; responders who belong to its owner team edit it too.

    Viewers never write, even inside the owner team (DESIGN: "Viewers read"). Without `team_ids` (the
    member's teams, from member_team_ids, for lists) it reads the owner team's memberships, which
    selectors.service_get prefetches, so a service page pays no extra query.
    """
    if membership is None:
        return False
    if membership.has_role(ADMIN):
        return True
    if service.owner_team_id is None or not membership.has_role(RESPONDER):
        return False
    if team_ids is None:
        team_ids = {tm.team_id for tm in service.owner_team.team_memberships.all() if tm.user_id == membership.user_id}
    return service.owner_team_id in team_ids


def member_team_ids(*, membership: Membership) -> set[int]:
    """The teams the member belongs to in their org, in one query (to check many services at once)."""
    memberships = TeamMembership.objects.for_org(membership.organization).filter(user_id=membership.user_id)
    return set(memberships.values_list("team_id", flat=True))

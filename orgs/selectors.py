"""Reads of the orgs app shared by pages and the API. Every list starts from the organization."""

from datetime import date

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from orgs.models import ApiToken, AuditEvent, Invitation, Membership, Organization, Team, TeamMembership, User


def organization_list_for_user(*, user: User) -> QuerySet[Organization]:
    """Organizations the user belongs to, for the switcher."""
    return Organization.objects.filter(memberships__user=user).order_by("name")


def membership_for(*, user: User, slug: str) -> Membership:
    """The user's membership in the org with `slug`; 404 when absent, so non-members learn nothing."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(Membership.objects.select_related("organization"), organization__slug=slug, user=user)


def is_member(*, user_id: int, organization_id: int) -> bool:
    return Membership.objects.filter(user_id=user_id, organization_id=organization_id).exists()


def membership_list(*, organization: Organization) -> QuerySet[Membership]:
    """The org's members with their users and the names of their teams in this org."""
    teams = TeamMembership.objects.for_org(organization).select_related("team").order_by("team__name")
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .prefetch_related(Prefetch("user__team_memberships", queryset=teams, to_attr="org_team_memberships"))
        .order_by("user__full_name", "user__email")
    )


def membership_get(*, organization: Organization, uuid: str) -> Membership:
    return get_object_or_404(membership_list(organization=organization), uuid=uuid)


def member_choices(*, organization: Organization) -> QuerySet[User]:
    """The org's people by name, for pickers (a choice outside it is "not a valid choice")."""
    return User.objects.filter(memberships__organization=organization).order_by("full_name", "email")


def member_user_get(*, organization: Organization, uuid: str) -> User:
    """A user of this org by their public uuid (404 for people outside the org)."""
    return get_object_or_404(User, uuid=uuid, memberships__organization=organization)


def organization_stats(*, organization: Organization) -> dict[str, int]:
    return {
        "members": Membership.objects.filter(organization=organization).count(),
        "teams": Team.objects.for_org(organization).count(),
        "tokens": ApiToken.objects.for_org(organization).filter(revoked_at=None).count(),
        "pending_invitations": Invitation.objects.for_org(organization)
        .filter(accepted_at=None, revoked_at=None)
        .count(),
    }


def invitation_list_pending(*, organization: Organization) -> QuerySet[Invitation]:
    return (
        Invitation.objects.for_org(organization).filter(accepted_at=None, revoked_at=None).select_related("invited_by")
    )


def invitation_get(*, organization: Organization, uuid: str) -> Invitation:
    return get_object_or_404(Invitation.objects.for_org(organization), uuid=uuid)


def team_list(*, organization: Organization, search: str = "") -> QuerySet[Team]:
    qs = Team.objects.for_org(organization).annotate(member_count=Count("team_memberships", distinct=True))
    if search:
        qs = qs.filter(name__icontains=search)
    return qs.order_by("name")


def team_get(*, organization: Organization, slug: str) -> Team:
    return get_object_or_404(team_list(organization=organization), slug=slug)


def team_members(*, team: Team) -> QuerySet[User]:
    return User.objects.filter(team_memberships__team=team).order_by("full_name", "email")


def api_token_list(*, organization: Organization) -> QuerySet[ApiToken]:
    return ApiToken.objects.for_org(organization).select_related("created_by").order_by("revoked_at", "-created_at")


def api_token_get(*, organization: Organization, uuid: str) -> ApiToken:
    return get_object_or_404(ApiToken.objects.for_org(organization), uuid=uuid)


def audit_event_list(
    *,
    organization: Organization,
    action: str = "",
    actor: str = "",
    target_type: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    """Audit events of the org, newest first, filtered by action prefix, actor text, target, dates."""
    qs = AuditEvent.objects.for_org(organization)
    if action:
        qs = qs.filter(action__startswith=action)
    if actor:
        qs = qs.filter(actor_label__icontains=actor)
    if target_type:
        qs = qs.filter(target_type=target_type)
    if since:
        qs = qs.filter(occurred_at__date__gte=since)
    if until:
        qs = qs.filter(occurred_at__date__lte=until)
    return qs.order_by("-occurred_at", "-id")


def audit_event_actions(*, organization: Organization) -> list[str]:
    return list(AuditEvent.objects.for_org(organization).values_list("action", flat=True).distinct().order_by("action"))


def team_ids_for_user(*, organization: Organization, user: User) -> set[int]:
    """Ids of the org's teams the person belongs to."""
    return set(TeamMembership.objects.for_org(organization).filter(user=user).values_list("team_id", flat=True))

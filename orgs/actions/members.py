"""Memberships: changing a member's role and removing a member, never leaving an org without an owner."""

from django.core.exceptions import ValidationError
from django.db import transaction

from orgs import live
from orgs.actions.audit import audit_record
from orgs.models import Membership, MembershipRole, Organization, TeamMembership
from orgs.tenancy import Actor


def _lock_owner_count(organization: Organization) -> int:
    owners = Membership.objects.select_for_update().filter(organization=organization, role=MembershipRole.OWNER)
    return len(list(owners.values_list("pk", flat=True)))


@transaction.atomic
def membership_role_change(*, membership: Membership, role: str, actor: Actor) -> Membership:
    """Change a member's role. The last owner cannot step down (an org always has an owner)."""
    if role not in MembershipRole.values:
        raise ValidationError({"role": f"Unknown role “{role}”."})
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    if membership.role == role:
        return membership
    if membership.role == MembershipRole.OWNER and _lock_owner_count(membership.organization) <= 1:
        raise ValidationError({"role": "This is the last owner. Make someone else an owner first."})
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    audit_record(
        organization=membership.organization,
        actor=actor,
        action="member.role_changed",
        target=membership,
        target_label=membership.user.email,
        changes={"role": {"before": before, "after": role}},
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor: Actor) -> None:
    """Remove a member from the org and its teams. The last owner cannot be removed."""
    membership = Membership.objects.select_for_update().select_related("user", "organization").get(pk=membership.pk)
    if membership.role == MembershipRole.OWNER and _lock_owner_count(membership.organization) <= 1:
        raise ValidationError("This is the last owner of the organization and cannot be removed.")
    TeamMembership.objects.for_org(membership.organization).filter(user=membership.user).delete()
    audit_record(
        organization=membership.organization,
        actor=actor,
        action="member.removed",
        target=membership,
        target_label=membership.user.email,
        changes={"role": {"before": membership.role, "after": None}},
    )
    organization_id, user_id = membership.organization_id, membership.user_id
    membership.delete()
    transaction.on_commit(
        lambda: live.membership_revoked_broadcast(organization_id=organization_id, user_id=user_id), robust=True
    )

"""Helpers the retros writes share: due dates in business days, a retrospective's page, member checks, the
audit record and the row lock."""

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse

from orgs import actions as org_actions
from orgs.models import Membership, MembershipRole, Organization, User
from orgs.tenancy import Actor
from retros.models import Retrospective


def business_days_add(start: datetime, days: int) -> datetime:
    """`start` moved forward by `days` working days (Monday to Friday), keeping the time of day."""
    moment = start
    remaining = days
    while remaining > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            remaining -= 1
    return moment


def retrospective_path(retrospective: Retrospective) -> str:
    return reverse(
        "retros:retrospective-detail",
        kwargs={"org_slug": retrospective.incident.organization.slug, "number": retrospective.incident.number},
    )


def _check_member(organization: Organization, user: User | None, field: str) -> None:
    """Owners and reviewers read drafts, so they must be responders or more (viewers read published ones only)."""
    if user is None:
        return
    membership = Membership.objects.filter(organization=organization, user=user).first()
    if membership is None:
        raise ValidationError({field: "Choose a member of this organization."})
    if not membership.has_role(MembershipRole.RESPONDER):
        raise ValidationError({field: f"{user.display_name} is a viewer: viewers cannot read drafts."})


def _can_write(organization: Organization, user: User) -> bool:
    membership = Membership.objects.filter(organization=organization, user=user).first()
    return membership is not None and membership.has_role(MembershipRole.RESPONDER)


def _audit(retrospective: Retrospective, actor: Actor, action: str, changes: dict[str, Any]) -> None:
    org_actions.audit_record(
        organization=retrospective.organization,
        actor=actor,
        action=action,
        target_type="retrospective",
        target_id=str(retrospective.incident.number),
        target_label=f"{retrospective.incident.reference} {retrospective.title}",
        changes=changes,
    )


def _lock(retrospective: Retrospective) -> Retrospective:
    return (
        Retrospective.objects.select_for_update(of=("self",))
        .select_related("organization", "incident__organization", "owner")
        .get(pk=retrospective.pk)
    )

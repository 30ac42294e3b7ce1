"""Teams and their members."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from core.text import slug_from
from orgs.actions.audit import _diff, audit_record
from orgs.models import Membership, Organization, Team, TeamMembership, User
from orgs.tenancy import Actor

TEAM_FIELDS = ("name", "slug", "description", "chat_channel", "email")


# Team slugs share a URL level with these fixed paths: /o/<org>/teams/new/ is the create page.
RESERVED_TEAM_SLUGS = frozenset({"new"})


def _team_snapshot(team: Team) -> dict[str, Any]:
    return {f: getattr(team, f) for f in TEAM_FIELDS}


def _team_slug_check(*, organization: Organization, slug: str, name: str, exclude_pk: int | None) -> None:
    others = Team.objects.for_org(organization).exclude(pk=exclude_pk)
    errors = {}
    if slug in RESERVED_TEAM_SLUGS:
        errors["slug"] = f"“{slug}” is reserved; choose another."
    elif others.filter(slug=slug).exists():
        errors["slug"] = f"A team with the slug “{slug}” already exists."
    if others.filter(name__iexact=name).exists():
        errors["name"] = f"A team named “{name}” already exists."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def team_create(
    *,
    organization: Organization,
    name: str,
    actor: Actor,
    slug: str = "",
    description: str = "",
    chat_channel: str = "",
    email: str = "",
) -> Team:
    """Create a team in the org (slug derived from the name when blank, cut to fit its column)."""
    name = name.strip()
    slug = slugify(slug) if slug else slug_from(name, Team._meta.get_field("slug").max_length)
    if not slug:
        raise ValidationError({"name": "Enter a name with at least one letter or number."})
    _team_slug_check(organization=organization, slug=slug, name=name, exclude_pk=None)
    team = Team.objects.create(
        organization=organization,
        name=name,
        slug=slug,
        description=description,
        chat_channel=chat_channel,
        email=email,
    )
    audit_record(
        organization=organization,
        actor=actor,
        action="team.created",
        target=team,
        changes=_diff(dict.fromkeys(TEAM_FIELDS), _team_snapshot(team)),
    )
    return team


@transaction.atomic
def team_update(*, team: Team, actor: Actor, **fields: str) -> Team:
    """Update a team's name, slug, description or contacts."""
    team = Team.objects.select_for_update().get(pk=team.pk)
    unknown = set(fields) - set(TEAM_FIELDS)
    if unknown:
        raise ValueError(f"Unknown team fields: {sorted(unknown)}")
    before = _team_snapshot(team)
    for field, value in fields.items():
        setattr(team, field, value.strip() if field == "name" else value)
    if "slug" in fields:
        team.slug = slugify(team.slug)
        if not team.slug:
            raise ValidationError({"slug": "Enter letters, numbers or hyphens."})
    _team_slug_check(organization=team.organization, slug=team.slug, name=team.name, exclude_pk=team.pk)
    changes = _diff(before, _team_snapshot(team))
    if not changes:
        return team
    team.save(update_fields=[*changes.keys(), "updated_at"])
    audit_record(organization=team.organization, actor=actor, action="team.updated", target=team, changes=changes)
    return team


@transaction.atomic
def team_delete(*, team: Team, actor: Actor) -> None:
    """Delete a team (its memberships go with it; people stay in the org)."""
    audit_record(
        organization=team.organization,
        actor=actor,
        action="team.deleted",
        target=team,
        changes=_diff(_team_snapshot(team), dict.fromkeys(TEAM_FIELDS)),
    )
    team.delete()


@transaction.atomic
def team_member_add(*, team: Team, user: User, actor: Actor) -> TeamMembership:
    """Add an org member to a team; people outside the org cannot be added."""
    if not Membership.objects.filter(organization_id=team.organization_id, user=user).exists():
        raise ValidationError({"user": "Only members of this organization can join its teams."})
    team_membership, created = TeamMembership.objects.get_or_create(
        organization_id=team.organization_id, team=team, user=user
    )
    if created:
        audit_record(
            organization=team.organization,
            actor=actor,
            action="team.member_added",
            target=team,
            changes={"member": {"before": None, "after": user.email}},
        )
    return team_membership


@transaction.atomic
def team_member_remove(*, team: Team, user: User, actor: Actor) -> None:
    """Remove a person from a team (they stay in the org)."""
    deleted, _ = TeamMembership.objects.for_org(team.organization).filter(team=team, user=user).delete()
    if deleted:
        audit_record(
            organization=team.organization,
            actor=actor,
            action="team.member_removed",
            target=team,
            changes={"member": {"before": user.email, "after": None}},
        )

"""Factories of the orgs app: people, organizations, memberships, teams, invitations, tokens, audit, counters."""

import secrets
from typing import Any

import factory
from factory.django import DjangoModelFactory

from orgs import actions
from orgs.models import (
    ApiToken,
    ApiTokenRole,
    AuditEvent,
    Invitation,
    Membership,
    MembershipRole,
    Organization,
    OrgCounter,
    Team,
    TeamMembership,
    User,
)
from orgs.tenancy import Actor


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.django.Password("correct-horse-battery")


class OrganizationFactory(DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Org {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class MembershipFactory(DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = MembershipRole.RESPONDER


class TeamFactory(DjangoModelFactory[Team]):
    class Meta:
        model = Team

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")
    description = "Owns things."


class TeamMembershipFactory(DjangoModelFactory[TeamMembership]):
    class Meta:
        model = TeamMembership

    team = factory.SubFactory(TeamFactory)
    organization = factory.LazyAttribute(lambda o: o.team.organization)
    user = factory.SubFactory(UserFactory)


class InvitationFactory(DjangoModelFactory[Invitation]):
    class Meta:
        model = Invitation

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = MembershipRole.RESPONDER


class ApiTokenFactory(DjangoModelFactory[ApiToken]):
    """A token whose secret is made and hashed as `api_token_create` does, kept on `token.raw` to sign in with.

    It writes no audit event; `api_token_for` runs the real action, for tests that want that too."""

    class Meta:
        model = ApiToken

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Token {n}")
    role = ApiTokenRole.RESPONDER

    @classmethod
    def _create(cls, model_class: type[ApiToken], *args: Any, **kwargs: Any) -> ApiToken:
        prefix = secrets.token_hex(4)
        raw = f"{actions.TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        token = super()._create(model_class, *args, prefix=prefix, token_hash=actions.token_hash(raw), **kwargs)
        token.raw = raw
        return token


class AuditEventFactory(DjangoModelFactory[AuditEvent]):
    class Meta:
        model = AuditEvent

    organization = factory.SubFactory(OrganizationFactory)
    actor_label = "system"
    action = "team.created"
    target_type = "team"
    target_id = "x"
    target_label = "X"


class OrgCounterFactory(DjangoModelFactory[OrgCounter]):
    """A counter row; numbered models take their numbers through `actions.counter_next`, as production does."""

    class Meta:
        model = OrgCounter
        django_get_or_create = ("organization", "name")

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"counter-{n}")
    value = 0


def api_token_for(organization: Organization, role: str = "admin", **kwargs: object) -> tuple[ApiToken, str]:
    """A real token (hashed like production) and its raw secret."""
    return actions.api_token_create(
        organization=organization, name=kwargs.pop("name", f"{role} token"), role=role, actor=Actor.system(), **kwargs
    )

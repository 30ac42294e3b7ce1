"""factory_boy factories. Child factories take their organization from their parent."""

import factory
from factory.django import DjangoModelFactory

from orgs import actions
from orgs.models import ApiToken, AuditEvent, Invitation, Membership, MembershipRole, Organization, Team, User


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


class InvitationFactory(DjangoModelFactory[Invitation]):
    class Meta:
        model = Invitation

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = MembershipRole.RESPONDER


class AuditEventFactory(DjangoModelFactory[AuditEvent]):
    class Meta:
        model = AuditEvent

    organization = factory.SubFactory(OrganizationFactory)
    actor_label = "system"
    action = "team.created"
    target_type = "team"
    target_id = "x"
    target_label = "X"


def api_token_for(organization: Organization, role: str = "admin", **kwargs: object) -> tuple[ApiToken, str]:
    """A real token (hashed like production) and its raw secret."""
    from orgs.tenancy import Actor

    return actions.api_token_create(
        organization=organization, name=kwargs.pop("name", f"{role} token"), role=role, actor=Actor.system(), **kwargs
    )

"""The demo organization loaded by `seed_demo`. Idempotent: running it twice changes nothing."""

from django.db import transaction

from orgs import actions
from orgs.models import Membership, MembershipRole, Organization, Team, User
from orgs.tenancy import Actor

DEMO_SLUG = "demo"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "firebreak-demo"

PEOPLE = [
    ("demo@example.com", "Dana Demo", MembershipRole.OWNER),
    ("alice@example.com", "Alice Okafor", MembershipRole.ADMIN),
    ("bob@example.com", "Bob Lindqvist", MembershipRole.RESPONDER),
    ("carmen@example.com", "Carmen Ruiz", MembershipRole.RESPONDER),
    ("deepak@example.com", "Deepak Rao", MembershipRole.RESPONDER),
    ("erin@example.com", "Erin Walsh", MembershipRole.VIEWER),
]

TEAMS = [
    ("Platform", "Runs Kubernetes, the edge and the databases.", "#platform-oncall", "platform@example.com",
     ["alice@example.com", "deepak@example.com"]),
    ("Payments", "Checkout, billing and the payment provider integrations.", "#payments", "payments@example.com",
     ["bob@example.com", "demo@example.com"]),
    ("Web", "The customer-facing web app and API gateway.", "#web-team", "web@example.com",
     ["carmen@example.com"]),
    ("Data", "Analytics pipelines and the warehouse.", "#data-eng", "data@example.com",
     ["deepak@example.com", "erin@example.com"]),
]  # fmt: skip


@transaction.atomic
def seed_demo() -> Organization:
    """Create or complete the demo org: people with every role and four teams."""
    organization = actions.organization_bootstrap(
        slug=DEMO_SLUG, name="Demo Corp", owner_email=DEMO_EMAIL, owner_password=DEMO_PASSWORD
    )
    system = Actor.system()
    users = {}
    for email, full_name, role in PEOPLE:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=full_name)
        elif not user.full_name:
            user.full_name = full_name
            user.save(update_fields=["full_name"])
        users[email] = user
        if not Membership.objects.filter(organization=organization, user=user).exists():
            membership = Membership.objects.create(organization=organization, user=user, role=role)
            actions.audit_record(
                organization=organization,
                actor=system,
                action="member.added",
                target=membership,
                target_label=email,
                changes={"role": {"before": None, "after": role}},
            )
    for name, description, chat, email, members in TEAMS:
        team = Team.objects.for_org(organization).filter(name=name).first()
        if team is None:
            team = actions.team_create(
                organization=organization,
                name=name,
                description=description,
                chat_channel=chat,
                email=email,
                actor=system,
            )
        for member_email in members:
            actions.team_member_add(team=team, user=users[member_email], actor=system)
    return organization

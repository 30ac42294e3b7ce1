"""Organizations: creating one (its owner, its `organization.created` event), bootstrapping one from the
command line, and the per-org counters that number incidents and other rows."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.text import slugify

from core import events
from core.text import slug_from
from orgs.actions.audit import audit_record
from orgs.events import OrganizationCreated
from orgs.models import Membership, MembershipRole, Organization, OrgCounter, User
from orgs.tenancy import Actor

RESERVED_SLUGS = frozenset({"new", "admin", "api", "static", "accounts", "invitations", "ws", "o"})


def organization_slug_validate(slug: str) -> None:
    if slug in RESERVED_SLUGS:
        raise ValidationError({"slug": f"“{slug}” is reserved; choose another."})
    if Organization.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"An organization with the address “{slug}” already exists."})


@transaction.atomic
def organization_create(*, name: str, slug: str, owner: User, actor: Actor) -> Organization:
    """Create an organization with `owner` as its first owner (a slug derived from the name is cut to fit)."""
    slug = slugify(slug) if slug else slug_from(name, Organization._meta.get_field("slug").max_length)
    if not slug:
        raise ValidationError({"slug": "Enter a name or address made of letters, numbers or hyphens."})
    organization_slug_validate(slug)
    try:
        with transaction.atomic():
            organization = Organization.objects.create(name=name.strip(), slug=slug)
    except IntegrityError as exc:
        raise ValidationError({"slug": f"An organization with the address “{slug}” already exists."}) from exc
    membership = Membership.objects.create(organization=organization, user=owner, role=MembershipRole.OWNER)
    audit_record(organization=organization, actor=actor, action="organization.created", target=organization)
    events.publish(OrganizationCreated(organization_id=organization.pk, actor=actor, slug=organization.slug))
    audit_record(
        organization=organization,
        actor=actor,
        action="member.added",
        target=membership,
        target_label=owner.email,
        changes={"role": {"before": None, "after": MembershipRole.OWNER}},
    )
    return organization


@transaction.atomic
def organization_bootstrap(*, slug: str, name: str, owner_email: str, owner_password: str) -> Organization:
    """Idempotently ensure an org exists with the given owner (operator command)."""
    slug = slugify(slug)  # as organization_create stores it, so a second run finds the org
    email = User.objects.normalize_email(owner_email).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=owner_password)
    elif not user.check_password(owner_password):
        user.set_password(owner_password)
        user.save(update_fields=["password"])
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        return organization_create(name=name, slug=slug, owner=user, actor=Actor.system())
    if organization.name != name:
        before = organization.name
        organization.name = name
        organization.save(update_fields=["name", "updated_at"])
        audit_record(
            organization=organization,
            actor=Actor.system(),
            action="organization.updated",
            target=organization,
            changes={"name": {"before": before, "after": name}},
        )
    membership, created = Membership.objects.get_or_create(
        organization=organization, user=user, defaults={"role": MembershipRole.OWNER}
    )
    if created or membership.role != MembershipRole.OWNER:
        before_role = None if created else membership.role
        membership.role = MembershipRole.OWNER
        membership.save(update_fields=["role", "updated_at"])
        audit_record(
            organization=organization,
            actor=Actor.system(),
            action="member.added" if created else "member.role_changed",
            target=membership,
            target_label=user.email,
            changes={"role": {"before": before_role, "after": MembershipRole.OWNER}},
        )
    return organization


@transaction.atomic
def counter_next(*, organization: Organization, name: str) -> int:
    """Allocate the next per-org number for `name` (race-free: F() bump under a row lock)."""
    counter, _ = OrgCounter.objects.get_or_create(organization=organization, name=name)
    OrgCounter.objects.filter(pk=counter.pk).update(value=F("value") + 1)
    return OrgCounter.objects.values_list("value", flat=True).get(pk=counter.pk)

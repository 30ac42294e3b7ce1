"""Calendar feed links: a person's secret iCal feed URL, regenerated on demand."""

import secrets

from django.db import transaction
from django.utils import timezone

from oncall.actions.schedules.validation import _check_members
from oncall.models import OncallProfile
from orgs import actions as org_actions
from orgs.models import Organization, User
from orgs.tenancy import Actor


@transaction.atomic
def feed_regenerate(*, organization: Organization, user: User, actor: Actor) -> OncallProfile:
    """Issue the member's secret calendar feed URL, or a new one: every earlier URL stops working at once."""
    _check_members(organization, [user], "user")
    nonce = secrets.token_urlsafe(24)
    profile, created = OncallProfile.objects.get_or_create(
        organization=organization, user=user, defaults={"feed_nonce": nonce, "feed_rotated_at": timezone.now()}
    )
    if not created:
        profile = OncallProfile.objects.select_for_update().get(pk=profile.pk)
        profile.feed_nonce = nonce
        profile.feed_rotated_at = timezone.now()
        profile.save(update_fields=["feed_nonce", "feed_rotated_at", "updated_at"])
    org_actions.audit_record(
        organization=organization,
        actor=actor,
        action="oncall.feed_created" if created else "oncall.feed_regenerated",
        target=profile,
        target_label=user.email,
    )
    return profile

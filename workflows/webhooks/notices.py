"""Telling an org's admins that one of its webhook endpoints was disabled (its receiver answered 410 Gone).

The notifications app pages people for incidents and on-call; it has no reason for "an integration stopped",
so this is a plain email to every owner and admin of the org (like the retrospective reminders), sent by a
Celery task after the disabling commits, retried if the mail server cannot be reached. The audit log and the
endpoint's page and API say the same (`disabled_reason`)."""

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from orgs.models import Membership, MembershipRole
from workflows.models import WebhookEndpoint
from workflows.webhooks.actions import url_shown


def admin_emails(organization_id: int) -> list[str]:
    """The addresses of the org's owners and admins (active accounts), sorted."""
    return sorted(
        Membership.objects.filter(
            organization_id=organization_id,
            role__in=[MembershipRole.OWNER, MembershipRole.ADMIN],
            user__is_active=True,
        ).values_list("user__email", flat=True)
    )


def endpoint_disabled_notify(*, endpoint_id: int) -> int:
    endpoint = WebhookEndpoint.objects.select_related("organization").filter(pk=endpoint_id).first()
    if endpoint is None or endpoint.is_enabled:
        return 0  # deleted or enabled again meanwhile: nothing to say
    recipients = admin_emails(endpoint.organization_id)
    if not recipients:
        return 0
    org = endpoint.organization
    path = reverse("webhooks:endpoint-detail", kwargs={"org_slug": org.slug, "uuid": endpoint.uuid})
    subject = f"[{org.name}] Webhook endpoint disabled: {url_shown(endpoint.url)}"[:200]
    body = (
        f"Firebreak disabled the webhook endpoint {url_shown(endpoint.url)} of {org.name}.\n\n"
        f"Why: {endpoint.disabled_reason}.\n"
        "Its deliveries not sent yet were marked failed; no more events go to it until an admin enables it again.\n\n"
        f"Open it: {settings.SITE_URL}{path}\n"
    )
    send_mail(subject=subject, message=body, from_email=None, recipient_list=recipients)
    return len(recipients)

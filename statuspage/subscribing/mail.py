"""The mails a subscriber receives, built from their SubscriberNotice: plain text from templates/statuspage/email/,
and on every one (the confirmation too) the RFC 8058 headers

    List-Unsubscribe: <https://…/status/<org>/unsubscribe/<token>/>
    List-Unsubscribe-Post: List-Unsubscribe=One-Click

so that a mail client's "Unsubscribe" button works with one POST and no cookie. Links are absolute through
FIREBREAK_SITE_URL (settings.SITE_URL), which must be https in production for the one-click button to show.
"""

from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from notifications.actions import site_url
from statuspage.links import public_path
from statuspage.models import MaintenanceUpdate, Subscriber, SubscriberNotice, SubscriberNoticeKind
from statuspage.subscribing import tokens

NAMESPACE = "statuspage_public"


def subscriber_url(name: str, subscriber: Subscriber, token: str) -> str:
    """The absolute URL of one of the subscriber's links: subscribe-confirm, subscription-manage, unsubscribe."""
    org_slug = subscriber.page.organization.slug
    return site_url(reverse(f"{NAMESPACE}:{name}", kwargs={"org_slug": org_slug, "token": token}))


def _context(notice: SubscriberNotice, token: str) -> dict:
    subscriber = notice.subscriber
    page = subscriber.page
    context = {
        "notice": notice,
        "page": page,
        "confirm_url": subscriber_url("subscribe-confirm", subscriber, token),
        "manage_url": subscriber_url("subscription-manage", subscriber, token),
        "unsubscribe_url": subscriber_url("unsubscribe", subscriber, token),
        "page_url": site_url(public_path(page)),
    }
    if notice.public_update_id is not None:
        update = notice.public_update
        context["update"], context["public_incident"] = update, update.public_incident
    if notice.maintenance_id is not None:
        maintenance = notice.maintenance
        context["maintenance"] = maintenance
        # The move the notice is about is in its key (maintenance:<uuid>:<status>:<subscriber>): its update is the
        # latest one with that status, however late the mail goes out.
        status = notice.idempotency_key.split(":")[2] if notice.idempotency_key.count(":") >= 3 else ""
        context["maintenance_update"] = (
            MaintenanceUpdate.objects.filter(maintenance=maintenance, status=status)
            .order_by("-created_at", "-pk")
            .first()
        )
    return context


TEMPLATES = {
    SubscriberNoticeKind.CONFIRM: "statuspage/email/confirm.txt",
    SubscriberNoticeKind.INCIDENT_UPDATE: "statuspage/email/incident_update.txt",
    SubscriberNoticeKind.MAINTENANCE: "statuspage/email/maintenance.txt",
}


def notice_message(notice: SubscriberNotice) -> EmailMessage:
    """The mail of one notice, ready for Django's email backend."""
    token = tokens.subscriber_token(subscriber=notice.subscriber)
    context = _context(notice, token)
    return EmailMessage(
        subject=notice.subject.replace("\n", " ").replace("\r", " ")[:250],
        body=render_to_string(TEMPLATES[notice.kind], context),
        to=[notice.subscriber.email],
        headers={
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            "X-Firebreak-Notice": str(notice.uuid),
        },
    )

"""Writes of status-page subscribers: sign-up (double opt-in, rate-limited), confirm, change components,
unsubscribe, and the fan-out that makes one SubscriberNotice per confirmed subscriber for a public update or a
maintenance. Sending the notices is statuspage/subscribing/delivery.py.

The secret in their links is statuspage/subscribing/tokens.py.
"""

import hashlib
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from orgs.throttling import RateLimited, address_bucket, counter_hit, minutes_text
from statuspage.models import (
    Component,
    Maintenance,
    MaintenanceStatus,
    PublicUpdate,
    StatusPage,
    Subscriber,
    SubscriberComponent,
    SubscriberNotice,
    SubscriberNoticeKind,
    SubscriberNoticeStatus,
)
from statuspage.subscribing import delivery
from statuspage.subscribing.tokens import derive, token_hash

logger = logging.getLogger(__name__)

# Sign-ups a stranger can make the app mail, per window: to one address (of one page), and from one client.
SIGNUPS_PER_ADDRESS = 3
SIGNUPS_PER_IP = 20
SIGNUP_WINDOW_SECONDS = 3600
# Which maintenance moves are mailed (scheduled = announced ahead of time).
MAILED_MAINTENANCE_STATUSES = (MaintenanceStatus.SCHEDULED, MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.COMPLETED)


# --- sign-up and opt-in -----------------------------------------------------------------------------------------


def email_normalize(email: str) -> str:
    """Addresses are compared case-insensitively (almost every mail server does): stored lower-case."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": "Enter a valid email address."}) from exc
    return email


def subscriber_signup_allow(*, page: StatusPage, email: str, ip: str | None) -> None:
    """Count one sign-up of `email` on `page` from `ip`; RateLimited when the client's or the address's budget is
    spent (the client's first: a refused request does not spend the address's). Whether the address is already
    subscribed plays no part, so the limits tell nothing either."""
    limit_ip = getattr(settings, "STATUSPAGE_SIGNUPS_PER_IP", SIGNUPS_PER_IP)
    limit_address = getattr(settings, "STATUSPAGE_SIGNUPS_PER_ADDRESS", SIGNUPS_PER_ADDRESS)
    window = getattr(settings, "STATUSPAGE_SIGNUP_WINDOW_SECONDS", SIGNUP_WINDOW_SECONDS)
    bucket = address_bucket(ip)
    if bucket is not None:
        wait = counter_hit(scope=f"statuspage-signup:ip:{bucket}", limit=limit_ip, window=window)
        if wait:
            raise RateLimited(
                f"Too many sign-ups from your network. Try again in {minutes_text(wait)}.", retry_after=wait
            )
    address = hashlib.sha256(f"{page.pk}:{email}".encode()).hexdigest()[:32]
    wait = counter_hit(scope=f"statuspage-signup:email:{address}", limit=limit_address, window=window)
    if wait:
        raise RateLimited(
            {"email": f"Too many sign-ups for this address. Try again in {minutes_text(wait)}."}, retry_after=wait
        )


def _components_of(page: StatusPage, components: Iterable[Component]) -> list[Component]:
    chosen = list(components)
    if any(component.page_id != page.pk for component in chosen):
        raise ValidationError({"components": "Choose components of this page."})
    return chosen


def _components_set(subscriber: Subscriber, components: list[Component]) -> None:
    SubscriberComponent.objects.filter(subscriber=subscriber).exclude(component__in=components).delete()
    have = set(SubscriberComponent.objects.filter(subscriber=subscriber).values_list("component_id", flat=True))
    SubscriberComponent.objects.bulk_create(
        SubscriberComponent(organization_id=subscriber.organization_id, subscriber=subscriber, component=component)
        for component in components
        if component.pk not in have
    )


def _notice_add(subscriber: Subscriber, *, kind: str, subject: str, key: str, **links: object) -> SubscriberNotice:
    notice = SubscriberNotice.objects.create(
        organization_id=subscriber.organization_id,
        subscriber=subscriber,
        kind=kind,
        subject=subject[:300],
        idempotency_key=key[:200],
        **links,
    )
    delivery.enqueue_on_commit([notice.pk])
    return notice


@transaction.atomic
def subscriber_signup(
    *, page: StatusPage, email: str, components: Iterable[Component] = (), ip: str | None = None
) -> Subscriber:
    """Ask for `page`'s updates at `email` (for `components`; none = all): a confirmation mail goes out and nothing
    else until it is confirmed. Rate-limited per client and per address (RateLimited). An address already
    confirmed is left as it is and mailed nothing; the caller answers the same in every case."""
    email = email_normalize(email)
    chosen = _components_of(page, components)
    subscriber_signup_allow(page=page, email=email, ip=ip)
    subscriber = Subscriber.objects.select_for_update().filter(page=page, email=email).first()
    if subscriber is None:
        subscriber = Subscriber(organization_id=page.organization_id, page=page, email=email, created_ip=ip)
        subscriber.token_hash = token_hash(derive(subscriber, settings.SECRET_KEY))
        try:
            with transaction.atomic():
                subscriber.save()
        except IntegrityError:  # the same address at the same instant: go on with that row
            subscriber = Subscriber.objects.select_for_update().get(page=page, email=email)
    elif subscriber.confirmed_at is not None and subscriber.unsubscribed_at is None:
        return subscriber
    else:  # unconfirmed, or unsubscribed and back: opt in again
        subscriber.confirmed_at = subscriber.unsubscribed_at = None
        subscriber.save(update_fields=["confirmed_at", "unsubscribed_at", "updated_at"])
    _components_set(subscriber, chosen)
    now = timezone.now()
    _notice_add(
        subscriber,
        kind=SubscriberNoticeKind.CONFIRM,
        subject=f"Confirm your subscription to {page.title}",
        key=f"confirm:{subscriber.uuid}:{now.isoformat()}",
    )
    return subscriber


@transaction.atomic
def subscriber_confirm(*, subscriber: Subscriber) -> Subscriber:
    """Opt in (the confirm link was followed). Idempotent; a subscription cancelled since stays cancelled."""
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.confirmed_at is None and subscriber.unsubscribed_at is None:
        subscriber.confirmed_at = timezone.now()
        subscriber.save(update_fields=["confirmed_at", "updated_at"])
    return subscriber


@transaction.atomic
def subscriber_components_update(*, subscriber: Subscriber, components: Iterable[Component]) -> Subscriber:
    """Follow only `components` of the page (none = every component)."""
    subscriber = Subscriber.objects.select_for_update().select_related("page").get(pk=subscriber.pk)
    _components_set(subscriber, _components_of(subscriber.page, components))
    return subscriber


@transaction.atomic
def subscriber_unsubscribe(*, subscriber: Subscriber) -> Subscriber:
    """Stop every mail to the subscriber, at once (RFC 8058 one-click or the manage page). Idempotent. Notices not
    sent yet are failed here, so nothing more goes out."""
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.unsubscribed_at is None:
        subscriber.unsubscribed_at = timezone.now()
        subscriber.save(update_fields=["unsubscribed_at", "updated_at"])
    SubscriberNotice.objects.filter(subscriber=subscriber, status=SubscriberNoticeStatus.PENDING).update(
        status=SubscriberNoticeStatus.FAILED, last_error=delivery.UNSUBSCRIBED, updated_at=timezone.now()
    )
    return subscriber


# --- fan-out -----------------------------------------------------------------------------------------------------


def _audience(page: StatusPage, component_ids: set[int]) -> list[Subscriber]:
    """The page's confirmed subscribers who follow any of `component_ids` or every component (none given: all)."""
    subscribers = Subscriber.objects.filter(
        organization_id=page.organization_id, page=page, confirmed_at__isnull=False, unsubscribed_at__isnull=True
    )
    if component_ids:
        follows_all = ~Q(pk__in=SubscriberComponent.objects.values("subscriber_id"))
        follows_one = Q(
            pk__in=SubscriberComponent.objects.filter(component_id__in=component_ids).values("subscriber_id")
        )
        subscribers = subscribers.filter(follows_all | follows_one)
    return list(subscribers.order_by("pk"))


def _fan_out(
    page: StatusPage, component_ids: set[int], *, kind: str, subject: str, prefix: str, **links: object
) -> int:
    """One pending notice per matching subscriber (idempotent on `prefix` + subscriber), enqueued after commit."""
    subscribers = _audience(page, component_ids)
    keys = {f"{prefix}:{subscriber.uuid}": subscriber for subscriber in subscribers}
    SubscriberNotice.objects.bulk_create(
        [
            SubscriberNotice(
                organization_id=page.organization_id,
                subscriber=subscriber,
                kind=kind,
                subject=subject[:300],
                idempotency_key=key[:200],
                **links,
            )
            for key, subscriber in keys.items()
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    created = list(
        SubscriberNotice.objects.filter(
            organization_id=page.organization_id, idempotency_key__in=list(keys), status=SubscriberNoticeStatus.PENDING
        ).values_list("pk", flat=True)
    )
    delivery.enqueue_on_commit(created)
    return len(created)


def public_update_subject(public_update: PublicUpdate) -> str:
    public_incident = public_update.public_incident
    return f"[{public_incident.page.title}] {public_incident.title}: {public_update.get_status_display()}"


@transaction.atomic
def public_update_notify(*, public_update_id: int) -> int:
    """Mail a public incident's update to the subscribers of its components (an incident on no component: all).
    Drills never: a drill has no public incident, and this checks again. Returns how many notices it queued."""
    public_update = (
        PublicUpdate.objects.select_related("public_incident__page", "public_incident__incident")
        .filter(pk=public_update_id)
        .first()
    )
    if public_update is None or public_update.public_incident.incident.is_drill:
        return 0
    public_incident = public_update.public_incident
    component_ids = set(public_incident.components.values_list("pk", flat=True))
    component_ids |= set(public_update.affected_components.values_list("pk", flat=True))
    return _fan_out(
        public_incident.page,
        component_ids,
        kind=SubscriberNoticeKind.INCIDENT_UPDATE,
        subject=public_update_subject(public_update),
        prefix=f"update:{public_update.uuid}",
        public_update=public_update,
    )


def maintenance_subject(maintenance: Maintenance, status: str) -> str:
    what = {
        MaintenanceStatus.SCHEDULED: "Scheduled maintenance",
        MaintenanceStatus.IN_PROGRESS: "Maintenance in progress",
        MaintenanceStatus.COMPLETED: "Maintenance completed",
    }.get(status, "Maintenance")
    return f"[{maintenance.page.title}] {what}: {maintenance.title}"


@transaction.atomic
def maintenance_notify(*, maintenance_id: int, status: str) -> int:
    """Mail a maintenance's announcement, start or completion to the subscribers of its components (none: all).
    Other moves (verifying) are not mailed. Returns how many notices it queued."""
    if status not in MAILED_MAINTENANCE_STATUSES:
        return 0
    maintenance = Maintenance.objects.select_related("page").filter(pk=maintenance_id).first()
    if maintenance is None:
        return 0
    return _fan_out(
        maintenance.page,
        set(maintenance.components.values_list("pk", flat=True)),
        kind=SubscriberNoticeKind.MAINTENANCE,
        subject=maintenance_subject(maintenance, status),
        prefix=f"maintenance:{maintenance.uuid}:{status}",
        maintenance=maintenance,
    )

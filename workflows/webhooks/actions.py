"""Writes of outbound webhooks: an org's endpoints (admins: create, edit, delete, rotate the secret, send a test)
and its deliveries (enqueue one for an event, replay one). Pages, the API, the subscribers and a workflow's
"Call a webhook" step all call these; every endpoint change is audited in its own transaction.

A URL is checked by the outbound guard (core/outbound.py) when saved — an address of the server's own network
is refused at once, unless the operator allowed it — and again at every send. A secret is ``whsec_`` + 24
random bytes, encrypted at rest (the model field); it is shown once, in the answer that created it (create,
rotate), never in the audit log. A rotation keeps the previous secret signing too for ROTATION_OVERLAP.

A delivery row is created in the caller's transaction (it commits with the change that caused it) and its
send is enqueued after commit (workflows.webhooks.delivery sends it).
"""

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from core import outbound
from orgs import actions as org_actions
from orgs.models import Organization
from orgs.tenancy import Actor
from workflows.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from workflows.webhooks import catalog, payloads, signing

ROTATION_OVERLAP = timedelta(hours=24)
MAX_ENDPOINTS = 50
URL_MAX = 2000
DESCRIPTION_MAX = 200
UPDATABLE = ("url", "description", "event_types", "include_drills", "is_enabled")


# --- validation (forms and the API call these too) -----------------------------------------------------------


def url_check(url: str) -> str:
    """An endpoint URL as stored (trimmed): http(s), no credentials, at most URL_MAX characters, and not refused
    by the outbound guard. ValidationError says why."""
    url = (url or "").strip()
    if not url:
        raise ValidationError("Enter the endpoint's URL (https://…).")
    if len(url) > URL_MAX:
        raise ValidationError(f"A URL is at most {URL_MAX} characters.")
    try:
        URLValidator(schemes=["https", "http"])(url)
    except ValidationError as exc:
        raise ValidationError("Enter the endpoint's full URL (https://…).") from exc
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise ValidationError("The URL must not carry a user name or password.")
    refusal = outbound.refusal(url)
    if refusal:
        raise ValidationError(f"This URL cannot be used: {refusal}.")
    return url


def url_shown(url: str) -> str:
    """What the audit log keeps of a URL: scheme, host and path (a query string may hold a token)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def event_types_check(event_types: Iterable[str]) -> list[str]:
    """The filter as stored: known event types, each once, in the catalog's order (empty: every event)."""
    chosen = list(event_types or [])
    unknown = [name for name in chosen if name not in catalog.FILTERABLE_EVENT_TYPES]
    if unknown:
        raise ValidationError(f"Unknown event type “{str(unknown[0])[:64]}”.")
    return [name for name in catalog.FILTERABLE_EVENT_TYPES if name in chosen]


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned = dict(fields)
    if "url" in fields:
        try:
            cleaned["url"] = url_check(fields["url"])
        except ValidationError as exc:
            errors["url"] = exc.messages
    if "description" in fields:
        cleaned["description"] = (fields["description"] or "").strip()
        if len(cleaned["description"]) > DESCRIPTION_MAX:
            errors["description"] = [f"At most {DESCRIPTION_MAX} characters."]
    if "event_types" in fields:
        try:
            cleaned["event_types"] = event_types_check(fields["event_types"])
        except ValidationError as exc:
            errors["event_types"] = exc.messages
    for flag in ("include_drills", "is_enabled"):
        if flag in fields:
            cleaned[flag] = bool(fields[flag])
    if errors:
        raise ValidationError(errors)
    return cleaned


def _audit(*, endpoint: WebhookEndpoint, actor: Actor, action: str, changes: dict) -> None:
    org_actions.audit_record(
        organization=endpoint.organization,
        actor=actor,
        action=action,
        target=endpoint,
        target_label=url_shown(endpoint.url),
        changes=changes,
    )


def signing_secrets(endpoint: WebhookEndpoint, now: datetime | None = None) -> list[str]:
    """The secrets a send is signed with now: the current one, and the previous one during a rotation's overlap."""
    now = now or timezone.now()
    found = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > now:
        found.append(endpoint.previous_secret)
    return found


# --- endpoints (admins) --------------------------------------------------------------------------------------


@transaction.atomic
def endpoint_create(
    *,
    organization: Organization,
    actor: Actor,
    url: str,
    description: str = "",
    event_types: Iterable[str] = (),
    include_drills: bool = False,
    is_enabled: bool = True,
) -> WebhookEndpoint:
    """Add an endpoint with a new secret (read it once from `endpoint.secret` to show it; it is never shown
    again). `event_types` empty means every event."""
    fields = _clean(
        {
            "url": url,
            "description": description,
            "event_types": event_types,
            "include_drills": include_drills,
            "is_enabled": is_enabled,
        }
    )
    if WebhookEndpoint.objects.for_org(organization).count() >= MAX_ENDPOINTS:
        raise ValidationError(f"An organization has at most {MAX_ENDPOINTS} webhook endpoints.")
    endpoint = WebhookEndpoint.objects.create(
        organization=organization, secret=signing.secret_new(), created_by=actor.user, **fields
    )
    _audit(
        endpoint=endpoint,
        actor=actor,
        action="webhook_endpoint.created",
        changes={
            "url": url_shown(endpoint.url),
            "event_types": endpoint.event_types or ["every event"],
            "include_drills": endpoint.include_drills,
            "is_enabled": endpoint.is_enabled,
        },
    )
    return endpoint


@transaction.atomic
def endpoint_update(*, endpoint: WebhookEndpoint, actor: Actor, **fields: Any) -> WebhookEndpoint:
    """Change the URL, description, event filter, drills or whether it is enabled. Enabling a disabled endpoint
    clears why it was disabled; disabling it fails the deliveries not sent yet."""
    unknown = set(fields) - set(UPDATABLE)
    if unknown:
        raise TypeError(f"endpoint_update() got unexpected fields {sorted(unknown)}")
    cleaned = _clean(fields)
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    changes: dict[str, Any] = {}
    for name, value in cleaned.items():
        before = getattr(locked, name)
        if before != value:
            shown = (url_shown(before), url_shown(value)) if name == "url" else (before, value)
            changes[name] = list(shown)
            setattr(locked, name, value)
    if not changes:
        return locked
    now = timezone.now()
    if "is_enabled" in changes:
        if locked.is_enabled:
            locked.disabled_reason, locked.disabled_at = "", None
        else:
            locked.disabled_reason, locked.disabled_at = f"Disabled by {actor.label}"[:200], now
            deliveries_fail_pending(endpoint=locked, reason="The endpoint was disabled before this was sent.")
    locked.save()
    _audit(endpoint=locked, actor=actor, action="webhook_endpoint.updated", changes=changes)
    return locked


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint, actor: Actor) -> None:
    """Delete the endpoint with its delivery log (the audit log keeps that it existed)."""
    _audit(endpoint=endpoint, actor=actor, action="webhook_endpoint.deleted", changes={"url": url_shown(endpoint.url)})
    endpoint.delete()


@transaction.atomic
def endpoint_rotate_secret(
    *, endpoint: WebhookEndpoint, actor: Actor, now: datetime | None = None
) -> tuple[WebhookEndpoint, str]:
    """A new secret; the current one keeps signing too (both signatures sent) for ROTATION_OVERLAP, so a
    receiver can switch without losing a message. Returns the endpoint and the new secret (shown once)."""
    now = now or timezone.now()
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    new = signing.secret_new()
    locked.previous_secret = locked.secret
    locked.previous_secret_expires_at = now + ROTATION_OVERLAP
    locked.secret = new
    locked.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
    _audit(
        endpoint=locked,
        actor=actor,
        action="webhook_endpoint.secret_rotated",
        changes={"previous_secret_signs_until": payloads.iso(locked.previous_secret_expires_at)},
    )
    return locked, new


def endpoint_send_test(*, endpoint: WebhookEndpoint, actor: Actor) -> WebhookDelivery:
    """Send a `webhook.test` message now (whatever the endpoint's filter); refused on a disabled endpoint."""
    with transaction.atomic():
        delivery = delivery_enqueue(
            endpoint=endpoint,
            event_type="webhook.test",
            data=payloads.test_data(endpoint=endpoint, actor_label=actor.label),
            idempotency_key=f"test:{signing.message_id_new()}",
        )
    assert delivery is not None  # a fresh key is never a duplicate
    return delivery


def endpoint_disable(*, endpoint: WebhookEndpoint, reason: str, now: datetime | None = None) -> bool:
    """Disable an endpoint for the system (its receiver answered 410 Gone): say why, fail its deliveries not sent
    yet, audit it and tell the org's admins by email after commit. Call inside a transaction. False if it was
    disabled already (nothing more happens)."""
    now = now or timezone.now()
    updated = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_enabled=True).update(
        is_enabled=False, disabled_reason=reason[:200], disabled_at=now, updated_at=now
    )
    if not updated:
        return False
    endpoint.refresh_from_db()
    failed = deliveries_fail_pending(endpoint=endpoint, reason=f"Not sent: {reason}"[:300])
    _audit(
        endpoint=endpoint,
        actor=Actor(name="Firebreak webhooks"),
        action="webhook_endpoint.disabled",
        changes={"reason": endpoint.disabled_reason, "pending_deliveries_failed": failed},
    )
    from workflows.tasks.webhooks import webhook_endpoint_disabled_notify

    transaction.on_commit(lambda: webhook_endpoint_disabled_notify.apply_async(args=(endpoint.pk,)))
    return True


def deliveries_fail_pending(*, endpoint: WebhookEndpoint, reason: str) -> int:
    """Fail the endpoint's deliveries not sent yet (pending; a send in flight records its own outcome)."""
    return WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED, error=reason[:300], next_attempt_at=None, updated_at=timezone.now()
    )


# --- deliveries ----------------------------------------------------------------------------------------------


def _enqueue_on_commit(rows: list[WebhookDelivery]) -> None:
    if not rows:
        return
    from workflows.webhooks.delivery import enqueue_on_commit

    for row in rows:
        enqueue_on_commit(row)


def deliveries_create(
    *,
    endpoints: list[WebhookEndpoint],
    event_type: str,
    data: dict[str, Any] | Callable[[], dict[str, Any]],
    idempotency_key: str,
    now: datetime | None = None,
) -> list[WebhookDelivery]:
    """One delivery per endpoint of the same event (one body), created unless (endpoint, idempotency_key)
    exists; the new ones are enqueued after commit. Call inside the caller's transaction. Returns the new rows.
    `data` may be a function, called once only if some endpoint is given."""
    if event_type not in catalog.WEBHOOK_EVENT_TYPES:
        raise ValueError(f"Unknown webhook event type {event_type!r}")
    if not endpoints:
        return []
    now = now or timezone.now()
    text = payloads.body(event_type=event_type, data=data() if callable(data) else data, timestamp=now)
    key = idempotency_key[:200]
    rows = [
        WebhookDelivery(
            organization_id=endpoint.organization_id,
            endpoint=endpoint,
            message_id=signing.message_id_new(),
            idempotency_key=key,
            event_type=event_type,
            body=text,
            next_attempt_at=now,
        )
        for endpoint in endpoints
    ]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    created = list(
        WebhookDelivery.objects.filter(
            endpoint__in=[e.pk for e in endpoints], idempotency_key=key, message_id__in=[r.message_id for r in rows]
        )
    )
    _enqueue_on_commit(created)
    return created


def delivery_enqueue(
    *,
    endpoint: WebhookEndpoint,
    event_type: str,
    data: dict[str, Any],
    idempotency_key: str,
    now: datetime | None = None,
) -> WebhookDelivery | None:
    """Send `{"type": event_type, "timestamp": now, "data": data}` to one endpoint (its filter is not asked: the
    caller chose it). Call inside a transaction: the row commits with the caller's change and the send is
    enqueued after commit. A duplicate `idempotency_key` for the endpoint creates nothing and returns None.
    ValidationError when the endpoint is disabled."""
    if not endpoint.is_enabled:
        raise ValidationError(f"The webhook endpoint {url_shown(endpoint.url)} is disabled.")
    created = deliveries_create(
        endpoints=[endpoint], event_type=event_type, data=data, idempotency_key=idempotency_key, now=now
    )
    return created[0] if created else None


@transaction.atomic
def delivery_replay(*, delivery: WebhookDelivery, actor: Actor, now: datetime | None = None) -> WebhookDelivery:
    """Send a delivery's message again as a new delivery: the same body and `webhook-id` (a receiver that
    keeps ids drops it if it had it), signed at its own send time. Refused on a disabled endpoint."""
    endpoint = delivery.endpoint
    if not endpoint.is_enabled:
        raise ValidationError(f"The webhook endpoint {url_shown(endpoint.url)} is disabled: enable it first.")
    now = now or timezone.now()
    replay = WebhookDelivery.objects.create(
        organization_id=delivery.organization_id,
        endpoint=endpoint,
        message_id=delivery.message_id,
        idempotency_key=f"replay:{signing.message_id_new()}",
        event_type=delivery.event_type,
        body=delivery.body,
        next_attempt_at=now,
        replay_of=delivery,
    )
    org_actions.audit_record(
        organization=endpoint.organization,
        actor=actor,
        action="webhook_delivery.replayed",
        target=replay,
        target_label=f"{delivery.event_type} {delivery.message_id}",
        changes={"replay_of": str(delivery.uuid), "endpoint": url_shown(endpoint.url)},
    )
    _enqueue_on_commit([replay])
    return replay

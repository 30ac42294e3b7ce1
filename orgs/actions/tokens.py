"""API tokens: created (the secret shown once, only its hash stored), revoked, and authenticated per request."""

import hashlib
import secrets
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from orgs.actions.audit import audit_record
from orgs.models import ApiToken, Organization
from orgs.tenancy import Actor

TOKEN_PREFIX = "fb_"


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, organization: Organization, name: str, role: str, actor: Actor, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is never stored and never shown again."""
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        organization=organization,
        name=name.strip(),
        role=role,
        prefix=prefix,
        token_hash=token_hash(raw),
        created_by=actor.user,
        expires_at=expires_at,
    )
    audit_record(
        organization=organization,
        actor=actor,
        action="api_token.created",
        target=token,
        changes={"role": {"before": None, "after": role}},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: Actor) -> ApiToken:
    """Revoke a token: every later request with it gets 401."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    audit_record(organization=token.organization, actor=actor, action="api_token.revoked", target=token)
    return token


LAST_USED_RESOLUTION_SECONDS = 60


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    """Find the active token for a raw secret and stamp `last_used_at` (at most once a minute)."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    prefix = raw[len(TOKEN_PREFIX) :].split("_", 1)[0]
    token = ApiToken.objects.select_related("organization").filter(prefix=prefix).first()
    if token is None or not secrets.compare_digest(token.token_hash, token_hash(raw)) or not token.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= LAST_USED_RESOLUTION_SECONDS:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token

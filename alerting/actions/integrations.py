"""Writes of integrations: inbound endpoints per service, their keys (shown once, stored hashed), and looking
one up by its key."""

import hashlib
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from alerting.models import Integration, IntegrationKind
from orgs import actions as org_actions
from orgs.models import Organization
from orgs.tenancy import Actor
from services.models import Service

WEBHOOK_PATH_FIELDS = ("title_path", "dedup_key_path", "severity_path", "status_path", "link_path")
INTEGRATION_FIELDS = ("name", "service", "enabled", "rate_limit_per_minute", *WEBHOOK_PATH_FIELDS)


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key() -> tuple[str, str]:
    key = secrets.token_hex(16)  # 32 hex characters, the shape of a PagerDuty integration key
    return key, key[:8]


def _check_service(organization: Organization, service: Service) -> None:
    if service.organization_id != organization.pk:
        raise ValidationError({"service": "Choose a service of this organization."})


@transaction.atomic
def integration_create(
    *,
    organization: Organization,
    service: Service,
    name: str,
    kind: str,
    actor: Actor,
    is_drill: bool = False,
    **fields: Any,
) -> tuple[Integration, str]:
    """Create an inbound integration; returns it with its key, which is shown once and stored hashed. A drill
    integration (`is_drill`, made by the drills app; fixed for its life) marks what comes through it a drill."""
    if kind not in IntegrationKind.values:
        raise ValidationError({"kind": f"Choose one of {', '.join(IntegrationKind.values)}."})
    if not (name or "").strip():
        raise ValidationError({"name": "Name the integration."})
    _check_service(organization, service)
    unknown = set(fields) - set(INTEGRATION_FIELDS)
    if unknown:
        raise ValueError(f"Unknown integration fields: {sorted(unknown)}")
    key, prefix = _new_key()
    integration = Integration.objects.create(
        organization=organization,
        service=service,
        name=name.strip(),
        kind=kind,
        key_prefix=prefix,
        key_hash=_key_hash(key),
        is_drill=is_drill,
        **fields,
    )
    changes = {"kind": {"before": None, "after": kind}, "service": {"before": None, "after": service.slug}}
    if is_drill:
        changes["is_drill"] = {"before": None, "after": True}
    org_actions.audit_record(
        organization=organization, actor=actor, action="integration.created", target=integration, changes=changes
    )
    return integration, key


@transaction.atomic
def integration_update(*, integration: Integration, actor: Actor, **fields: Any) -> Integration:
    """Rename, re-route, enable/disable, change the rate limit or the webhook paths."""
    unknown = set(fields) - set(INTEGRATION_FIELDS)
    if unknown:
        raise ValueError(f"Unknown integration fields: {sorted(unknown)}")
    integration = Integration.objects.select_for_update().get(pk=integration.pk)
    if "service" in fields:
        _check_service(integration.organization, fields["service"])
    changes = {}
    for field, value in fields.items():
        before = getattr(integration, field)
        if before != value:
            changes[field] = {
                "before": before.slug if isinstance(before, Service) else before,
                "after": value.slug if isinstance(value, Service) else value,
            }
            setattr(integration, field, value)
    if changes:
        integration.save(update_fields=[*changes, "updated_at"])
        org_actions.audit_record(
            organization=integration.organization,
            actor=actor,
            action="integration.updated",
            target=integration,
            changes=changes,
        )
    return integration


@transaction.atomic
def integration_key_regenerate(*, integration: Integration, actor: Actor) -> tuple[Integration, str]:
    """Issue a new key; the old one stops working at once."""
    integration = Integration.objects.select_for_update().get(pk=integration.pk)
    key, prefix = _new_key()
    integration.key_prefix = prefix
    integration.key_hash = _key_hash(key)
    integration.save(update_fields=["key_prefix", "key_hash", "updated_at"])
    org_actions.audit_record(
        organization=integration.organization, actor=actor, action="integration.key_regenerated", target=integration
    )
    return integration, key


@transaction.atomic
def integration_delete(*, integration: Integration, actor: Actor) -> None:
    """Delete an integration and its alerts (the groups go with it)."""
    org_actions.audit_record(
        organization=integration.organization, actor=actor, action="integration.deleted", target=integration
    )
    integration.delete()


def integration_authenticate(*, key: str) -> Integration | None:
    """The enabled-or-not integration for an inbound key (prefix lookup + constant-time hash compare)."""
    if not isinstance(key, str) or len(key) < 8:
        return None
    integration = Integration.objects.filter(key_prefix=key[:8]).select_related("organization", "service").first()
    if integration is None or not secrets.compare_digest(integration.key_hash, _key_hash(key)):
        return None
    return integration

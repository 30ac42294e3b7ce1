"""Reads of the alerting app shared by the triage pages, the API and the consumer."""

import hashlib
import secrets
import threading
import time
from datetime import datetime

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from alerting.models import Alert, AlertGroup, AlertGroupStatus, Integration, IntegrationKind, PagingStatus
from orgs.models import Organization

PAGERDUTY_PATH = "/integrations/pagerduty/v2/enqueue"


def inbound_url(integration: Integration, key: str | None = None) -> str:
    """Where the monitoring tool posts. The PagerDuty endpoint carries no key (it is in the body); the
    others carry it in the path, so without the key (every read but create/regenerate) the URL is masked."""
    if integration.kind == IntegrationKind.PAGERDUTY_V2:
        return f"{settings.SITE_URL}{PAGERDUTY_PATH}"
    secret = key if key is not None else f"{integration.key_prefix}…"
    return f"{settings.SITE_URL}/integrations/{integration.kind}/{secret}/"


# Inbound key lookups are cached in each web process for a few seconds: a disabled, deleted or re-keyed
# integration can still be accepted by a process for up to this long (unknown keys are cached too, so a
# flood of bad keys does not reach the database).
INTEGRATION_KEY_CACHE_SECONDS = 5.0
INTEGRATION_KEY_CACHE_SIZE = 10_000
_key_cache: dict[str, tuple[float, Integration | None]] = {}
_key_cache_lock = threading.Lock()


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def integration_for_key(*, key: str) -> Integration | None:
    """The integration an inbound key belongs to, enabled or not, with its org and service; None if no
    integration has this key (prefix lookup + constant-time hash compare). Always asks the database."""
    if not isinstance(key, str) or len(key) < 8 or "\x00" in key:  # PostgreSQL cannot even compare a NUL
        return None
    integration = Integration.objects.filter(key_prefix=key[:8]).select_related("organization", "service").first()
    if integration is None or not secrets.compare_digest(integration.key_hash, _key_hash(key)):
        return None
    return integration


def integration_for_key_cached(*, key: str, now: float | None = None) -> tuple[bool, Integration | None]:
    """(found, integration) from this process's key cache, with no I/O: found is False on a miss or an
    expired entry (then call `integration_for_key_remember`)."""
    if not isinstance(key, str):
        return True, None
    entry = _key_cache.get(_key_hash(key))
    if entry is None or entry[0] <= (time.monotonic() if now is None else now):
        return False, None
    return True, entry[1]


def integration_for_key_remember(*, key: str) -> Integration | None:
    """Look the key up in the database and cache the answer (found or not) for INTEGRATION_KEY_CACHE_SECONDS."""
    integration = integration_for_key(key=key)
    with _key_cache_lock:
        if len(_key_cache) >= INTEGRATION_KEY_CACHE_SIZE:
            _key_cache.clear()
        _key_cache[_key_hash(key)] = (time.monotonic() + INTEGRATION_KEY_CACHE_SECONDS, integration)
    return integration


def integration_key_cache_clear() -> None:
    """Forget every cached key lookup of this process (tests; after bulk key changes)."""
    with _key_cache_lock:
        _key_cache.clear()


def integration_list(*, organization: Organization) -> QuerySet[Integration]:
    return Integration.objects.for_org(organization).select_related("service").order_by("name")


def integration_get(*, organization: Organization, uuid: str) -> Integration:
    return get_object_or_404(integration_list(organization=organization), uuid=uuid)


def alert_group_queryset() -> QuerySet[AlertGroup]:
    return AlertGroup.objects.select_related("organization", "service", "integration", "incident", "acknowledged_by")


def alert_group_list(
    *, organization: Organization, service: str = "", severity: str = "", status: str = ""
) -> QuerySet[AlertGroup]:
    """The triage queue: triggered first, then acknowledged, then resolved; newest first within each.

    `status` is a status value, "open" (triggered or acknowledged) or "" for all.
    """
    qs = alert_group_queryset().filter(organization=organization, merged_into=None)
    if service:
        qs = qs.filter(service__slug=service)
    if severity:
        qs = qs.filter(severity=severity)
    if status == "open":
        qs = qs.filter(status__in=[AlertGroupStatus.TRIGGERED, AlertGroupStatus.ACKNOWLEDGED])
    elif status:
        qs = qs.filter(status=status)
    order = Case(
        When(status=AlertGroupStatus.TRIGGERED, then=Value(0)),
        When(status=AlertGroupStatus.ACKNOWLEDGED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return qs.annotate(status_order=order).order_by("status_order", "-last_seen", "-id")


def alert_group_get(*, organization: Organization, uuid: str) -> AlertGroup:
    return get_object_or_404(alert_group_queryset().filter(organization=organization), uuid=uuid)


def alert_list(*, group: AlertGroup, limit: int = 100) -> list[Alert]:
    return list(Alert.objects.filter(group=group).order_by("-received_at", "-id")[:limit])


def alert_group_waiting(*, organization: Organization, now: datetime) -> QuerySet[AlertGroup]:
    """Triggered groups nobody has acknowledged (the sidebar's count): unanswered first, silenced last, newest
    first otherwise (home page)."""
    order = Case(
        When(paging_status=PagingStatus.UNANSWERED, then=Value(0)),
        When(silenced_until__gt=now, then=Value(2)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        alert_group_list(organization=organization, status=AlertGroupStatus.TRIGGERED)
        .annotate(wait_order=order)
        .order_by("wait_order", "-last_seen", "-id")
    )


def alert_group_waiting_counts(*, organization: Organization, now: datetime) -> dict[str, int]:
    """How many triggered groups wait: in all, unanswered (every escalation step ran), and silenced, in one query."""
    return alert_group_list(organization=organization, status=AlertGroupStatus.TRIGGERED).aggregate(
        total=Count("pk"),
        unanswered=Count("pk", filter=Q(paging_status=PagingStatus.UNANSWERED)),
        silenced=Count("pk", filter=Q(silenced_until__gt=now)),
    )


def alert_queue_counts(*, organization: Organization, service: str = "", severity: str = "") -> dict[str, int]:
    """The queue's tab counts (open, triggered, acknowledged, resolved, all) and the unanswered groups, in one
    query; org-wide unless filtered by service or severity like the queue."""
    counts = (
        alert_group_list(organization=organization, service=service, severity=severity)
        .order_by()
        .aggregate(
            triggered=Count("pk", filter=Q(status=AlertGroupStatus.TRIGGERED)),
            acknowledged=Count("pk", filter=Q(status=AlertGroupStatus.ACKNOWLEDGED)),
            resolved=Count("pk", filter=Q(status=AlertGroupStatus.RESOLVED)),
            all=Count("pk"),
            unanswered=Count("pk", filter=Q(status=AlertGroupStatus.TRIGGERED, paging_status=PagingStatus.UNANSWERED)),
        )
    )
    return {"open": counts["triggered"] + counts["acknowledged"], **counts}

"""Sending injects: an alert inject is POSTed over HTTP to the app's own inbound endpoint at settings.SITE_URL
(the real path a monitoring tool takes: authentication, rate limit, parsing, grouping, paging), with the drill
integration's key and the inject's dedup key; hints and prompts are "sent" by marking them sent (the facilitator
sees them).

Durability (like escalations): a run's injects are rows due at start + offset. `inject_send(inject_id, token)`
acts only for the row's current token. It claims the row (status `sending`, in a short transaction), sends with
no transaction open, then records the answer if its token is still current. `injects_sweep` (beat, every few
seconds) re-drives pending rows whose message was lost and `sending` rows whose worker died (the lease passed).
Before re-sending a `sending` row it checks whether alerting already holds the alert group of the inject's dedup
key (the earlier attempt reached the endpoint and the worker died before recording the answer): then the inject
is recorded as sent without a second POST. So a worker killed at any point neither skips nor repeats an inject;
and if a second POST ever happened, alerting would fold the repeated trigger into the same group.
"""

import copy
import logging
from datetime import timedelta
from typing import Any
from uuid import uuid4

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from alerting.inbound import InboundError, alertmanager, pagerduty
from alerting.models import AlertGroup, IntegrationKind
from drills.models import DrillInject, DrillIntegrationKey, InjectStatus, RunStatus

logger = logging.getLogger(__name__)

PAGERDUTY_PATH = "/integrations/pagerduty/v2/enqueue"
# What a run's drill integration is, per inject format.
INTEGRATION_KINDS = {"pagerduty": IntegrationKind.PAGERDUTY_V2, "alertmanager": IntegrationKind.ALERTMANAGER}
SEND_TIMEOUT_SECONDS = 10.0
MAX_ATTEMPTS = 5
SWEEP_BATCH = 200


class InvalidAlert(ValueError):
    """An alert inject's payload that the real inbound parser refuses; `errors` are its messages."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def alert_body(fmt: str, payload: dict[str, Any], *, key: str, dedup_key: str) -> dict[str, Any]:
    """The request body an alert inject sends: the scenario's payload with the integration's routing key (PagerDuty)
    and the inject's dedup key (PagerDuty's `dedup_key`, the single Alertmanager alert's `fingerprint`)."""
    body = copy.deepcopy(payload) if isinstance(payload, dict) else {}
    if fmt == "pagerduty":
        body.setdefault("event_action", "trigger")
        body["routing_key"] = key
        body["dedup_key"] = dedup_key
    else:
        body.setdefault("version", "4")
        body.setdefault("status", "firing")
        alerts = body.get("alerts")
        if isinstance(alerts, list) and len(alerts) == 1 and isinstance(alerts[0], dict):
            alerts[0]["fingerprint"] = dedup_key
    return body


def alert_check(fmt: str, payload: Any) -> None:
    """Run the real alerting parser on the body this payload would send; raises InvalidAlert with its errors.
    An alert inject is one trigger (a resolve or a batch would not be one alert of the drill)."""
    if fmt not in INTEGRATION_KINDS:
        raise InvalidAlert([f"Choose a format: {', '.join(INTEGRATION_KINDS)}."])
    if not isinstance(payload, dict):
        raise InvalidAlert(["The payload must be a JSON object."])
    if fmt == "alertmanager":
        alerts = payload.get("alerts")
        if not (isinstance(alerts, list) and len(alerts) == 1):
            raise InvalidAlert(["An Alertmanager inject carries exactly one alert in 'alerts'."])
    body = alert_body(fmt, payload, key="0" * pagerduty.ROUTING_KEY_LENGTH, dedup_key="drill-check")
    parser = pagerduty.parse if fmt == "pagerduty" else alertmanager.parse
    try:
        parsed = parser(body)
    except InboundError as error:
        raise InvalidAlert([str(message) for message in error.messages]) from error
    if len(parsed) != 1 or parsed[0].action != "trigger":
        raise InvalidAlert(["An alert inject must trigger an alert (event_action trigger, status firing)."])


def inject_url(inject: DrillInject, key: str) -> str:
    if inject.format == "pagerduty":
        return f"{settings.SITE_URL}{PAGERDUTY_PATH}"
    return f"{settings.SITE_URL}/integrations/alertmanager/{key}/"


def _already_delivered(inject: DrillInject) -> bool:
    """Alerting holds the inject's alert group: an earlier attempt reached the endpoint."""
    return AlertGroup.objects.filter(integration_id=inject.integration_id, dedup_key=inject.dedup_key).exists()


def _claim(inject_id: int, token: str) -> tuple[DrillInject, str] | None:
    """Take the inject for this attempt (short transaction). Returns it with the key to send with, or None when
    there is nothing to send (stale token, not due, done, run over, or marked sent here: hints, prompts and an
    alert an earlier attempt already delivered)."""
    now = timezone.now()
    with transaction.atomic():
        inject = DrillInject.objects.select_for_update(of=("self",)).select_related("run").filter(pk=inject_id).first()
        if inject is None or str(inject.task_token) != str(token):
            return None
        if inject.status not in (InjectStatus.PENDING, InjectStatus.SENDING):
            return None
        if inject.run.status != RunStatus.RUNNING:
            inject.status = InjectStatus.CANCELED
            inject.error = f"The run is {inject.run.status}."
            inject.save(update_fields=["status", "error", "updated_at"])
            return None
        if inject.due_at > now:
            transaction.on_commit(lambda: inject_enqueue(inject))
            return None
        if inject.kind != "alert":
            _mark_sent(inject, now, None)
            return None
        if inject.status == InjectStatus.SENDING and _already_delivered(inject):
            # The earlier attempt's worker died after alerting accepted it: record it, send no copy.
            _mark_sent(inject, now, inject.response_status or 202, note="delivered before its worker stopped")
            return None
        key = DrillIntegrationKey.objects.filter(integration_id=inject.integration_id).values_list("key", flat=True)
        key = key.first()
        if not key:
            inject.status = InjectStatus.FAILED
            inject.error = "The drill integration's key is gone."
            inject.save(update_fields=["status", "error", "updated_at"])
            return None
        inject.status = InjectStatus.SENDING
        inject.claimed_at = now
        inject.attempts += 1
        inject.save(update_fields=["status", "claimed_at", "attempts", "updated_at"])
    return inject, key


def _mark_sent(inject: DrillInject, now: Any, status: int | None, note: str = "") -> None:
    inject.status = InjectStatus.SENT
    inject.sent_at = now
    inject.response_status = status
    inject.error = note
    inject.save(update_fields=["status", "sent_at", "response_status", "error", "updated_at"])


def _post(inject: DrillInject, key: str) -> tuple[int | None, str]:
    body = alert_body(inject.format, inject.payload, key=key, dedup_key=inject.dedup_key)
    try:
        response = httpx.post(inject_url(inject, key), json=body, timeout=SEND_TIMEOUT_SECONDS)
    except httpx.HTTPError as error:
        return None, _masked(f"{type(error).__name__}: {error}", key)[:500]
    if 200 <= response.status_code < 300:
        return response.status_code, ""
    return response.status_code, _masked(f"HTTP {response.status_code}: {response.text[:400]}", key)


def _masked(text: str, key: str) -> str:
    """An error as stored and logged: never the integration key (an Alertmanager URL carries it)."""
    return text.replace(key, f"{key[:8]}…") if key else text


def _record(inject: DrillInject, token: str, status: int | None, error: str) -> bool:
    """Record the answer if this attempt still owns the row; a failed attempt is retried with backoff."""
    now = timezone.now()
    with transaction.atomic():
        current = DrillInject.objects.select_for_update().filter(pk=inject.pk).first()
        if current is None or str(current.task_token) != str(token) or current.status != InjectStatus.SENDING:
            return False
        if not error:
            _mark_sent(current, now, status)
            return True
        current.response_status = status
        current.error = error
        if current.attempts >= MAX_ATTEMPTS or (status is not None and 400 <= status < 500 and status != 429):
            current.status = InjectStatus.FAILED
            current.save(update_fields=["status", "response_status", "error", "updated_at"])
            return False
        current.status = InjectStatus.PENDING
        current.task_token = uuid4()
        current.due_at = now + timedelta(seconds=2**current.attempts)
        current.save(update_fields=["status", "response_status", "error", "task_token", "due_at", "updated_at"])
        transaction.on_commit(lambda: inject_enqueue(current))
    return False


def inject_send(*, inject_id: int, token: str) -> bool:
    """Send one inject for the attempt holding `token`; True when this call delivered an alert."""
    claimed = _claim(inject_id, token)
    if claimed is None:
        return False
    inject, key = claimed
    status, error = _post(inject, key)
    if error:
        logger.warning("drill inject %s not delivered: %s", inject.pk, error)
    return _record(inject, token, status, error)


def inject_enqueue(inject: DrillInject) -> None:
    """Ask a worker to send the inject at its due time (call after commit)."""
    from drills import tasks

    eta = inject.due_at if inject.due_at > timezone.now() else None
    tasks.drill_inject_send.apply_async(args=(inject.pk, str(inject.task_token)), eta=eta)


def injects_sweep(*, now: Any = None) -> int:
    """Re-drive injects whose message was lost (pending, ONCALL_SWEEP_GRACE_SECONDS overdue) or whose worker died
    while sending (claimed DRILL_INJECT_LEASE_SECONDS ago; the POST times out long before): a new token each, so
    only the new message acts, and not again within the lease. Returns how many were re-driven."""
    now = now or timezone.now()
    grace = timedelta(seconds=settings.ONCALL_SWEEP_GRACE_SECONDS)
    lease = timedelta(seconds=settings.DRILL_INJECT_LEASE_SECONDS)
    redriven: list[DrillInject] = []
    with transaction.atomic():
        overdue = DrillInject.objects.select_for_update(skip_locked=True).filter(
            status=InjectStatus.PENDING, due_at__lte=now - grace, run__status=RunStatus.RUNNING
        )
        stuck = DrillInject.objects.select_for_update(skip_locked=True).filter(
            status=InjectStatus.SENDING, claimed_at__lte=now - lease
        )
        for queryset in (overdue, stuck):
            for inject in queryset.order_by("due_at")[:SWEEP_BATCH]:
                # A message re-sent recently may just be queued: give it the time to run.
                if inject.redriven_at and inject.redriven_at > now - lease:
                    continue
                inject.task_token = uuid4()
                inject.redriven_at = now
                inject.save(update_fields=["task_token", "redriven_at", "updated_at"])
                redriven.append(inject)
        transaction.on_commit(lambda: [inject_enqueue(inject) for inject in redriven])
    if redriven:
        logger.info("drill injects re-driven: %s", [inject.pk for inject in redriven])
    return len(redriven)

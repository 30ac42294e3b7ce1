"""Prometheus Alertmanager webhook (payload version 4): one InboundEvent per alert, deduplicated by
fingerprint; a resolved alert resolves its group. Grafana's unified alerting webhook reuses this."""

from typing import Any

from alerting.events import InboundEvent
from alerting.inbound import InboundError, bounded_key, content_hash, http_link, severity_of, text_of, timestamp_of

STATUSES = ("firing", "resolved")
MAX_ERRORS = 20


def _string_map(value: Any, where: str, errors: list[str]) -> dict[str, str]:
    """A labels/annotations object with every value as text; absent means empty."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.append(f"'{where}' must be an object")
        return {}
    return {key: text_of(item) for key, item in value.items()}


def _summary(annotations: dict[str, str], labels: dict[str, str], fallback: str) -> str:
    """The first of annotations.summary, annotations.description, labels.alertname, else `fallback`."""
    for text in (annotations.get("summary"), annotations.get("description"), labels.get("alertname")):
        if text and text.strip():
            return text.strip()
    return fallback


def _alert_event(
    body: dict[str, Any], index: int, alert: Any, errors: list[str], fallback_title: str, link_fields: tuple[str, ...]
) -> InboundEvent | None:
    """One alert of the body as an event, or None with its errors appended to `errors`."""
    where = f"alerts[{index}]"
    if not isinstance(alert, dict):
        errors.append(f"'{where}' must be an object")
        return None
    status = alert.get("status", body.get("status"))
    if status not in STATUSES:
        errors.append(f"'{where}.status' must be 'firing' or 'resolved'")
    labels = _string_map(alert.get("labels"), f"{where}.labels", errors)
    annotations = _string_map(alert.get("annotations"), f"{where}.annotations", errors)
    fingerprint = alert.get("fingerprint")
    if fingerprint is not None and not isinstance(fingerprint, str):
        errors.append(f"'{where}.fingerprint' must be a string")
    if errors:
        return None
    resolved = status == "resolved"
    link = next(filter(None, (http_link(alert.get(name)) for name in link_fields)), "")
    return InboundEvent(
        action="resolve" if resolved else "trigger",
        dedup_key=bounded_key(fingerprint.strip()) if fingerprint and fingerprint.strip() else content_hash(labels),
        summary=_summary(annotations, labels, fallback_title),
        severity=severity_of(labels.get("severity")),
        source=labels.get("instance") or labels.get("job") or "",
        labels=labels,
        link=link or http_link(body.get("externalURL")),
        timestamp=timestamp_of(alert.get("endsAt" if resolved else "startsAt")),
        payload={**{key: value for key, value in body.items() if key != "alerts"}, "alerts": [alert]},
    )


def parse_alerts(
    body: Any, *, fallback_title: str = "Alertmanager alert", link_fields: tuple[str, ...] = ("generatorURL",)
) -> list[InboundEvent]:
    """Every alert of an Alertmanager-shaped body as an event; any invalid alert rejects the whole body."""
    if not isinstance(body, dict):
        raise InboundError(["Body must be a JSON object (an Alertmanager webhook payload)."])
    alerts = body.get("alerts")
    if not isinstance(alerts, list):
        raise InboundError(["'alerts' must be an array."])
    errors: list[str] = []
    events: list[InboundEvent] = []
    for index, alert in enumerate(alerts):
        alert_errors: list[str] = []
        event = _alert_event(body, index, alert, alert_errors, fallback_title, link_fields)
        errors.extend(alert_errors)
        if event is not None:
            events.append(event)
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        raise InboundError(errors[:MAX_ERRORS])
    return events


def parse(body: Any) -> list[InboundEvent]:
    """An Alertmanager webhook body (version 4) as one event per alert."""
    return parse_alerts(body)

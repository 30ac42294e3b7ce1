"""Grafana unified alerting webhook: Alertmanager's shape plus title/state/message and per-alert URLs,
with the same semantics (fingerprint dedup, resolved resolves)."""

from typing import Any

from alerting.events import InboundEvent
from alerting.inbound import alertmanager, text_of


def parse(body: Any) -> list[InboundEvent]:
    """A Grafana alerting webhook body as one event per alert; the summary falls back to the message title."""
    title = text_of(body.get("title")).strip() if isinstance(body, dict) else ""
    return alertmanager.parse_alerts(
        body,
        fallback_title=title[:1024] or "Grafana alert",
        link_fields=("generatorURL", "panelURL", "dashboardURL"),
    )

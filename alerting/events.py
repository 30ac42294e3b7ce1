"""The normalised shape every inbound format is turned into before ingestion."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class InboundEvent:
    action: str  # trigger | acknowledge | resolve
    dedup_key: str
    summary: str = ""
    severity: str = "error"  # critical | error | warning | info
    source: str = ""
    labels: dict[str, Any] = field(default_factory=dict)
    link: str = ""
    timestamp: datetime | None = None
    payload: dict[str, Any] = field(default_factory=dict)

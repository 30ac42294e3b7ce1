"""The JSON a receiver gets: ``{"type": "incident.declared", "timestamp": "…Z", "data": {…}}``.

The body is made once, when the delivery is enqueued, and stored as the exact bytes sent (every retry and a
replay send the same bytes, so a receiver's signature check and duplicate check hold). `data` describes the
subject as it was then; ids are the objects' public ids (uuids) and per-org numbers, never database keys.
docs/webhooks.md shows each type's data.
"""

import json
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.urls import reverse

from incidents.models import Incident

MAX_BODY_BYTES = 256 * 1024


def iso(moment: datetime | None) -> str | None:
    """UTC, ISO 8601 with milliseconds and a Z ("2026-12-07T04:05:00.000Z"), or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def body(*, event_type: str, data: dict[str, Any], timestamp: datetime) -> str:
    """The body sent: compact JSON, keys in the order written (type, timestamp, data)."""
    text = json.dumps(
        {"type": event_type, "timestamp": iso(timestamp), "data": data},
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    if len(text.encode()) > MAX_BODY_BYTES:
        raise ValueError(f"a webhook body is at most {MAX_BODY_BYTES} bytes")
    return text


def person(user: Any) -> dict[str, str] | None:
    if user is None:
        return None
    return {"id": str(user.uuid), "name": user.display_name, "email": user.email}


def incident_data(incident: Incident) -> dict[str, Any]:
    """The incident as a receiver sees it (its severity and type are loaded with it; services cost one query)."""
    kwargs = {"org_slug": incident.organization.slug, "number": incident.number}
    path = reverse("incidents:incident-detail", kwargs=kwargs)
    return {
        "id": str(incident.uuid),
        "number": incident.number,
        "reference": incident.reference,
        "title": incident.title,
        "severity": incident.severity.name,
        "severity_major": incident.severity.is_major,
        "status": incident.status,
        "incident_type": incident.incident_type.slug if incident.incident_type_id else None,
        "is_drill": incident.is_drill,
        "services": sorted(incident.services.values_list("slug", flat=True)),
        "declared_at": iso(incident.declared_at),
        "resolved_at": iso(incident.resolved_at),
        "url": absolute(path),
    }


def test_data(*, endpoint: Any, actor_label: str) -> dict[str, Any]:
    return {
        "endpoint": str(endpoint.uuid),
        "message": "This is a test message from Firebreak: your endpoint receives and verifies webhooks.",
        "sent_by": actor_label,
    }

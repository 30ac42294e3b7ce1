"""Which domain events go out to the org's webhook endpoints (core.events, subscribed by name).

Each handler runs in the publisher's transaction, so the deliveries commit with the change (or not at all)
and their sends are enqueued after commit. It must stay cheap: one query for the org's enabled endpoints;
only when one wants the event is the subject loaded (a query or two) and the body made, once for all of them.
A drill incident's events go only to endpoints with `include_drills`. Every event occurrence has an
idempotency key, so the same event twice creates nothing more:

- incident.declared → incident:<id>:declared
- incident.status_changed → incident:<id>:status:<timeline event id>
- incident.severity_changed → incident:<id>:severity:<timeline event id>
- incident.role_assigned → incident:<id>:role:<assignment id>
- status_update.posted → incident:<id>:update:<status update id>
- alert_group.triggered → alert_group:<id>:triggered
- follow_up.changed → follow_up:<id>:<change>:<updated at>
- retrospective.status_changed (to published) and retrospective.published, both sent as
  retrospective.published → retrospective:<id>:published:<published at>
"""

from collections.abc import Callable
from typing import Any
from uuid import uuid4

from django.urls import reverse

from core import events
from incidents.models import Incident, StatusUpdate
from orgs.models import User
from workflows.models import WebhookEndpoint
from workflows.webhooks import actions, catalog, payloads


def endpoints_for(organization_id: int, event_type: str) -> list[WebhookEndpoint]:
    """The org's enabled endpoints that want `event_type` (one query; the filter is read in Python)."""
    enabled = WebhookEndpoint.objects.filter(organization_id=organization_id, is_enabled=True).order_by("pk")
    return [endpoint for endpoint in enabled if catalog.wants(endpoint.event_types, event_type)]


def _incident(incident_id: int | None) -> Incident | None:
    if incident_id is None:
        return None
    return Incident.objects.select_related("organization", "severity", "incident_type").filter(pk=incident_id).first()


def _send(
    *,
    organization_id: int,
    event_type: str,
    key: str | Callable[[], str],
    data: Callable[[Incident | None], dict[str, Any]],
    incident_id: int | Callable[[], int | None] | None = None,
) -> None:
    """Deliveries of one event to the endpoints that want it; `key` and `incident_id` may be functions (called only
    when some endpoint wants the event, so that an org without endpoints pays one query)."""
    endpoints = endpoints_for(organization_id, event_type)
    if not endpoints:
        return
    incident = _incident(incident_id() if callable(incident_id) else incident_id)
    if incident is not None and incident.is_drill:
        endpoints = [endpoint for endpoint in endpoints if endpoint.include_drills]
        if not endpoints:
            return
    actions.deliveries_create(
        endpoints=endpoints,
        event_type=event_type,
        data=lambda: data(incident),
        idempotency_key=key() if callable(key) else key,
    )


def _occurrence(value: Any) -> str:
    return str(value) if value is not None else uuid4().hex


def _user(user_id: int | None) -> dict[str, str] | None:
    return payloads.person(User.objects.filter(pk=user_id).first()) if user_id else None


# --- incidents -----------------------------------------------------------------------------------------------


def incident_declared(event: Any) -> None:
    _send(
        organization_id=event.organization_id,
        event_type="incident.declared",
        key=f"incident:{event.incident_id}:declared",
        incident_id=event.incident_id,
        data=lambda incident: {"incident": payloads.incident_data(incident)},
    )


def incident_status_changed(event: Any) -> None:
    def data(incident: Incident | None) -> dict[str, Any]:
        merged_into = _incident(event.merged_into_id) if event.merged_into_id else None
        return {
            "incident": payloads.incident_data(incident),
            "before": event.before,
            "after": event.after,
            "merged_into": merged_into.reference if merged_into else None,
        }

    _send(
        organization_id=event.organization_id,
        event_type="incident.status_changed",
        key=f"incident:{event.incident_id}:status:{_occurrence(event.timeline_event_id)}",
        incident_id=event.incident_id,
        data=data,
    )


def incident_severity_changed(event: Any) -> None:
    _send(
        organization_id=event.organization_id,
        event_type="incident.severity_changed",
        key=f"incident:{event.incident_id}:severity:{_occurrence(event.timeline_event_id)}",
        incident_id=event.incident_id,
        data=lambda incident: {
            "incident": payloads.incident_data(incident),
            "before": event.before,
            "after": event.after,
        },
    )


def incident_role_assigned(event: Any) -> None:
    _send(
        organization_id=event.organization_id,
        event_type="incident.role_assigned",
        key=f"incident:{event.incident_id}:role:{_occurrence(event.assignment_id)}",
        incident_id=event.incident_id,
        data=lambda incident: {
            "incident": payloads.incident_data(incident),
            "role": event.role,
            "user": _user(event.user_id),
            "previous_user": _user(event.previous_user_id),
        },
    )


def status_update_posted(event: Any) -> None:
    def data(incident: Incident | None) -> dict[str, Any]:
        update = StatusUpdate.objects.select_related("author").get(pk=event.status_update_id)
        return {
            "incident": payloads.incident_data(incident),
            "status_update": {
                "id": str(update.uuid),
                "message": update.message,
                "status": update.status,
                "visibility": update.visibility,
                "author": payloads.person(update.author),
                "posted_at": payloads.iso(update.created_at),
            },
        }

    _send(
        organization_id=event.organization_id,
        event_type="status_update.posted",
        key=f"incident:{event.incident_id}:update:{event.status_update_id}",
        incident_id=event.incident_id,
        data=data,
    )


# --- alerts, follow-ups, retrospectives ----------------------------------------------------------------------


def alert_group_triggered(event: Any) -> None:
    from alerting.models import AlertGroup

    def data(incident: Incident | None) -> dict[str, Any]:
        group = AlertGroup.objects.select_related("service").get(pk=event.alert_group_id)
        return {
            "alert_group": {
                "id": str(group.uuid),
                "title": group.title,
                "severity": group.severity,
                "status": group.status,
                "service": group.service.slug,
                "source": group.source,
                "link": group.link,
                "labels": group.labels,
                "alert_count": group.alert_count,
                "first_seen": payloads.iso(group.first_seen),
            },
            "incident": payloads.incident_data(incident) if incident else None,
        }

    _send(
        organization_id=event.organization_id,
        event_type="alert_group.triggered",
        key=f"alert_group:{event.alert_group_id}:triggered",
        incident_id=getattr(event, "incident_id", None),
        data=data,
    )


def follow_up_changed(event: Any) -> None:
    from ticketing.models import FollowUp

    loaded: dict[str, Any] = {}

    def row() -> Any:
        if "row" not in loaded:
            found = None
            if event.change != "deleted":
                found = FollowUp.objects.filter(pk=event.follow_up_id).first()
            loaded["row"] = found
        return loaded["row"]

    def key() -> str:
        stamp = payloads.iso(row().updated_at) if row() is not None else ""
        return f"follow_up:{event.follow_up_id}:{event.change}:{stamp}"

    def data(incident: Incident | None) -> dict[str, Any]:
        follow_up = row()
        shown: dict[str, Any] = {
            "reference": event.reference,
            "number": event.number,
            "title": event.title,
            "owner": event.owner,
            "source": event.source,
            "url": payloads.absolute(event.path) if event.path else None,
        }
        if follow_up is not None:
            shown.update(
                id=str(follow_up.uuid),
                status=follow_up.status,
                priority=follow_up.priority,
                due_date=follow_up.due_date.isoformat() if follow_up.due_date else None,
            )
        return {
            "change": event.change,
            "fields": list(event.fields),
            "follow_up": shown,
            "incident": payloads.incident_data(incident) if incident else None,
        }

    _send(
        organization_id=event.organization_id,
        event_type="follow_up.changed",
        key=key,
        incident_id=event.incident_id,
        data=data,
    )


def retrospective_published(event: Any) -> None:
    """From retrospective.status_changed (when it became published) or retrospective.published: both make the
    same key from the retrospective's published_at, so whichever comes second is a duplicate."""
    from retros.models import Retrospective, RetrospectiveStatus

    if getattr(event, "after", RetrospectiveStatus.PUBLISHED) != RetrospectiveStatus.PUBLISHED:
        return
    loaded: dict[str, Any] = {}

    def row() -> Any:
        if "row" not in loaded:
            loaded["row"] = Retrospective.objects.filter(pk=event.retrospective_id).first()
        return loaded["row"]

    def key() -> str:
        return f"retrospective:{event.retrospective_id}:published:{payloads.iso(row().published_at)}"

    def data(incident: Incident | None) -> dict[str, Any]:
        retrospective = row()
        path = reverse(
            "retros:retrospective-detail", kwargs={"org_slug": incident.organization.slug, "number": incident.number}
        )
        return {
            "retrospective": {
                "id": str(retrospective.uuid),
                "title": retrospective.title,
                "status": retrospective.status,
                "published_at": payloads.iso(retrospective.published_at),
                "url": payloads.absolute(path),
            },
            "incident": payloads.incident_data(incident),
        }

    _send(
        organization_id=event.organization_id,
        event_type="retrospective.published",
        key=key,
        incident_id=lambda: getattr(event, "incident_id", None) or row().incident_id,
        data=data,
    )


HANDLERS: dict[str, Callable[[Any], None]] = {
    "incident.declared": incident_declared,
    "incident.status_changed": incident_status_changed,
    "incident.severity_changed": incident_severity_changed,
    "incident.role_assigned": incident_role_assigned,
    "status_update.posted": status_update_posted,
    "alert_group.triggered": alert_group_triggered,
    "follow_up.changed": follow_up_changed,
    "retrospective.status_changed": retrospective_published,
    "retrospective.published": retrospective_published,
}


def register() -> None:
    """Subscribe the outbound webhook handlers (called from workflows.subscribers.register)."""
    for name, handler in HANDLERS.items():
        events.subscribe(name, handler, when="in_transaction")

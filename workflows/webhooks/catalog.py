"""The event types an endpoint can receive (WEBHOOK_EVENT_TYPES): the spine's events a receiver cares about, the
`workflow.action` a workflow's "Call a webhook" step sends, and `webhook.test` (the "Send test" button).
An endpoint's `event_types` lists the ones it wants; empty means every one (but `webhook.test` and
`workflow.action`, which are sent to one chosen endpoint whatever its filter)."""

WEBHOOK_EVENT_TYPES: dict[str, str] = {
    "incident.declared": "An incident was declared.",
    "incident.status_changed": "An incident's status changed (resolved, closed, reopened, …).",
    "incident.severity_changed": "An incident's severity changed.",
    "incident.role_assigned": "Someone took or was given an incident role.",
    "status_update.posted": "A status update was posted on an incident.",
    "alert_group.triggered": "A new alert group opened.",
    "follow_up.changed": "A follow-up was created, updated or deleted.",
    "retrospective.published": "A retrospective was published.",
    "workflow.action": "A workflow's “Call a webhook” step ran.",
    "webhook.test": "A test message sent from the endpoint's page or the API.",
}

# Sent to one endpoint by name, whatever the endpoint's filter says.
DIRECT_EVENT_TYPES = ("workflow.action", "webhook.test")
# What an endpoint's filter can name.
FILTERABLE_EVENT_TYPES = tuple(name for name in WEBHOOK_EVENT_TYPES if name not in DIRECT_EVENT_TYPES)


def event_type_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in FILTERABLE_EVENT_TYPES]


def wants(event_types: list[str], event_type: str) -> bool:
    """Whether an endpoint with this filter receives `event_type` (an empty filter receives every event)."""
    return not event_types or event_type in event_types

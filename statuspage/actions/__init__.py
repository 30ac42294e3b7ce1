"""Writes of the statuspage app, one module per topic, re-exported here: `from statuspage import actions`."""

from statuspage.actions.components import (
    component_create,
    component_delete,
    component_group_create,
    component_group_delete,
    component_group_move,
    component_group_update,
    component_move,
    component_status_override,
    component_update,
)
from statuspage.actions.maintenances import (
    TRANSITIONS,
    maintenance_delete,
    maintenance_schedule,
    maintenance_transition,
    maintenance_update,
    maintenance_update_post,
)
from statuspage.actions.pages import (
    logo_content_type,
    status_page_create,
    status_page_delete,
    status_page_logo_set,
    status_page_update,
    subscriber_remove,
)
from statuspage.actions.public_edits import public_incident_edit

__all__ = [
    "TRANSITIONS",
    "component_create",
    "component_delete",
    "component_group_create",
    "component_group_delete",
    "component_group_move",
    "component_group_update",
    "component_move",
    "component_status_override",
    "component_update",
    "logo_content_type",
    "maintenance_delete",
    "maintenance_schedule",
    "maintenance_transition",
    "maintenance_update",
    "maintenance_update_post",
    "public_incident_edit",
    "status_page_create",
    "status_page_delete",
    "status_page_logo_set",
    "status_page_update",
    "subscriber_remove",
]

"""Admin pages of the statuspage app (/o/<org>/status-pages/…), one module per topic, re-exported here."""

from statuspage.views.components import (
    component_create,
    component_delete,
    component_group_create,
    component_group_delete,
    component_group_move,
    component_group_update,
    component_move,
    component_override,
    component_update,
    status_page_detail,
)
from statuspage.views.maintenances import (
    maintenance_create,
    maintenance_delete,
    maintenance_detail,
    maintenance_list,
    maintenance_post,
    maintenance_transition,
    maintenance_update,
)
from statuspage.views.pages import (
    status_page_create,
    status_page_delete,
    status_page_list,
    status_page_logo,
    status_page_update,
)
from statuspage.views.public_incidents import (
    public_incident_list,
    public_incident_update,
    subscriber_list,
    subscriber_remove,
)

__all__ = [
    "component_create",
    "component_delete",
    "component_group_create",
    "component_group_delete",
    "component_group_move",
    "component_group_update",
    "component_move",
    "component_override",
    "component_update",
    "maintenance_create",
    "maintenance_delete",
    "maintenance_detail",
    "maintenance_list",
    "maintenance_post",
    "maintenance_transition",
    "maintenance_update",
    "public_incident_list",
    "public_incident_update",
    "status_page_create",
    "status_page_delete",
    "status_page_detail",
    "status_page_list",
    "status_page_logo",
    "status_page_update",
    "subscriber_list",
    "subscriber_remove",
]

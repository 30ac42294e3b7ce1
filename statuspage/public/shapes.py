"""Rows as Atlassian Statuspage's public API v2 shows them (the same keys and vocabularies, so status widgets
and clients read Firebreak unchanged). Identifiers are the rows' UUIDs; times are ISO 8601 in the page's zone."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.urls import reverse

from statuspage.models import Component, Maintenance, MaintenanceStatus, PublicIncident, StatusPage
from statuspage.public.selectors import ComponentState, GroupState, PageState
from statuspage.public.uptime import page_zone

MAINTENANCE_IMPACT = "maintenance"
JSON_LIST_LIMIT = 50


class Shaper:
    """Shapes one page's rows; knows the page's zone and its absolute URLs."""

    def __init__(self, *, request: HttpRequest, page: StatusPage, page_slug: str | None) -> None:
        self.request = request
        self.page = page
        self.page_slug = page_slug
        self.zone: ZoneInfo = page_zone(page)
        self.page_id = str(page.uuid)

    def time(self, value: datetime | None) -> str | None:
        return value.astimezone(self.zone).isoformat(timespec="milliseconds") if value else None

    def url(self, name: str, **kwargs: str) -> str:
        kwargs["org_slug"] = self.page.organization.slug
        if self.page_slug:
            kwargs["page_slug"] = self.page_slug
            name = f"{name}-other"
        return self.request.build_absolute_uri(reverse(f"statuspage_public:{name}", kwargs=kwargs))

    def page_dict(self, updated_at: datetime) -> dict[str, Any]:
        return {
            "id": self.page_id,
            "name": self.page.title,
            "url": self.url("page"),
            "time_zone": self.page.time_zone or "UTC",
            "updated_at": self.time(updated_at),
        }

    def status(self, state: PageState) -> dict[str, str]:
        return {"indicator": state.indicator, "description": state.description}

    def component(self, state: ComponentState) -> dict[str, Any]:
        c = state.component
        return {
            "id": str(c.uuid),
            "name": c.name,
            "status": state.status,
            "created_at": self.time(c.created_at),
            "updated_at": self.time(c.updated_at),
            "position": c.position,
            "description": c.description or None,
            "showcase": True,
            "start_date": None,
            "group_id": str(c.group.uuid) if c.group_id and c.group else None,
            "page_id": self.page_id,
            "group": False,
            "only_show_if_degraded": False,
        }

    def group(self, state: GroupState) -> dict[str, Any]:
        g = state.group
        return {
            "id": str(g.uuid),
            "name": g.name,
            "status": state.status,
            "created_at": self.time(g.created_at),
            "updated_at": self.time(g.updated_at),
            "position": g.position,
            "description": g.description or None,
            "showcase": False,
            "start_date": None,
            "group_id": None,
            "page_id": self.page_id,
            "group": True,
            "only_show_if_degraded": False,
            "components": [str(s.component.uuid) for s in state.components],
        }

    def components(self, state: PageState) -> list[dict[str, Any]]:
        """Groups and components in page order, each group followed by its members (Statuspage lists both)."""
        out = []
        for item in state.top:
            if isinstance(item, GroupState):
                out.append(self.group(item))
                out.extend(self.component(s) for s in item.components)
            else:
                out.append(self.component(item))
        return out

    def _component_ref(self, component: Component, status: str) -> dict[str, Any]:
        return {
            "id": str(component.uuid),
            "name": component.name,
            "status": status,
            "created_at": self.time(component.created_at),
            "updated_at": self.time(component.updated_at),
            "position": component.position,
            "description": component.description or None,
            "showcase": True,
            "start_date": None,
            "group_id": None,
            "page_id": self.page_id,
            "group": False,
            "only_show_if_degraded": False,
        }

    def incident(self, incident: PublicIncident, statuses: dict[int, str] | None = None) -> dict[str, Any]:
        updates = list(incident.updates.all())  # newest first
        incident_id = str(incident.uuid)
        shaped_updates = []
        # old_status of a component in an update: its status in the update before (operational at first).
        previous: dict[int, str] = {}
        for update in reversed(updates):
            affected = []
            for link in update.component_links.all():
                affected.append(
                    {
                        "code": str(link.component.uuid),
                        "name": link.component.name,
                        "old_status": previous.get(link.component_id, "operational"),
                        "new_status": link.status,
                    }
                )
                previous[link.component_id] = link.status
            shaped_updates.append(
                {
                    "id": str(update.uuid),
                    "status": update.status,
                    "body": update.body,
                    "incident_id": incident_id,
                    "created_at": self.time(update.created_at),
                    "updated_at": self.time(update.updated_at),
                    "display_at": self.time(update.display_at),
                    "affected_components": affected or None,
                    "deliver_notifications": True,
                    "custom_tweet": None,
                    "tweet_id": None,
                }
            )
        shaped_updates.reverse()
        statuses = statuses or {}
        return {
            "id": incident_id,
            "name": incident.title,
            "status": incident.status,
            "created_at": self.time(incident.created_at),
            "updated_at": self.time(incident.updated_at),
            "monitoring_at": self.time(incident.monitoring_at),
            "resolved_at": self.time(incident.resolved_at),
            "impact": incident.impact,
            "shortlink": self.url("incident", uuid=incident_id),
            "started_at": self.time(incident.started_at),
            "page_id": self.page_id,
            "incident_updates": shaped_updates,
            "components": [
                self._component_ref(link.component, statuses.get(link.component_id, "operational"))
                for link in incident.component_links.all()
            ],
        }

    def maintenance(self, maintenance: Maintenance, statuses: dict[int, str] | None = None) -> dict[str, Any]:
        maintenance_id = str(maintenance.uuid)
        links = list(maintenance.component_links.all())
        active = maintenance.status in (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING)
        statuses = statuses or {}
        updates = [
            {
                "id": str(update.uuid),
                "status": update.status,
                "body": update.body,
                "incident_id": maintenance_id,
                "created_at": self.time(update.created_at),
                "updated_at": self.time(update.updated_at),
                "display_at": self.time(update.created_at),
                "affected_components": [
                    {
                        "code": str(link.component.uuid),
                        "name": link.component.name,
                        "old_status": "operational",
                        "new_status": "under_maintenance"
                        if update.status in (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING)
                        else "operational",
                    }
                    for link in links
                ]
                or None,
                "deliver_notifications": True,
                "custom_tweet": None,
                "tweet_id": None,
            }
            for update in maintenance.updates.all()
        ]
        return {
            "id": maintenance_id,
            "name": maintenance.title,
            "status": maintenance.status,
            "created_at": self.time(maintenance.created_at),
            "updated_at": self.time(maintenance.updated_at),
            "monitoring_at": None,
            "resolved_at": self.time(maintenance.completed_at),
            "impact": MAINTENANCE_IMPACT,
            "shortlink": self.url("page"),
            "started_at": self.time(maintenance.started_at or maintenance.scheduled_for),
            "page_id": self.page_id,
            "incident_updates": updates,
            "components": [
                self._component_ref(
                    link.component, "under_maintenance" if active else statuses.get(link.component_id, "operational")
                )
                for link in links
            ],
            "scheduled_for": self.time(maintenance.scheduled_for),
            "scheduled_until": self.time(maintenance.scheduled_until),
        }

"""Websocket consumers: authorise (session + org membership), join the group, forward HTML. No writes."""

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from incidents import live, selectors


class IncidentTimelineConsumer(AsyncWebsocketConsumer):
    """One incident's live timeline at /ws/o/<org_slug>/incidents/<number>/."""

    async def connect(self) -> None:
        kwargs = self.scope["url_route"]["kwargs"]
        self.incident_id = await database_sync_to_async(selectors.incident_id_for_member)(
            user=self.scope.get("user"), org_slug=kwargs["org_slug"], number=int(kwargs["number"])
        )
        if self.incident_id is None:
            await self.close(code=4404)
            return
        self.group = live.incident_group(self.incident_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """A (re)connecting browser asks for what it missed: {"catch_up_after": <last event id seen>}."""
        try:
            after = int(json.loads(text_data or "{}").get("catch_up_after"))
        except (TypeError, ValueError, AttributeError):
            return
        for html in await self._missed(after):
            await self.send(text_data=html)

    @database_sync_to_async
    def _missed(self, after: int) -> list[str]:
        return [
            live.render_timeline_message(event)
            for event in selectors.timeline_after(incident_id=self.incident_id, after_id=after)
        ]

    async def timeline_event(self, event: dict) -> None:
        await self.send(text_data=event["html"])


class IncidentListConsumer(AsyncWebsocketConsumer):
    """The org's incident list at /ws/o/<org_slug>/incidents/: new incidents and status changes."""

    async def connect(self) -> None:
        slug = self.scope["url_route"]["kwargs"]["org_slug"]
        organization_id = await database_sync_to_async(selectors.incident_id_for_member)(
            user=self.scope.get("user"), org_slug=slug
        )
        if organization_id is None:
            await self.close(code=4404)
            return
        self.group = live.org_incidents_group(organization_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def incident_row(self, event: dict) -> None:
        await self.send(text_data=event["html"])

"""Websocket consumers: authorise (session + org membership), join the group, forward HTML. No writes."""

from channels.db import database_sync_to_async

from core import safejson
from incidents import live, selectors
from orgs.live import MemberConsumer


class IncidentTimelineConsumer(MemberConsumer):
    """One incident's live timeline at /ws/o/<org_slug>/incidents/<number>/."""

    async def connect(self) -> None:
        kwargs = self.scope["url_route"]["kwargs"]
        found = await database_sync_to_async(selectors.incident_for_member)(
            user=self.scope.get("user"), org_slug=kwargs["org_slug"], number=int(kwargs["number"])
        )
        if found is None:
            await self.close(code=4404)
            return
        organization_id, self.incident_id = found
        await self.join(live.incident_group(self.incident_id), organization_id=organization_id)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """A (re)connecting browser asks for what it missed: {"catch_up_after": <last event id seen>}."""
        try:
            after = int(safejson.loads(text_data or "{}").get("catch_up_after"))
        except (TypeError, ValueError, AttributeError):  # safejson.JSONRefused (deep, invalid) is a ValueError
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


class IncidentListConsumer(MemberConsumer):
    """The org's incident list at /ws/o/<org_slug>/incidents/: new incidents and status changes."""

    async def connect(self) -> None:
        await self.join_org(live.org_incidents_group)

    async def incident_row(self, event: dict) -> None:
        await self.send(text_data=event["html"])

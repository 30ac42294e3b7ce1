"""Websocket consumer of the triage queue: authorise (session + org membership), join the org's alerts group,
forward the rendered rows that alerting.live pushes after commit. No writes."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.http import Http404

from alerting import live
from orgs import selectors as org_selectors


def member_organization_id(*, user: object, org_slug: str) -> int | None:
    """The org's id if `user` is signed in and a member of it, else None (refused like an unknown org)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        return org_selectors.membership_for(user=user, slug=org_slug).organization_id
    except Http404:
        return None


class AlertQueueConsumer(AsyncWebsocketConsumer):
    """The org's alert queue at /ws/o/<org_slug>/alerts/: new groups and status changes, as table rows."""

    async def connect(self) -> None:
        organization_id = await database_sync_to_async(member_organization_id)(
            user=self.scope.get("user"), org_slug=self.scope["url_route"]["kwargs"]["org_slug"]
        )
        if organization_id is None:
            await self.close(code=4404)
            return
        self.group = live.org_alerts_group(organization_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def alert_group(self, event: dict) -> None:
        await self.send(text_data=event["html"])

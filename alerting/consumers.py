"""Websocket consumer of the triage queue: authorise (session + org membership), join the org's alerts group,
forward the rendered rows that alerting.live pushes after commit. No writes."""

from channels.db import database_sync_to_async

from alerting import live
from orgs.live import MemberConsumer, member_organization_id


class AlertQueueConsumer(MemberConsumer):
    """The org's alert queue at /ws/o/<org_slug>/alerts/: new groups and status changes, as table rows."""

    async def connect(self) -> None:
        organization_id = await database_sync_to_async(member_organization_id)(
            user=self.scope.get("user"), org_slug=self.scope["url_route"]["kwargs"]["org_slug"]
        )
        if organization_id is None:
            await self.close(code=4404)
            return
        await self.join(live.org_alerts_group(organization_id), organization_id=organization_id)

    async def alert_group(self, event: dict) -> None:
        await self.send(text_data=event["html"])

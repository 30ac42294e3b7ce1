"""Websocket consumer of the triage queue: authorise (session + org membership), join the org's alerts group,
forward the rendered rows that alerting.live pushes after commit. No writes."""

from alerting import live
from orgs.live import MemberConsumer


class AlertQueueConsumer(MemberConsumer):
    """The org's alert queue at /ws/o/<org_slug>/alerts/: new groups and status changes, as table rows."""

    async def connect(self) -> None:
        await self.join_org(live.org_alerts_group)

    async def alert_group(self, event: dict) -> None:
        await self.send(text_data=event["html"])

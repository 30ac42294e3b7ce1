"""Live sockets and membership: sending to channel-layer groups (every app's live pushes go through here), and
closing a person's open live views of an organization the moment they stop being a member of it.

A socket is authorised once, when it connects; every consumer therefore also joins its person's membership
group (`member_group`), and `membership_remove` tells that group after commit: the consumers close with
code 4403, so a removed member stops receiving the org's pushes at once, not at their next reconnect.
"""

import logging
from collections.abc import Callable

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.http import Http404

from orgs import selectors

logger = logging.getLogger(__name__)

REVOKED_CLOSE_CODE = 4403


def send_many(messages: list[tuple[str, dict]]) -> None:
    """Send (group, message) pairs in order, in one trip through the event loop. A push never undoes or fails
    the write it reports: errors are logged, and browsers catch up when they reconnect."""
    layer = get_channel_layer()
    if layer is None or not messages:
        return

    async def send_all() -> None:
        for group, message in messages:
            try:
                await layer.group_send(group, message)
            except Exception:
                logger.exception("live push to %s failed", group)

    async_to_sync(send_all)()


def member_group(*, organization_id: int, user_id: int) -> str:
    return f"member.{organization_id}.{user_id}"


def membership_revoked_broadcast(*, organization_id: int, user_id: int) -> None:
    """Close the person's open live views of the org (call after commit)."""
    send_many([(member_group(organization_id=organization_id, user_id=user_id), {"type": "membership.revoked"})])


def member_organization_id(*, user: object, org_slug: str) -> int | None:
    """The org's id if `user` is signed in and a member of it, else None (refused like an unknown org)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        return selectors.membership_for(user=user, slug=org_slug).organization_id
    except Http404:
        return None


def _still_member(*, user_id: int, organization_id: int) -> bool:
    return selectors.is_member(user_id=user_id, organization_id=organization_id)


class MemberConsumer(AsyncWebsocketConsumer):
    """A consumer whose socket shows one org's data to one of its members: `join` subscribes it to its content
    group and to the person's membership group, and it closes when the membership is removed."""

    live_groups: list[str]

    async def join(self, group: str, *, organization_id: int) -> None:
        user_id = self.scope["user"].pk
        self.live_groups = [group, member_group(organization_id=organization_id, user_id=user_id)]
        for name in self.live_groups:
            await self.channel_layer.group_add(name, self.channel_name)
        # Removed between the check at connect and joining the group: its notice went to nobody, so look again.
        if not await database_sync_to_async(_still_member)(user_id=user_id, organization_id=organization_id):
            await self.close(code=REVOKED_CLOSE_CODE)
            return
        await self.accept()

    async def join_org(self, group_for: Callable[[int], str]) -> None:
        """Join `group_for(org id)` of the org in the URL (/ws/o/<org_slug>/…), or close with 4404 for anyone who
        is not signed in as its member (refused like an unknown org)."""
        organization_id = await database_sync_to_async(member_organization_id)(
            user=self.scope.get("user"), org_slug=self.scope["url_route"]["kwargs"]["org_slug"]
        )
        if organization_id is None:
            await self.close(code=4404)
            return
        await self.join(group_for(organization_id), organization_id=organization_id)

    async def disconnect(self, code: int) -> None:
        for name in getattr(self, "live_groups", []):
            await self.channel_layer.group_discard(name, self.channel_name)

    async def membership_revoked(self, event: dict) -> None:
        await self.close(code=REVOKED_CLOSE_CODE)

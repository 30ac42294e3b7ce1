"""The alert queue's websocket through the real ASGI app (origin check, session auth, routing) over the in-memory
channel layer and (marked integration) the real Redis layer: who may subscribe, and which rows are pushed after
commit when groups open and move."""

import re
from dataclasses import dataclass

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.test import Client

from alerting import actions, live
from alerting.events import InboundEvent
from alerting.models import AlertGroup, Integration, PagingStatus
from config.asgi import application
from orgs.models import Membership, MembershipRole, Organization, User
from orgs.tenancy import Actor
from services import actions as service_actions
from tests.factories import UserFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

ROW = re.compile(r'<tr id="alert-group-([0-9a-f-]{36})"')
TAB_COUNT = re.compile(r'<span class="queue-tab-count" id="queue-count-(\w+)" hx-swap-oob="true">(\d+)</span>')
NAV_COUNT = re.compile(r'<span class="count count-alert" id="nav-alert-count"[^>]*hx-swap-oob="true">(\d+)</span>')
BANNER = re.compile(r'<div id="unanswered-banner" hx-swap-oob="true">.*?<p class="callout-title">([^<]+)</p>', re.S)
ALERT_COUNT = re.compile(
    r'<td class="num alert-count" id="alert-count-([0-9a-f-]{36})"[^>]*hx-swap-oob="true">(\d+)</td>'
)


def counts(message: str) -> dict[str, int]:
    """The org's counts pushed with a row: the queue's tabs and the sidebar badge."""
    found = {name: int(n) for name, n in TAB_COUNT.findall(message)}
    found["nav"] = int(NAV_COUNT.search(message).group(1))
    return found


REDIS_DB_OFFSET = 6


@dataclass
class Scene:
    org: Organization
    owner: Membership
    viewer: Membership
    integration: Integration

    @property
    def path(self) -> str:
        return f"/ws/o/{self.org.slug}/alerts/"


@pytest.fixture
def scene(org, owner, make_member) -> Scene:
    service = service_actions.service_create(organization=org, actor=Actor.system(), name="Payments")
    integration, _ = actions.integration_create(
        organization=org, service=service, name="PagerDuty", kind="pagerduty_v2", actor=Actor.system()
    )
    return Scene(org, owner, make_member(org, MembershipRole.VIEWER, email="vic@acme.test"), integration)


def session_cookie(user: User) -> bytes:
    client = Client()
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


def connect_to(path: str, cookie: bytes | None = None) -> WebsocketCommunicator:
    headers = [(b"host", b"testserver"), (b"origin", b"http://testserver")]
    if cookie is not None:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, path, headers=headers)


@pytest.fixture(autouse=True)
def counts_pushed_at_once(monkeypatch):
    """A repeated trigger's cells go out at commit, not from the coalescing thread (the in-memory layer's queues
    belong to the test's event loop)."""
    monkeypatch.setattr(live, "COUNT_PUSH_SECONDS", 0)


async def open_socket(path: str, cookie: bytes) -> WebsocketCommunicator:
    communicator = connect_to(path, cookie)
    connected, _ = await communicator.connect(timeout=5)
    assert connected is True
    return communicator


def trigger(integration: Integration, key: str, summary: str) -> AlertGroup:
    event = InboundEvent(action="trigger", dedup_key=key, summary=summary, severity="critical")
    return actions.alert_ingest(integration=integration, event=event).group


# --- authorisation ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "no-membership", "other-org-member"])
async def test_only_members_of_the_org_may_subscribe(scene, other_member, who):
    cookie = await database_sync_to_async(
        lambda: {
            "anonymous": None,
            "no-membership": session_cookie(UserFactory(email="stranger@example.test")),
            "other-org-member": session_cookie(other_member.user),
        }[who]
    )()

    connected, code = await connect_to(scene.path, cookie).connect(timeout=5)

    assert (connected, code) == (False, 4404)


async def test_an_unknown_org_is_refused_like_a_foreign_one(scene):
    cookie = await database_sync_to_async(session_cookie)(scene.owner.user)

    connected, code = await connect_to("/ws/o/no-such-org/alerts/", cookie).connect(timeout=5)

    assert (connected, code) == (False, 4404)


async def test_a_viewer_may_watch_the_queue(scene):
    cookie = await database_sync_to_async(session_cookie)(scene.viewer.user)

    socket = await open_socket(scene.path, cookie)

    assert await socket.receive_nothing(timeout=0.2) is True
    await socket.disconnect()


# --- live push -------------------------------------------------------------------------------------------------


async def test_members_receive_a_row_when_a_group_opens_and_when_it_moves_and_no_one_else(scene, other_member, layer):
    owner_cookie, viewer_cookie, globex_cookie = await database_sync_to_async(
        lambda: (
            session_cookie(scene.owner.user),
            session_cookie(scene.viewer.user),
            session_cookie(other_member.user),
        )
    )()
    owner_socket = await open_socket(scene.path, owner_cookie)
    viewer_socket = await open_socket(scene.path, viewer_cookie)
    globex_socket = await open_socket(f"/ws/o/{other_member.organization.slug}/alerts/", globex_cookie)

    group = await database_sync_to_async(trigger)(scene.integration, "payments-5xx", "Payments <5xx> above 5%")
    opened = [await socket.receive_from(timeout=5) for socket in (owner_socket, viewer_socket)]
    await database_sync_to_async(trigger)(scene.integration, "payments-5xx", "Payments <5xx> above 5%")  # a repeat
    repeated = [await socket.receive_from(timeout=5) for socket in (owner_socket, viewer_socket)]
    await database_sync_to_async(actions.alert_group_acknowledge)(group=group, actor=Actor(user=scene.owner.user))
    acknowledged = [await socket.receive_from(timeout=5) for socket in (owner_socket, viewer_socket)]

    for message in opened:
        assert ROW.findall(message) == [str(group.uuid)]
        assert message.startswith('<tbody id="alert-rows" hx-swap-oob="afterbegin">')
        assert "Payments &lt;5xx&gt; above 5%" in message
        assert 'data-status="triggered"' in message
        assert counts(message) == {"open": 1, "triggered": 1, "acknowledged": 0, "resolved": 0, "all": 1, "nav": 1}
    for message in repeated:  # only the group's count and "last seen" cells
        assert ROW.findall(message) == []
        assert ALERT_COUNT.findall(message) == [(str(group.uuid), "2")]
        assert f'id="alert-seen-{group.uuid}" hx-swap-oob="true"' in message
    for message in acknowledged:
        assert ROW.findall(message) == [str(group.uuid)]
        assert 'data-status="acknowledged"' in message
        assert counts(message) == {"open": 1, "triggered": 0, "acknowledged": 1, "resolved": 0, "all": 1, "nav": 0}
        assert 'id="nav-alert-count" title="0 triggered alert groups nobody has acknowledged" hidden' in message
    assert opened[0] == opened[1]  # the same fragment for everybody, whatever their role
    assert repeated[0] == repeated[1]
    for socket in (owner_socket, viewer_socket):
        assert await socket.receive_nothing(timeout=0.3) is True
    assert await globex_socket.receive_nothing(timeout=0.3) is True
    for socket in (owner_socket, viewer_socket, globex_socket):
        await socket.disconnect()


async def test_a_batch_of_groups_is_pushed_each_to_its_own_org_only(scene, other_member, layer):
    # Given two Acme groups and a Globex one whose escalations ended in the same batch
    def groups() -> tuple[list[AlertGroup], AlertGroup]:
        globex = other_member.organization
        service = service_actions.service_create(organization=globex, actor=Actor.system(), name="Globex API")
        integration, _ = actions.integration_create(
            organization=globex, service=service, name="Globex hook", kind="webhook", actor=Actor.system()
        )
        acme = [trigger(scene.integration, f"acme-{n}", f"Acme {n}") for n in range(2)]
        return acme, trigger(integration, "globex-1", "Globex 1")

    acme, globex_group = await database_sync_to_async(groups)()
    owner_cookie, globex_cookie = await database_sync_to_async(
        lambda: (session_cookie(scene.owner.user), session_cookie(other_member.user))
    )()
    acme_socket = await open_socket(scene.path, owner_cookie)
    globex_socket = await open_socket(f"/ws/o/{other_member.organization.slug}/alerts/", globex_cookie)

    ids = [acme[0].pk, globex_group.pk, acme[1].pk]
    await database_sync_to_async(live.alert_groups_broadcast)(group_ids=ids)

    acme_messages = [await acme_socket.receive_from(timeout=5) for _ in range(2)]
    globex_message = await globex_socket.receive_from(timeout=5)
    assert [ROW.findall(message) for message in acme_messages] == [[str(acme[0].uuid)], [str(acme[1].uuid)]]
    assert ROW.findall(globex_message) == [str(globex_group.uuid)]
    acme_counts = {"open": 2, "triggered": 2, "acknowledged": 0, "resolved": 0, "all": 2, "nav": 2}
    assert [counts(message) for message in acme_messages] == [acme_counts, acme_counts]
    assert counts(globex_message) == {"open": 1, "triggered": 1, "acknowledged": 0, "resolved": 0, "all": 1, "nav": 1}
    assert await acme_socket.receive_nothing(timeout=0.3) is True
    assert await globex_socket.receive_nothing(timeout=0.3) is True
    for socket in (acme_socket, globex_socket):
        await socket.disconnect()


async def test_a_group_going_unanswered_pushes_the_banner_with_the_orgs_count(scene, layer):
    # Given two triggered groups, one of which has already gone unanswered
    def groups() -> list[AlertGroup]:
        found = [trigger(scene.integration, f"disk-{n}", f"Disk {n} full") for n in range(2)]
        AlertGroup.objects.filter(pk=found[0].pk).update(paging_status=PagingStatus.UNANSWERED)
        return found

    _, second = await database_sync_to_async(groups)()
    socket = await open_socket(scene.path, await database_sync_to_async(session_cookie)(scene.owner.user))

    # When the second one's escalation ends unanswered too (the worker pushes the ended runs)
    await database_sync_to_async(
        lambda: AlertGroup.objects.filter(pk=second.pk).update(paging_status=PagingStatus.UNANSWERED)
    )()
    await database_sync_to_async(live.alert_groups_broadcast)(group_ids=[second.pk])
    message = await socket.receive_from(timeout=5)

    # Then the row says so and the banner counts both
    assert ROW.findall(message) == [str(second.uuid)]
    assert "Unanswered: nobody acknowledged" in message
    assert BANNER.search(message).group(1) == "2 alert groups went unanswered"
    await socket.disconnect()

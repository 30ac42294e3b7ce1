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
from alerting.models import AlertGroup, Integration
from config.asgi import application
from orgs.models import Membership, MembershipRole, Organization, User
from orgs.tenancy import Actor
from services import actions as service_actions
from tests.factories import UserFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

ROW = re.compile(r'<tr id="alert-group-([0-9a-f-]{36})"')


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
    await database_sync_to_async(actions.alert_group_acknowledge)(group=group, actor=Actor(user=scene.owner.user))
    acknowledged = [await socket.receive_from(timeout=5) for socket in (owner_socket, viewer_socket)]

    for message in opened:
        assert ROW.findall(message) == [str(group.uuid)]
        assert message.startswith('<tbody id="alert-rows" hx-swap-oob="afterbegin">')
        assert "Payments &lt;5xx&gt; above 5%" in message
        assert 'data-status="triggered"' in message
    for message in acknowledged:
        assert ROW.findall(message) == [str(group.uuid)]
        assert 'data-status="acknowledged"' in message
    assert opened[0] == opened[1]  # the same fragment for everybody, whatever their role
    for socket in (owner_socket, viewer_socket):
        assert await socket.receive_nothing(timeout=0.3) is True  # a repeat that changes no status is not pushed
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

    acme_rows = [ROW.findall(await acme_socket.receive_from(timeout=5)) for _ in range(2)]
    globex_rows = ROW.findall(await globex_socket.receive_from(timeout=5))
    assert acme_rows == [[str(acme[0].uuid)], [str(acme[1].uuid)]]
    assert globex_rows == [str(globex_group.uuid)]
    assert await acme_socket.receive_nothing(timeout=0.3) is True
    assert await globex_socket.receive_nothing(timeout=0.3) is True
    for socket in (acme_socket, globex_socket):
        await socket.disconnect()

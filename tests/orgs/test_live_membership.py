"""A socket is authorised when it connects; removing the member closes their open live views of the org at once
(code 4403), over the in-memory layer and (marked integration) the real Redis layer. Everyone else stays."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.test import Client

from config.asgi import application
from incidents import actions as incident_actions
from incidents.models import Severity
from orgs import actions
from orgs.live import REVOKED_CLOSE_CODE
from orgs.models import Membership, MembershipRole, User
from orgs.tenancy import Actor

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

REDIS_DB_OFFSET = 10


def session_cookie(user: User) -> bytes:
    client = Client()
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


async def open_socket(path: str, cookie: bytes) -> WebsocketCommunicator:
    headers = [(b"host", b"testserver"), (b"origin", b"http://testserver"), (b"cookie", cookie)]
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    assert connected is True
    return communicator


@pytest.fixture
def paths(org, owner) -> dict[str, str]:
    incident_actions.organization_defaults_ensure(organization=org)
    incident = incident_actions.incident_declare(
        organization=org,
        actor=Actor(user=owner.user),
        title="Checkout is down",
        severity=Severity.objects.for_org(org).get(name="SEV2"),
    )
    return {
        "alert queue": f"/ws/o/{org.slug}/alerts/",
        "incident list": f"/ws/o/{org.slug}/incidents/",
        "incident timeline": f"/ws/o/{org.slug}/incidents/{incident.number}/",
    }


@pytest.mark.parametrize("view", ["alert queue", "incident list", "incident timeline"])
async def test_removing_a_member_closes_their_open_live_view_and_only_theirs(
    org, owner, make_member, other_org, paths, layer, view
):
    def people() -> tuple[Membership, bytes, bytes]:
        rita = make_member(org, MembershipRole.RESPONDER, email="rita@acme.test")
        # Rita is also a member of Globex: removing her from Acme must not touch that
        Membership.objects.create(organization=other_org, user=rita.user, role=MembershipRole.RESPONDER)
        return rita, session_cookie(rita.user), session_cookie(owner.user)

    rita, rita_cookie, owner_cookie = await database_sync_to_async(people)()
    rita_socket = await open_socket(paths[view], rita_cookie)
    owner_socket = await open_socket(paths[view], owner_cookie)
    globex_socket = await open_socket(f"/ws/o/{other_org.slug}/alerts/", rita_cookie)

    await database_sync_to_async(actions.membership_remove)(membership=rita, actor=Actor(user=owner.user))

    assert await rita_socket.receive_output(timeout=5) == {"type": "websocket.close", "code": REVOKED_CLOSE_CODE}
    assert await owner_socket.receive_nothing(timeout=0.3) is True
    assert await globex_socket.receive_nothing(timeout=0.3) is True
    # and she cannot come back in
    connected, code = await WebsocketCommunicator(
        application,
        paths[view],
        headers=[(b"host", b"testserver"), (b"origin", b"http://testserver"), (b"cookie", rita_cookie)],
    ).connect(timeout=5)
    assert (connected, code) == (False, 4404)
    for socket in (owner_socket, globex_socket):
        await socket.disconnect()

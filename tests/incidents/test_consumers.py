"""Live layer end to end: the real ASGI app (origin check, session auth, routing) and the consumers, over the
in-memory channel layer and (marked integration) the real Redis layer: who may subscribe, what is pushed
after commit, and what a reconnecting browser catches up on."""

import re
from dataclasses import dataclass

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.test import Client

from config.asgi import application
from incidents import actions
from incidents.models import Incident, Severity, TimelineEvent
from orgs.models import Membership, MembershipRole, Organization, User
from orgs.tenancy import Actor
from tests.factories import UserFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

EVENT_ID = re.compile(r'data-event-id="(\d+)"')


REDIS_DB_OFFSET = 2


@dataclass
class Scene:
    org: Organization
    owner: Membership
    responder: Membership
    incident: Incident
    other_incident: Incident

    @property
    def path(self) -> str:
        return f"/ws/o/{self.org.slug}/incidents/{self.incident.number}/"


def session_cookie(user: User) -> bytes:
    """A real session (as after logging in) for the websocket handshake's Cookie header."""
    client = Client()
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


@pytest.fixture
def scene(org, owner, make_member) -> Scene:
    actions.organization_defaults_ensure(organization=org)
    sev2 = Severity.objects.for_org(org).get(name="SEV2")
    actor = Actor(user=owner.user)
    return Scene(
        org=org,
        owner=owner,
        responder=make_member(org, MembershipRole.RESPONDER, email="rita@acme.test"),
        incident=actions.incident_declare(organization=org, actor=actor, title="Checkout is down", severity=sev2),
        other_incident=actions.incident_declare(organization=org, actor=actor, title="Search is slow", severity=sev2),
    )


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


COUNT = re.compile(r'<span class="muted small" id="incident-count" hx-swap-oob="true">([^<]+)</span>')


def event_ids(message: str) -> list[int]:
    return [int(value) for value in EVENT_ID.findall(message)]


def note(incident: Incident, user: User, body: str) -> TimelineEvent:
    """Add a note through the action; its on_commit push runs when the (real) transaction commits."""
    return actions.note_add(incident=incident, body=body, actor=Actor(user=user))


def timeline_ids(incident: Incident) -> list[int]:
    return list(TimelineEvent.objects.filter(incident=incident).order_by("id").values_list("id", flat=True))


# --- authorisation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "no-membership", "other-org-member"])
@pytest.mark.parametrize("page", ["incident", "list"])
async def test_only_members_of_the_org_may_subscribe(scene, other_member, who, page):
    cookie = await database_sync_to_async(
        lambda: {
            "anonymous": None,
            "no-membership": session_cookie(UserFactory(email="stranger@example.test")),
            "other-org-member": session_cookie(other_member.user),
        }[who]
    )()
    path = scene.path if page == "incident" else f"/ws/o/{scene.org.slug}/incidents/"

    connected, code = await connect_to(path, cookie).connect(timeout=5)

    assert (connected, code) == (False, 4404)


async def test_an_unknown_incident_number_is_refused_like_a_foreign_one(scene):
    cookie = await database_sync_to_async(session_cookie)(scene.owner.user)

    connected, code = await connect_to(f"/ws/o/{scene.org.slug}/incidents/999/", cookie).connect(timeout=5)

    assert (connected, code) == (False, 4404)


# --- live push ----------------------------------------------------------------------------------------


async def test_members_receive_a_note_pushed_after_commit_and_no_one_else(scene, layer):
    owner_cookie, responder_cookie = await database_sync_to_async(
        lambda: (session_cookie(scene.owner.user), session_cookie(scene.responder.user))
    )()
    owner_socket = await open_socket(scene.path, owner_cookie)
    responder_socket = await open_socket(scene.path, responder_cookie)
    elsewhere = await open_socket(f"/ws/o/{scene.org.slug}/incidents/{scene.other_incident.number}/", owner_cookie)

    event = await database_sync_to_async(note)(scene.incident, scene.responder.user, "Rolled back **deploy 42**")

    for socket in (owner_socket, responder_socket):
        message = await socket.receive_from(timeout=5)
        assert event_ids(message) == [event.pk]
        assert "Rolled back <strong>deploy 42</strong>" in message
        assert 'hx-swap-oob="afterbegin"' in message
        assert await socket.receive_nothing(timeout=0.3) is True
    assert await elsewhere.receive_nothing(timeout=0.3) is True
    for socket in (owner_socket, responder_socket, elsewhere):
        await socket.disconnect()


async def test_catch_up_sends_exactly_the_later_events_in_order(scene, layer):
    def three_notes_here_and_one_elsewhere() -> list[int]:
        note(scene.other_incident, scene.owner.user, "Not this incident")
        for n in (1, 2, 3):
            note(scene.incident, scene.owner.user, f"Note {n}")
        return timeline_ids(scene.incident)

    ids = await database_sync_to_async(three_notes_here_and_one_elsewhere)()
    cookie = await database_sync_to_async(session_cookie)(scene.responder.user)
    socket = await open_socket(scene.path, cookie)

    await socket.send_json_to({"catch_up_after": ids[1]})
    received = [event_ids(await socket.receive_from(timeout=5)) for _ in ids[2:]]

    assert len(ids) == 5
    assert received == [[event_id] for event_id in ids[2:]]
    assert await socket.receive_nothing(timeout=0.3) is True
    await socket.disconnect()


async def test_a_reconnecting_browser_gets_what_it_missed_then_live_events(scene, layer):
    cookie = await database_sync_to_async(session_cookie)(scene.owner.user)
    socket = await open_socket(scene.path, cookie)
    seen = await database_sync_to_async(note)(scene.incident, scene.owner.user, "Before the drop")
    assert event_ids(await socket.receive_from(timeout=5)) == [seen.pk]
    await socket.disconnect()

    missed = await database_sync_to_async(
        lambda: [note(scene.incident, scene.owner.user, body).pk for body in ("Missed one", "Missed two")]
    )()
    socket = await open_socket(scene.path, cookie)
    await socket.send_json_to({"catch_up_after": seen.pk})
    caught_up = [event_ids(await socket.receive_from(timeout=5)) for _ in missed]
    assert await socket.receive_nothing(timeout=0.3) is True
    live_event = await database_sync_to_async(note)(scene.incident, scene.owner.user, "Back live")

    assert caught_up == [[missed[0]], [missed[1]]]
    assert event_ids(await socket.receive_from(timeout=5)) == [live_event.pk]
    assert await socket.receive_nothing(timeout=0.3) is True
    await socket.disconnect()


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '{"catch_up_after": null}', '{"catch_up_after": "x"}', "{}"])
async def test_malformed_catch_up_requests_are_ignored(scene, layer, text):
    cookie = await database_sync_to_async(session_cookie)(scene.owner.user)
    socket = await open_socket(scene.path, cookie)

    await socket.send_to(text_data=text)

    assert await socket.receive_nothing(timeout=0.3) is True
    event = await database_sync_to_async(note)(scene.incident, scene.owner.user, "Still connected")
    assert event_ids(await socket.receive_from(timeout=5)) == [event.pk]
    await socket.disconnect()


async def test_the_org_incident_list_receives_a_row_when_an_incident_is_declared(scene, other_member, layer):
    def cookies() -> tuple[bytes, bytes]:
        actions.organization_defaults_ensure(organization=other_member.organization)
        return session_cookie(scene.responder.user), session_cookie(other_member.user)

    acme_cookie, globex_cookie = await database_sync_to_async(cookies)()
    acme_list = await open_socket(f"/ws/o/{scene.org.slug}/incidents/", acme_cookie)
    globex_list = await open_socket(f"/ws/o/{other_member.organization.slug}/incidents/", globex_cookie)

    def declare_and_identify() -> Incident:
        incident = actions.incident_declare(
            organization=scene.org,
            actor=Actor(user=scene.owner.user),
            title="Payments failing",
            severity=Severity.objects.for_org(scene.org).get(name="SEV1"),
        )
        return actions.incident_transition(incident=incident, status="identified", actor=Actor(user=scene.owner.user))

    incident = await database_sync_to_async(declare_and_identify)()

    declared_row = await acme_list.receive_from(timeout=5)
    identified_row = await acme_list.receive_from(timeout=5)
    assert incident.number == 3
    assert 'id="incident-row-3"' in declared_row
    assert "Payments failing" in declared_row
    assert "hx-swap-oob" in declared_row
    assert 'id="incident-row-3"' in identified_row
    assert "identified" in identified_row
    assert "hx-swap-oob" in identified_row
    for row in (declared_row, identified_row):  # the org's count comes with every row
        assert COUNT.findall(row) == ["3 incidents"]
    assert await acme_list.receive_nothing(timeout=0.3) is True
    assert await globex_list.receive_nothing(timeout=0.3) is True
    await acme_list.disconnect()
    await globex_list.disconnect()

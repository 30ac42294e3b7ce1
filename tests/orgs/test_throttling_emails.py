"""E-mails a stranger can make Firebreak send are limited per address and per client: password resets (the
page never tells whether an account has the address) and invitations (the inviter is told why)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client

from orgs.models import Invitation
from tests.factories import InvitationFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)  # half an hour before the hourly window ends
RESET_ADDRESS = "Too many password-reset requests for this address. Try again in 30 minutes."
RESET_NETWORK = "Too many password-reset requests from your network. Try again in 30 minutes."


@pytest.fixture(autouse=True)
def clock() -> time_machine.Traveller:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def reset(email: str, ip: str = "198.51.100.7") -> tuple[int, list[str], str | None]:
    """(status, the form's errors, Retry-After) of one password-reset request."""
    response = Client(REMOTE_ADDR=ip).post("/accounts/password_reset/", {"email": email})
    errors = response.context["form"].errors.get("email", []) if response.status_code != 302 else []
    return response.status_code, list(errors), response.get("Retry-After")


# --- password reset -------------------------------------------------------------------------------


def test_reset_emails_to_one_address_stop_at_the_limit(owner):
    answers = [reset("owner@acme.test") for _ in range(5)]

    assert answers == [(302, [], None)] * 3 + [(429, [RESET_ADDRESS], "1800")] * 2
    assert [m.to for m in mail.outbox] == [["owner@acme.test"]] * 3


def test_the_reset_page_reads_the_same_for_an_address_without_an_account(owner):
    known = [reset("owner@acme.test") for _ in range(4)]
    unknown = [reset("nobody@acme.test") for _ in range(4)]

    assert unknown == known
    assert [m.to for m in mail.outbox] == [["owner@acme.test"]] * 3


def test_the_address_is_counted_in_any_case(owner):
    for email in ["OWNER@acme.test", "Owner@Acme.Test", "owner@acme.test"]:
        reset(email)

    assert reset("owner@ACME.test")[0] == 429
    assert len(mail.outbox) == 3


def test_reset_requests_from_one_client_stop_at_its_limit(owner, make_member, org, settings):
    settings.PASSWORD_RESET_EMAILS_PER_IP = 2
    make_member(org, email="second@acme.test")
    make_member(org, email="third@acme.test")

    answers = [reset(email, ip="192.0.2.10") for email in ["owner@acme.test", "second@acme.test", "third@acme.test"]]

    assert answers == [(302, [], None), (302, [], None), (429, [RESET_NETWORK], "1800")]
    assert reset("third@acme.test", ip="192.0.2.11") == (302, [], None)
    assert [m.to for m in mail.outbox] == [["owner@acme.test"], ["second@acme.test"], ["third@acme.test"]]


def test_reset_emails_flow_again_in_the_next_window(owner, clock):
    for _ in range(4):
        reset("owner@acme.test")

    clock.shift(timedelta(minutes=30))

    assert reset("owner@acme.test") == (302, [], None)
    assert len(mail.outbox) == 4


def test_the_refusal_shows_on_the_reset_page(owner):
    for _ in range(3):
        reset("owner@acme.test")

    page = Client().post("/accounts/password_reset/", {"email": "owner@acme.test"})

    assert page.status_code == 429
    assert RESET_ADDRESS in page.content.decode()


# --- invitations ----------------------------------------------------------------------------------


def invite(client: Client, email: str) -> tuple[int, dict, str | None]:
    response = client.post("/o/acme/members/invite/", {"email": email, "role": "viewer"})
    errors = response.context["invite_form"].errors if response.status_code != 302 else {}
    return response.status_code, dict(errors), response.get("Retry-After")


def test_inviting_one_address_again_and_again_stops_at_the_limit(
    org, owner, client_for, enqueued, django_capture_on_commit_callbacks
):
    client = client_for(owner)
    answers = []
    for _ in range(6):  # invite, revoke, invite again: the way to send one address many e-mails
        with django_capture_on_commit_callbacks(execute=True):
            answers.append(invite(client, "target@example.test"))
        Invitation.objects.filter(email="target@example.test").update(revoked_at=NOW)

    assert answers == [(302, {}, None)] * 5 + [
        (429, {"email": ["Too many invitations for this address. Try again in 30 minutes."]}, "1800")
    ]
    assert Invitation.objects.filter(email="target@example.test").count() == 5
    assert enqueued.names == ["orgs.tasks.invitation_send"] * 5


def test_invitations_from_one_client_stop_at_its_limit(
    org, owner, client_for, enqueued, settings, django_capture_on_commit_callbacks
):
    settings.INVITATION_EMAILS_PER_IP = 2
    client = client_for(owner)

    with django_capture_on_commit_callbacks(execute=True):
        answers = [invite(client, f"person{i}@example.test") for i in range(3)]

    assert answers == [(302, {}, None)] * 2 + [
        (429, {"__all__": ["Too many invitations from your network. Try again in 30 minutes."]}, "1800")
    ]
    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "person0@example.test",
        "person1@example.test",
    ]
    assert len(enqueued.names) == 2


def test_the_api_answers_429_with_retry_after_past_the_invitation_limits(org, api_client, enqueued, settings):
    settings.INVITATION_EMAILS_PER_ADDRESS = 1
    InvitationFactory(organization=org, email="elsewhere@example.test")  # made directly: not counted

    first = api_client.post("/api/v1/invitations/", {"email": "ivy@example.test", "role": "viewer"}, format="json")
    Invitation.objects.filter(email="ivy@example.test").update(revoked_at=NOW)
    second = api_client.post("/api/v1/invitations/", {"email": "ivy@example.test", "role": "viewer"}, format="json")

    assert first.status_code == 201
    assert (second.status_code, second["Retry-After"]) == (429, "1800")
    assert second.json() == {
        "error": {
            "status": 429,
            "code": "throttled",
            "message": "Too many invitations for this address. Try again in 30 minutes.",
            "fields": {},
        }
    }
    assert Invitation.objects.filter(email="ivy@example.test").count() == 1


def test_invitations_made_by_commands_are_not_counted_by_address_of_a_client(org, settings):
    from orgs import actions
    from orgs.tenancy import Actor

    settings.INVITATION_EMAILS_PER_IP = 1

    invitations = [
        actions.invitation_create(organization=org, email=f"p{i}@example.test", role="viewer", actor=Actor.system())
        for i in range(3)
    ]

    assert len(invitations) == 3

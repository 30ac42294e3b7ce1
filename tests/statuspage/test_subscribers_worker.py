"""A real Celery worker on Redis mails a status-page subscriber through a real SMTP server (aiosmtpd): the
confirmation, then an incident's public update once confirmed; nothing after the one-click unsubscribe."""

from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.test import Client
from django.utils import timezone

from incidents import actions as incident_actions
from incidents.models import IncidentStatus, StatusUpdateVisibility
from orgs.tenancy import Actor
from statuspage.models import SubscriberNotice
from statuspage.subscribing import actions, tokens
from tests.factories import IncidentFactory, StatusPageFactory, SubscriberFactory
from tests.integration.helpers import celery_broker, clean_env, free_port, start_worker, stop, wait_for, xdist_redis_url

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SITE = "https://status.acme.test"


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_inbox():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, inbox
    controller.stop()


@pytest.fixture
def broker(redis_url: str):
    """A Redis database per xdist worker: the production-shape test starts a worker on REDIS_URL's own database,
    and it would take (and drop) this test's messages."""
    with celery_broker(xdist_redis_url(redis_url)) as url:
        yield url


def database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.requires_postgres("the worker process needs a shared server database")
def test_a_worker_mails_the_confirmation_and_updates_until_one_click_unsubscribe(
    org, owner, smtp_inbox, broker, tmp_path, settings
):
    settings.SITE_URL = SITE
    port, inbox = smtp_inbox
    log = tmp_path / "worker.log"
    env = clean_env(
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        DATABASE_URL=database_url(),
        REDIS_URL=broker,
        EMAIL_URL=f"smtp://127.0.0.1:{port}",
        FIREBREAK_SITE_URL=SITE,
    )
    page = StatusPageFactory(organization=org, slug="main", title="Acme status", is_default=True)
    incident = IncidentFactory(organization=org, title="Checkout errors")
    actor = Actor(user=owner.user)

    def to(address: str) -> list:
        return [message for message in inbox.messages if message["To"] == address]

    worker = start_worker(env, log)
    try:
        subscriber = actions.subscriber_signup(page=page, email="ana@example.test", ip="203.0.113.9")
        wait_for(lambda: to("ana@example.test"), 60, "the confirmation", log)
        actions.subscriber_confirm(subscriber=subscriber)

        incident_actions.status_update_post(
            incident=incident, message="Investigating.", actor=actor, visibility=StatusUpdateVisibility.EXTERNAL
        )
        wait_for(lambda: len(to("ana@example.test")) == 2, 60, "the update", log)

        token = tokens.subscriber_token(subscriber=subscriber)
        SubscriberFactory(page=page, email="bob@example.test", confirmed_at=timezone.now())
        one_click = Client().post(
            f"/status/acme/unsubscribe/{token}/",
            "List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )
        incident_actions.status_update_post(
            incident=incident,
            message="Fixed.",
            actor=actor,
            visibility=StatusUpdateVisibility.EXTERNAL,
            status=IncidentStatus.RESOLVED,
        )
        # Bob, confirmed, gets the second update from the same fan-out: only then is "nothing more" for Ana a fact.
        wait_for(lambda: to("bob@example.test"), 60, "Bob's update", log)
    finally:
        stop(worker)

    confirm, update = to("ana@example.test")
    assert confirm["Subject"] == "Confirm your subscription to Acme status"
    assert update["Subject"] == "[Acme status] Checkout errors: Investigating"
    assert update["List-Unsubscribe"].strip() == f"<{SITE}/status/acme/unsubscribe/{token}/>"
    assert update["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert one_click.status_code == 200
    assert to("bob@example.test")[0]["Subject"] == "[Acme status] Checkout errors: Resolved"
    assert list(SubscriberNotice.objects.values_list("subscriber__email", "kind", "status").order_by("pk")) == [
        ("ana@example.test", "confirm", "sent"),
        ("ana@example.test", "incident_update", "sent"),
        ("bob@example.test", "incident_update", "sent"),
    ]

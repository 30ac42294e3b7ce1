"""A real Celery worker on Redis sends an invitation email to a real SMTP server (aiosmtpd)."""

import re
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

from orgs import actions
from orgs.models import Invitation
from orgs.tenancy import Actor
from tests.integration.helpers import (
    celery_broker,
    clean_env,
    free_port,
    start_worker,
    stop,
    wait_for,
    xdist_redis_url,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp_inbox():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, inbox
    controller.stop()


@pytest.fixture
def isolated_redis_url(redis_url: str) -> str:
    """One Redis database per xdist worker, so parallel runs never consume each other's tasks; this process
    publishes there too."""
    with celery_broker(xdist_redis_url(redis_url)) as url:
        yield url


def database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.requires_postgres("the worker process needs a shared server database")
def test_invitation_email_is_delivered_by_a_real_worker(org, owner, smtp_inbox, isolated_redis_url, tmp_path):
    port, inbox = smtp_inbox
    log = tmp_path / "worker.log"
    env = clean_env(
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        DATABASE_URL=database_url(),
        REDIS_URL=isolated_redis_url,
        EMAIL_URL=f"smtp://127.0.0.1:{port}",
        FIREBREAK_SITE_URL="https://firebreak.test",
    )
    worker = start_worker(env, log)
    try:
        invitation = actions.invitation_create(
            organization=org, email="newhire@acme.test", role="responder", actor=Actor(user=owner.user)
        )

        wait_for(lambda: inbox.messages, 60, "the invitation email", log)
        wait_for(lambda: Invitation.objects.get(pk=invitation.pk).email_sent_at is not None, 10, "email_sent_at", log)
    finally:
        stop(worker)

    [(recipients, message)] = inbox.messages
    body = message.get_payload(decode=True).decode()
    assert recipients == ["newhire@acme.test"]
    assert message["Subject"] == "You're invited to Acme on Firebreak"
    [token] = re.findall(r"https://firebreak\.test/invitations/([^/\s]+)/", body)
    assert actions.invitation_from_token(token=token) == invitation

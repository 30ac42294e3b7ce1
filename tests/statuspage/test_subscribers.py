"""Status-page subscribers end to end through a real local SMTP server (aiosmtpd): sign up, confirm (double
opt-in), receive an update with the RFC 8058 headers, unsubscribe with a one-click POST (no cookie, 200, no
redirect), receive nothing more. Plus who gets what: unconfirmed addresses nothing, per-component filtering,
maintenance, drills never; and the sign-up's rate limits and its silence about who is subscribed."""

import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.test import Client
from django.utils import timezone

from config.celery import app as celery_app
from incidents import actions as incident_actions
from incidents.models import IncidentStatus, StatusUpdateVisibility
from orgs.tenancy import Actor
from statuspage import actions as page_actions
from statuspage.models import MaintenanceStatus, Subscriber, SubscriberNotice
from statuspage.subscribing import actions, delivery, tokens
from tests.factories import (
    ComponentFactory,
    IncidentFactory,
    MaintenanceFactory,
    PublicIncidentComponentFactory,
    PublicIncidentFactory,
    PublicUpdateFactory,
    ServiceFactory,
    StatusPageFactory,
    SubscriberComponentFactory,
    SubscriberFactory,
)
from tests.integration.helpers import free_port

pytestmark = pytest.mark.django_db

SITE = "https://status.acme.test"
TASKS = "statuspage.subscribing.tasks."


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"

    def to(self, address: str) -> list:
        return [message for recipients, message in self.messages if address in recipients]


@pytest.fixture
def inbox(settings):
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = "", ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield box
    controller.stop()


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def run_tasks(enqueued, django_capture_on_commit_callbacks):
    """Run the subscriber tasks recorded so far (and those they enqueue) the way a worker would, in order."""
    done = {"count": 0}

    def run() -> None:
        while done["count"] < len(enqueued.calls):
            name, args, kwargs = enqueued.calls[done["count"]]
            done["count"] += 1
            if name.startswith(TASKS):
                with django_capture_on_commit_callbacks(execute=True):
                    celery_app.tasks[name].run(*args, **kwargs)

    return run


@pytest.fixture
def page(org):
    return StatusPageFactory(organization=org, slug="main", title="Acme status", is_default=True)


@pytest.fixture
def checkout(org, page):
    return ComponentFactory(page=page, organization=org, name="Checkout", service=ServiceFactory(organization=org))


@pytest.fixture
def search(org, page):
    return ComponentFactory(page=page, organization=org, name="Search")


def post_update(incident, member, message, status=None):
    return incident_actions.status_update_post(
        incident=incident,
        message=message,
        actor=Actor(user=member.user),
        visibility=StatusUpdateVisibility.EXTERNAL,
        status=status,
    )


def link(message, label: str) -> str:
    body = message.get_content()
    return re.search(rf"{label}\s*(https://\S+)", body).group(1)


def path_of(url: str) -> str:
    assert url.startswith(SITE + "/")
    return url.removeprefix(SITE)


# --- the whole journey ---------------------------------------------------------------------------------------------


def test_sign_up_confirm_receive_and_one_click_unsubscribe_through_real_smtp(
    org, member, page, checkout, inbox, run_tasks, django_capture_on_commit_callbacks
):
    visitor = Client()
    incident = IncidentFactory(organization=org, title="Checkout errors", services=[checkout.service])

    with django_capture_on_commit_callbacks(execute=True):
        answer = visitor.post("/status/acme/subscribe/", {"email": "Ana@Example.test"}, REMOTE_ADDR="203.0.113.9")
    run_tasks()

    assert answer.status_code == 200
    assert b"Check your inbox" in answer.content
    [confirm] = inbox.to("ana@example.test")
    subscriber = Subscriber.objects.get()
    token = tokens.subscriber_token(subscriber=subscriber)
    assert confirm["Subject"] == "Confirm your subscription to Acme status"
    # (A header longer than a line is folded before its value, as RFC 5322 allows: hence strip().)
    assert confirm["List-Unsubscribe"].strip() == f"<{SITE}/status/acme/unsubscribe/{token}/>"
    assert confirm["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert subscriber.token_hash == tokens.token_hash(token)
    assert token not in str(list(Subscriber.objects.values()))

    # Not confirmed yet: an update is mailed to no one.
    with django_capture_on_commit_callbacks(execute=True):
        post_update(incident, member, "We are investigating.")
    run_tasks()
    assert len(inbox.to("ana@example.test")) == 1
    assert SubscriberNotice.objects.filter(kind="incident_update").exists() is False

    # The confirm link: GET only shows the button (mail scanners fetch links), POST confirms; twice is harmless.
    confirm_path = path_of(link(confirm, "press Confirm:"))
    assert visitor.get(confirm_path).status_code == 200
    assert Subscriber.objects.get().confirmed_at is None
    assert visitor.post(confirm_path).status_code == 200
    confirmed_at = Subscriber.objects.get().confirmed_at
    assert visitor.post(confirm_path).status_code == 200
    assert Subscriber.objects.get().confirmed_at == confirmed_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        post_update(incident, member, "Found it: a bad deploy.", status=IncidentStatus.IDENTIFIED)
    run_tasks()

    [_, update] = inbox.to("ana@example.test")
    assert update["Subject"] == "[Acme status] Checkout errors: Identified"
    assert update["List-Unsubscribe"].strip() == f"<{SITE}/status/acme/unsubscribe/{token}/>"
    assert update["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = update.get_content()
    assert "Identified: Found it: a bad deploy." in body
    assert f"Manage your subscription: {SITE}/status/acme/subscription/{token}/" in body
    assert list(SubscriberNotice.objects.values_list("kind", "status", "attempts").order_by("pk")) == [
        ("confirm", "sent", 1),
        ("incident_update", "sent", 1),
    ]

    # RFC 8058: what a mail provider sends, from no browser: no cookie, no CSRF token. 200, no redirect.
    provider = Client(enforce_csrf_checks=True)
    unsubscribe_path = path_of(update["List-Unsubscribe"].strip().strip("<>"))
    one_click = provider.post(
        unsubscribe_path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    again = provider.post(
        unsubscribe_path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert (one_click.status_code, one_click.get("Location"), dict(one_click.cookies)) == (200, None, {})
    assert (again.status_code, again.get("Location")) == (200, None)
    assert Subscriber.objects.get().unsubscribed_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        post_update(incident, member, "Fixed.", status=IncidentStatus.RESOLVED)
    run_tasks()
    assert len(inbox.to("ana@example.test")) == 2


def test_the_unsubscribe_link_never_unsubscribes_on_get(page):
    subscriber = SubscriberFactory(page=page, confirmed_at=timezone.now())
    token = tokens.subscriber_token(subscriber=subscriber)

    answer = Client().get(f"/status/acme/unsubscribe/{token}/")

    assert answer.status_code == 200
    assert b'method="post"' in answer.content
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at is None


def test_an_unknown_token_is_404(page):
    assert Client().post("/status/acme/unsubscribe/nope/").status_code == 404
    assert Client().get("/status/acme/subscription/nope/").status_code == 404


def test_the_manage_page_changes_the_components_followed(page, checkout, search):
    subscriber = SubscriberFactory(page=page, confirmed_at=timezone.now())
    token = tokens.subscriber_token(subscriber=subscriber)

    answer = Client().post(f"/status/acme/subscription/{token}/", {"components": [search.pk]})

    assert answer.status_code == 200
    assert list(subscriber.component_links.values_list("component", flat=True)) == [search.pk]


# --- who receives what -----------------------------------------------------------------------------------------------


def incident_update(org, page, components=(), is_drill=False):
    public_incident = PublicIncidentFactory(
        page=page, incident=IncidentFactory(organization=org, is_drill=is_drill), title="Checkout errors"
    )
    for component in components:
        PublicIncidentComponentFactory(public_incident=public_incident, component=component)
    return PublicUpdateFactory(public_incident=public_incident)


def notified() -> list[str]:
    return sorted(SubscriberNotice.objects.values_list("subscriber__email", flat=True))


def test_only_confirmed_subscribers_of_the_components_hit_are_notified(org, page, checkout, search):
    SubscriberFactory(page=page, email="all@x.test", confirmed_at=timezone.now())
    SubscriberComponentFactory(
        subscriber=SubscriberFactory(page=page, email="checkout@x.test", confirmed_at=timezone.now()),
        component=checkout,
    )
    SubscriberComponentFactory(
        subscriber=SubscriberFactory(page=page, email="search@x.test", confirmed_at=timezone.now()), component=search
    )
    SubscriberFactory(page=page, email="unconfirmed@x.test")
    SubscriberFactory(page=page, email="gone@x.test", confirmed_at=timezone.now(), unsubscribed_at=timezone.now())
    SubscriberFactory(page=StatusPageFactory(organization=org), email="other-page@x.test", confirmed_at=timezone.now())

    queued = actions.public_update_notify(public_update_id=incident_update(org, page, [checkout]).pk)

    assert queued == 2
    assert notified() == ["all@x.test", "checkout@x.test"]


def test_an_incident_on_no_component_goes_to_every_confirmed_subscriber(org, page, checkout):
    SubscriberFactory(page=page, email="all@x.test", confirmed_at=timezone.now())
    SubscriberComponentFactory(
        subscriber=SubscriberFactory(page=page, email="checkout@x.test", confirmed_at=timezone.now()),
        component=checkout,
    )
    update = incident_update(org, page)

    actions.public_update_notify(public_update_id=update.pk)
    actions.public_update_notify(public_update_id=update.pk)  # twice: still one notice each

    assert notified() == ["all@x.test", "checkout@x.test"]


def test_a_drill_never_produces_mail(org, page, checkout, enqueued):
    SubscriberFactory(page=page, confirmed_at=timezone.now())
    update = incident_update(org, page, [checkout], is_drill=True)

    assert actions.public_update_notify(public_update_id=update.pk) == 0
    assert SubscriberNotice.objects.exists() is False
    assert [name for name in enqueued.names if name.startswith(TASKS + "subscriber_notices")] == []


def test_maintenance_is_mailed_when_announced_started_and_completed(
    org, owner, page, checkout, search, run_tasks, django_capture_on_commit_callbacks, mailoutbox
):
    SubscriberComponentFactory(
        subscriber=SubscriberFactory(page=page, email="checkout@x.test", confirmed_at=timezone.now()),
        component=checkout,
    )
    SubscriberComponentFactory(
        subscriber=SubscriberFactory(page=page, email="search@x.test", confirmed_at=timezone.now()), component=search
    )
    actor = Actor(user=owner.user)
    start = timezone.now() + timedelta(days=1)

    with django_capture_on_commit_callbacks(execute=True):
        maintenance = page_actions.maintenance_schedule(
            page=page,
            actor=actor,
            title="Database upgrade",
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=2),
            body="Checkout is read-only for ten minutes.",
            components=[checkout],
        )
    for status in (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING, MaintenanceStatus.COMPLETED):
        with django_capture_on_commit_callbacks(execute=True):
            page_actions.maintenance_transition(maintenance=maintenance, actor=actor, status=status, body=status)
    run_tasks()

    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["checkout@x.test"], "[Acme status] Scheduled maintenance: Database upgrade"),
        (["checkout@x.test"], "[Acme status] Maintenance in progress: Database upgrade"),
        (["checkout@x.test"], "[Acme status] Maintenance completed: Database upgrade"),
    ]
    assert "Checkout is read-only for ten minutes." in mailoutbox[0].body
    assert mailoutbox[0].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_token_opens_nothing_under_another_orgs_address(page, other_org):
    subscriber = SubscriberFactory(page=page, confirmed_at=timezone.now())
    StatusPageFactory(organization=other_org, is_default=True)
    token = tokens.subscriber_token(subscriber=subscriber)

    answer = Client().post(f"/status/{other_org.slug}/unsubscribe/{token}/")

    assert answer.status_code == 404
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at is None


def test_the_maintenance_mail_gives_the_times_in_the_pages_time_zone(org, page, checkout, mailoutbox):
    page.time_zone = "Europe/Paris"
    page.save(update_fields=["time_zone"])
    SubscriberFactory(page=page, confirmed_at=timezone.now())
    start = datetime(2030, 1, 15, 9, 0, tzinfo=UTC)
    maintenance = MaintenanceFactory(page=page, title="Upgrade", scheduled_for=start)

    actions.maintenance_notify(maintenance_id=maintenance.pk, status=MaintenanceStatus.SCHEDULED)
    delivery.subscriber_notice_deliver(notice_id=SubscriberNotice.objects.get().pk)

    assert "Scheduled: 2030-01-15 10:00 to 2030-01-15 12:00 (Europe/Paris)" in mailoutbox[0].body

"""The sign-up form: double opt-in, rate limits per client and per address, and an answer that never tells
whether an address is already subscribed."""

import pytest
from django.test import Client
from django.utils import timezone

from statuspage.models import Subscriber, SubscriberNotice
from tests.factories import ComponentFactory, StatusPageFactory, SubscriberFactory

pytestmark = pytest.mark.django_db

DELIVER = "statuspage.subscribing.tasks.subscriber_notices_deliver"


@pytest.fixture
def page(org):
    return StatusPageFactory(organization=org, slug="main", title="Acme status", is_default=True)


def sign_up(email, ip="203.0.113.9", client=None, **data):
    return (client or Client()).post("/status/acme/subscribe/", {"email": email, **data}, REMOTE_ADDR=ip)


def test_the_form_shows_the_pages_components(page):
    ComponentFactory(page=page, name="Checkout")

    answer = Client().get("/status/acme/subscribe/")

    assert answer.status_code == 200
    assert b"Checkout" in answer.content


def test_sign_up_stores_the_chosen_components_and_queues_only_a_confirmation(
    page, enqueued, django_capture_on_commit_callbacks
):
    checkout = ComponentFactory(page=page, name="Checkout")
    ComponentFactory(page=page, name="Search")

    with django_capture_on_commit_callbacks(execute=True):
        answer = sign_up(" Ana@Example.TEST ", components=[checkout.pk])

    subscriber = Subscriber.objects.get()
    notice = SubscriberNotice.objects.get()
    assert answer.status_code == 200
    assert (subscriber.email, subscriber.confirmed_at, subscriber.created_ip) == (
        "ana@example.test",
        None,
        "203.0.113.9",
    )
    assert list(subscriber.component_links.values_list("component", flat=True)) == [checkout.pk]
    assert (notice.kind, notice.status) == ("confirm", "pending")
    assert enqueued.messages(DELIVER) == [([notice.pk],)]


def test_a_component_of_another_page_is_refused(org, page):
    other = ComponentFactory(page=StatusPageFactory(organization=org), name="Elsewhere")

    answer = sign_up("ana@example.test", components=[other.pk])

    assert answer.status_code == 400
    assert Subscriber.objects.exists() is False


def test_the_answer_is_the_same_for_an_address_already_subscribed(page):
    SubscriberFactory(page=page, email="known@example.test", confirmed_at=timezone.now())

    known = sign_up("known@example.test")
    new = sign_up("new@example.test")

    assert (known.status_code, new.status_code) == (200, 200)
    assert known.content.replace(b"known@", b"X@") == new.content.replace(b"new@", b"X@")
    # The confirmed address is left as it is and mailed nothing.
    assert list(SubscriberNotice.objects.values_list("subscriber__email", flat=True)) == ["new@example.test"]


def test_signing_up_again_after_unsubscribing_needs_a_new_confirmation(page):
    SubscriberFactory(page=page, email="back@example.test", confirmed_at=timezone.now(), unsubscribed_at=timezone.now())

    sign_up("back@example.test")

    subscriber = Subscriber.objects.get()
    assert (subscriber.confirmed_at, subscriber.unsubscribed_at) == (None, None)
    assert SubscriberNotice.objects.get().kind == "confirm"


def test_sign_ups_are_limited_per_client(page, settings):
    settings.STATUSPAGE_SIGNUPS_PER_IP = 2

    answers = [sign_up(f"person{n}@example.test", ip="198.51.100.7").status_code for n in range(3)]
    other_client = sign_up("person9@example.test", ip="198.51.100.8")

    assert answers == [200, 200, 429]
    assert other_client.status_code == 200
    assert sorted(Subscriber.objects.values_list("email", flat=True)) == [
        "person0@example.test",
        "person1@example.test",
        "person9@example.test",
    ]
    assert SubscriberNotice.objects.count() == 3


def test_sign_ups_are_limited_per_address(page, settings):
    settings.STATUSPAGE_SIGNUPS_PER_ADDRESS = 2

    answers = [sign_up("ana@example.test", ip=f"198.51.100.{n}") for n in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert int(answers[2]["Retry-After"]) > 0
    assert b"Too many sign-ups for this address" in answers[2].content
    assert SubscriberNotice.objects.count() == 2


def test_a_private_page_takes_no_subscribers(org):
    StatusPageFactory(organization=org, is_default=True, is_public=False)

    assert sign_up("ana@example.test").status_code == 404
    assert Subscriber.objects.exists() is False


def test_someone_signed_in_to_another_org_can_sign_up(page, other_member, client_for):
    answer = sign_up("ana@example.test", client=client_for(other_member))

    assert answer.status_code == 200
    assert Subscriber.objects.get().email == "ana@example.test"


def test_someone_signed_in_to_another_org_sees_the_public_page(page, other_member, client_for):
    answer = client_for(other_member).get("/status/acme/")

    assert answer.status_code == 200
    assert answer.context["page"] == page
    assert answer["Cache-Control"] == "no-store"  # signed in: never cached (core.middleware)

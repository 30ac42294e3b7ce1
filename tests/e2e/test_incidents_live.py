"""Two responders on one incident in Chromium, against the real ASGI app (daphne) on PostgreSQL and the
Redis channel layer: what one does shows up for the other without a reload; a browser that was cut off
catches up when it reconnects; another org's member gets neither the page nor the websocket."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from incidents import actions
from incidents.models import Incident, Severity, TimelineEvent
from orgs.models import MembershipRole, Organization, User
from orgs.tenancy import Actor
from tests.e2e.conftest import Server, sign_in
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
LIVE = 2000  # ms: what "live" means here


@pytest.fixture(autouse=True)
def no_push_from_the_test_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The browsers listen to the served app's Redis layer; writes made here directly are pushed by nobody."""
    monkeypatch.setattr("incidents.live._send", lambda group, message: None)


@dataclass
class Scene:
    org: Organization
    incident: Incident

    @property
    def path(self) -> str:
        return f"/o/{self.org.slug}/incidents/{self.incident.number}/"


def person(email: str, name: str) -> User:
    """A user whose password the served app can check: it runs the production hashers, not the tests' MD5."""
    user = UserFactory(email=email, full_name=name)
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "e2esalt", 1000)
    user.save(update_fields=["password"])
    return user


@pytest.fixture
def scene(db: None) -> Scene:
    org = Organization.objects.create(name="Acme", slug="acme")
    alice = person("alice@acme.test", "Alice Acme")
    bob = person("bob@acme.test", "Bob Acme")
    MembershipFactory(organization=org, user=alice, role=MembershipRole.RESPONDER)
    MembershipFactory(organization=org, user=bob, role=MembershipRole.RESPONDER)
    globex = Organization.objects.create(name="Globex", slug="globex")
    MembershipFactory(organization=globex, user=person("gina@globex.test", "Gina Globex"), role=MembershipRole.OWNER)
    actions.organization_defaults_ensure(organization=org)
    incident = actions.incident_declare(
        organization=org,
        actor=Actor(user=alice),
        title="Checkout failing",
        severity=Severity.objects.for_org(org).get(name="SEV2"),
    )
    return Scene(org, incident)


def signed_in(browser, server: Server, email: str):
    context = browser.new_context(base_url=server.base, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, email, PASSWORD)
    return context, page


def wait_live(page) -> None:
    from playwright.sync_api import expect

    expect(page.locator(".live-indicator")).to_have_attribute("data-state", "open", timeout=15_000)


def event_ids(page) -> list[str]:
    return page.locator("#timeline-events > article").evaluate_all("(els) => els.map((e) => e.dataset.eventId)")


def test_what_one_responder_does_appears_live_for_the_other(browser, server, scene):
    from playwright.sync_api import expect

    context_a, alice = signed_in(browser, server, "alice@acme.test")
    context_b, bob = signed_in(browser, server, "bob@acme.test")
    bob_list = context_b.new_page()
    try:
        alice.goto(scene.path)
        bob.goto(scene.path)
        bob_list.goto(f"/o/{scene.org.slug}/incidents/")
        for page in (alice, bob, bob_list):
            wait_live(page)
        expect(bob_list.locator("#incident-row-1")).to_contain_text("Investigating")

        # Alice adds a note and moves the incident to identified, with ordinary form posts.
        alice.locator("#id_body").fill("Rolled back **payments v2.14**")
        with alice.expect_navigation():
            alice.get_by_role("button", name="Add note").click()
        with alice.expect_navigation():
            alice.locator("#incident-summary").get_by_role("button", name="Cause identified").click()
        expect(alice.locator(".message-success")).to_have_text("INC-1 is now identified.")

        # Bob sees both on the incident page, and the new status on the list, without reloading.
        expect(bob.locator("#timeline-events")).to_contain_text("Rolled back payments v2.14", timeout=LIVE)
        expect(bob.locator("#timeline-events strong", has_text="payments v2.14")).to_have_count(1)
        expect(bob.locator("#incident-summary .badge-status-identified")).to_have_text("Identified", timeout=LIVE)
        expect(bob.locator("#incident-summary").get_by_role("button", name="Mitigated, monitoring")).to_be_visible()
        expect(bob_list.locator("#incident-row-1")).to_contain_text("Identified", timeout=LIVE)
        expect(bob_list.locator("tr[id^=incident-row-]")).to_have_count(1)

        # Cards that are not pushed as such (roles, tasks) follow too.
        with alice.expect_navigation():
            alice.locator("#roles .role-item", has_text="Scribe").get_by_role("button", name="Take it").click()
        expect(bob.locator("#roles .role-item", has_text="Scribe")).to_contain_text("Alice Acme", timeout=LIVE)

        # Nobody sees an event twice: not Alice after her own posts, not Bob after the pushes.
        expected = [
            str(pk)
            for pk in TimelineEvent.objects.filter(incident=scene.incident).order_by("-id").values_list("pk", flat=True)
        ]
        expect(alice.locator("#incident-summary .badge-status-identified")).to_be_visible()
        assert event_ids(alice) == expected
        assert event_ids(bob) == expected
        assert bob.evaluate("() => location.href").endswith(scene.path)  # never reloaded
    finally:
        context_a.close()
        context_b.close()


def test_a_browser_that_was_cut_off_catches_up_on_reconnect(browser, server, scene):
    from playwright.sync_api import expect

    context, bob = signed_in(browser, server, "bob@acme.test")
    try:
        bob.goto(scene.path)
        wait_live(bob)

        server.stop()
        expect(bob.locator(".live-indicator")).to_have_attribute("data-state", "closed", timeout=10_000)
        missed = actions.note_add(incident=scene.incident, body="Written while Bob was offline", actor=Actor.system())
        server.start()

        wait_live(bob)
        expect(bob.locator(f"#event-{missed.pk}")).to_contain_text("Written while Bob was offline", timeout=LIVE)
        assert event_ids(bob)[0] == str(missed.pk)
        assert len(event_ids(bob)) == len(set(event_ids(bob)))
    finally:
        context.close()


def test_another_orgs_member_gets_neither_the_page_nor_the_socket(browser, server, scene):
    context, gina = signed_in(browser, server, "gina@globex.test")
    try:
        response = gina.goto(scene.path)
        outcome = gina.evaluate(
            """(path) => new Promise((resolve) => {
                const socket = new WebSocket(`ws://${location.host}${path}`);
                let opened = false;
                socket.onopen = () => { opened = true; };
                socket.onmessage = () => resolve({ opened, message: true });
                socket.onclose = (event) => resolve({ opened, closed: true });
                setTimeout(() => resolve({ opened, timedOut: true }), 5000);
            })""",
            f"/ws{scene.path}",
        )
        list_outcome = gina.evaluate(
            """(path) => new Promise((resolve) => {
                const socket = new WebSocket(`ws://${location.host}${path}`);
                socket.onopen = () => resolve("opened");
                socket.onclose = () => resolve("closed");
                setTimeout(() => resolve("timeout"), 5000);
            })""",
            f"/ws/o/{scene.org.slug}/incidents/",
        )
    finally:
        context.close()

    assert response.status == 404
    assert outcome == {"opened": False, "closed": True}
    assert list_outcome == "closed"

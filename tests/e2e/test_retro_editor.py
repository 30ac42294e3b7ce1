"""The retrospective editor in Chromium: one Save keeps every section typed (the issue: "What went well" was lost
when "Save lessons" was pressed), leaving with unsaved text asks first, text typed while a save is on its way or
when the save cannot arrive stays, and two people saving the same section see each other's version instead of
overwriting it."""

import re
import time

import pytest

from incidents import actions as incident_actions
from incidents.models import Severity
from orgs.models import MembershipRole, Organization
from orgs.tenancy import Actor
from retros import actions
from retros.models import RetroSection, Retrospective
from tests.e2e.conftest import browser, page, sign_in  # noqa: F401 - the e2e fixtures, used here too
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
EDITOR = "/o/acme/retros/1/"


@pytest.fixture
def retrospective(db: None) -> Retrospective:
    org = Organization.objects.create(name="Acme", slug="acme")
    rhea = UserFactory(email="rhea@acme.test", full_name="Rhea Responder")
    MembershipFactory(organization=org, user=rhea, role=MembershipRole.RESPONDER)
    MembershipFactory(
        organization=org, user=UserFactory(email="bob@acme.test", full_name="Bob Acme"), role=MembershipRole.RESPONDER
    )
    incident_actions.organization_defaults_ensure(organization=org)
    actions.retro_defaults_ensure(organization=org)
    incident = incident_actions.incident_declare(
        organization=org,
        actor=Actor(user=rhea),
        title="Invoice emails delayed",
        severity=Severity.objects.for_org(org).get(name="SEV2"),
    )
    return actions.retrospective_create(incident=incident, actor=Actor(user=rhea))


def section(on, title: str):
    return on.locator(".retro-section", has=on.locator(".card-title", has_text=re.compile(f"^{title}$")))


def body(retrospective: Retrospective, key: str) -> str:
    return RetroSection.objects.get(retrospective=retrospective, key=key).body


def test_one_save_keeps_every_section_typed_and_the_details(page, live_server, retrospective):  # noqa: F811
    from playwright.sync_api import expect

    sign_in(page, "rhea@acme.test", PASSWORD)
    page.goto(EDITOR)
    status = page.locator("#retro-save-status")
    expect(page.get_by_role("button", name=re.compile(r"^Save "))).to_have_count(1)  # one Save, not one per section

    typed = {
        "What went well": "Alerts fired within a minute.",
        "What was hard": "Finding the mail provider's status page.",
        "Lessons": "Page the **vendor** early.\n\n- add their status page to the runbook",
    }
    for title, text in typed.items():
        section(page, title).locator("textarea").fill(text)
    page.get_by_label("Title").fill("Invoice emails delayed for 3 hours")
    expect(section(page, "What went well").locator(".retro-dirty")).to_be_visible()
    expect(status).to_have_text("Not saved yet: What went well, What was hard, Lessons, Title")

    page.get_by_role("button", name="Save retrospective").click()
    expect(status).to_contain_text("Saved: What went well, What was hard, Lessons, Title.")
    expect(section(page, "What went well").locator(".retro-dirty")).to_be_hidden()
    expect(section(page, "Lessons").locator(".retro-preview .prose strong")).to_have_text("vendor")

    page.reload()
    for title, text in typed.items():
        expect(section(page, title).locator("textarea")).to_have_value(text)
    expect(page.get_by_label("Title")).to_have_value("Invoice emails delayed for 3 hours")
    expect(status).to_have_text("All changes saved.")
    assert body(retrospective, "what_went_well") == "Alerts fired within a minute."


def test_leaving_with_unsaved_text_asks_first(page, live_server, retrospective):  # noqa: F811
    from playwright.sync_api import expect

    sign_in(page, "rhea@acme.test", PASSWORD)
    page.goto(EDITOR)
    asked: list[str] = []

    def stay(dialog) -> None:
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    section(page, "Lessons").locator("textarea").fill("Check the mail queue first.")
    page.get_by_role("link", name="Retrospectives").first.click()
    page.wait_for_timeout(500)

    assert asked == ["beforeunload"]
    assert page.url.endswith(EDITOR)
    expect(section(page, "Lessons").locator("textarea")).to_have_value("Check the mail queue first.")

    # Saved, the same link leaves without asking.
    page.keyboard.press("Control+s")
    expect(page.locator("#retro-save-status")).to_contain_text("Saved: Lessons.")
    with page.expect_navigation():
        page.get_by_role("link", name="Retrospectives").first.click()
    assert asked == ["beforeunload"]
    assert body(retrospective, "lessons") == "Check the mail queue first."


def test_text_typed_during_a_save_or_when_the_save_cannot_arrive_stays(page, live_server, retrospective):  # noqa: F811
    from playwright.sync_api import expect

    sign_in(page, "rhea@acme.test", PASSWORD)
    page.goto(EDITOR)
    status = page.locator("#retro-save-status")
    lessons = section(page, "Lessons").locator("textarea")

    # A slow save: typing goes on while it is on its way.
    def slow(route) -> None:
        time.sleep(1.0)
        route.continue_()

    page.route("**/retros/1/edit/", slow)
    lessons.fill("First lesson.")
    page.get_by_role("button", name="Save retrospective").click()
    expect(status).to_have_text("Saving…")
    lessons.press("End")
    lessons.type(" Second lesson.")
    expect(status).to_have_text("Not saved yet: Lessons", timeout=5000)
    expect(lessons).to_have_value("First lesson. Second lesson.")
    assert body(retrospective, "lessons") == "First lesson."
    page.unroute("**/retros/1/edit/")

    # Signed out meanwhile (another tab, an expired session): the save says so and the text stays.
    page.context.clear_cookies()
    page.get_by_role("button", name="Save retrospective").click()
    expect(status).to_contain_text("Not saved: your session has ended. Your text is kept in this browser")
    expect(lessons).to_have_value("First lesson. Second lesson.")
    assert body(retrospective, "lessons") == "First lesson."

    # Signed in again, the editor puts it back, unsaved, and one save keeps it.
    page.on("dialog", lambda dialog: dialog.accept())  # leaving with unsaved text asks first
    sign_in(page, "rhea@acme.test", PASSWORD)
    page.goto(EDITOR)
    expect(lessons).to_have_value("First lesson. Second lesson.")
    expect(status).to_have_text("Restored from this browser, not saved yet: Lessons")
    expect(section(page, "Lessons").locator(".retro-dirty")).to_be_visible()
    page.get_by_role("button", name="Save retrospective").click()
    expect(status).to_contain_text("Saved: Lessons.")
    assert body(retrospective, "lessons") == "First lesson. Second lesson."
    page.reload()
    expect(status).to_have_text("All changes saved.")  # the browser's copy is gone once saved


def test_two_people_saving_the_same_section_see_each_other_instead_of_overwriting(browser, live_server, retrospective):  # noqa: F811
    from playwright.sync_api import expect

    pages = []
    for email in ("rhea@acme.test", "bob@acme.test"):
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
        context.set_default_timeout(10_000)
        pages.append(context.new_page())
        sign_in(pages[-1], email, PASSWORD)
        pages[-1].goto(EDITOR)
    rhea, bob = pages
    try:
        section(bob, "Lessons").locator("textarea").fill("Bob: alert on the mail queue.")
        bob.get_by_role("button", name="Save retrospective").click()
        expect(bob.locator("#retro-save-status")).to_contain_text("Saved: Lessons.")

        # Rhea, on the page she opened before Bob's save, writes lessons too, and what went well.
        section(rhea, "Lessons").locator("textarea").fill("Rhea: page the vendor.")
        section(rhea, "What went well").locator("textarea").fill("Rhea: quick triage.")
        rhea.get_by_role("button", name="Save retrospective").click()

        conflict = section(rhea, "Lessons").locator(".retro-conflict")
        expect(conflict).to_contain_text("Bob Acme saved this section at")
        expect(conflict.locator(".retro-theirs")).to_have_text("Bob: alert on the mail queue.")
        expect(section(rhea, "Lessons").locator("textarea")).to_have_value("Rhea: page the vendor.")
        expect(rhea.locator("#retro-save-status")).to_contain_text("someone else saved lessons meanwhile")
        assert (body(retrospective, "lessons"), body(retrospective, "what_went_well")) == (
            "Bob: alert on the mail queue.",
            "",
        )

        # She merges Bob's line into hers and saves again: deliberate now, so it is saved.
        section(rhea, "Lessons").locator("textarea").fill("Bob: alert on the mail queue.\nRhea: page the vendor.")
        rhea.get_by_role("button", name="Save retrospective").click()
        expect(rhea.locator("#retro-save-status")).to_contain_text("Saved: What went well, Lessons.")
        expect(conflict).to_have_count(0)
        assert body(retrospective, "lessons") == "Bob: alert on the mail queue.\nRhea: page the vendor."
        assert body(retrospective, "what_went_well") == "Rhea: quick triage."
    finally:
        for each in pages:
            each.context.close()

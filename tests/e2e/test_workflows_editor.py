"""The workflow editor in Chromium, at a desktop width and at a phone's 390 px: an admin picks the trigger, adds a
condition and an "Assign a role" step; the live validation puts each missing parameter's error in that step's slot
without reloading the page and clears it once filled; the workflow is created and the list reads its trigger and
condition in words. At 390 px nothing scrolls sideways (editor with its rows and errors, and the list)."""

import re

import pytest

from incidents import actions as incident_actions
from orgs.models import MembershipRole, Organization
from tests.e2e.conftest import sign_in
from tests.factories import MembershipFactory, UserFactory
from workflows.models import Workflow

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
EDITOR = "/o/acme/workflows/new/"


@pytest.fixture
def org(db: None) -> Organization:
    """Acme with its default severities (SEV1…SEV5) and incident roles; Ada is an admin."""
    org = Organization.objects.create(name="Acme", slug="acme")
    ada = UserFactory(email="ada@acme.test", full_name="Ada Admin")
    MembershipFactory(organization=org, user=ada, role=MembershipRole.ADMIN)
    incident_actions.organization_defaults_ensure(organization=org)
    return org


@pytest.fixture(params=[1280, 390], ids=["desktop", "phone"])
def sized_page(request, browser, live_server):
    width = request.param
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.viewport_width = width
    yield page
    context.close()


def rows_swapped(page, act) -> None:
    """Do `act` (a row button, a select that refreshes the rows) and wait until htmx has swapped and settled the
    new rows, so the next step works on live controls (htmx binds them when they settle)."""
    page.evaluate(
        """() => {
          window.__rowsSettled = 0;
          if (window.__rowsListening) return;
          window.__rowsListening = true;
          document.body.addEventListener("htmx:afterSettle", (event) => {
            const rows = document.getElementById("workflow-rows");
            if (rows && (event.detail.elt === rows || rows.contains(event.detail.elt))) window.__rowsSettled += 1;
          });
        }"""
    )
    act()
    page.wait_for_function("() => window.__rowsSettled > 0")


def assert_no_sideways_scroll(page) -> None:
    if page.viewport_width == 390:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_admin_builds_a_workflow_with_live_validation_and_finds_it_in_the_list(sized_page, org):
    from playwright.sync_api import expect

    page = sized_page
    sign_in(page, "ada@acme.test", PASSWORD)
    page.goto(EDITOR)
    expect(page.locator("h1.page-title")).to_have_text("New workflow")
    assert_no_sideways_scroll(page)
    page.evaluate("window.__notReloaded = true")

    page.get_by_label("Name").fill("Major incident kickoff")
    rows_swapped(page, lambda: page.get_by_label("When").select_option(label="Incident declared"))
    expect(page.get_by_label("When").locator("option:checked")).to_have_text("Incident declared")

    # The condition: severity is SEV1.
    rows_swapped(page, page.get_by_role("button", name="+ Add condition").click)
    condition = page.locator("#condition-0")
    expect(condition.get_by_label("Field")).to_be_focused()  # the new row's first control
    rows_swapped(page, lambda: condition.get_by_label("Field").select_option(label="Severity"))
    rows_swapped(page, lambda: condition.get_by_label("Test").select_option(label="is"))
    condition.get_by_label("Value").select_option(label="SEV1")
    expect(condition.get_by_label("Value").locator("option:checked")).to_have_text("SEV1")

    # The step: "Assign a role" with nothing chosen yet; the live validation marks its row.
    rows_swapped(page, page.get_by_role("button", name="+ Add step").click)
    step = page.locator("#action-0")
    expect(step.get_by_label("Step 1: action")).to_be_focused()
    rows_swapped(page, lambda: step.get_by_label("Step 1: action").select_option(label="Assign a role"))
    expect(step.get_by_label("Role")).to_be_visible()
    errors = page.locator("#actions-0-errors li")
    expect(errors).to_have_text(["Role is required.", "Assign to is required."])
    expect(page.locator("#workflow-errors .non-field-errors strong")).to_have_text("Not ready to save yet.")
    expect(page.locator("#workflow-errors .form-error-summary li")).to_have_text(
        ["Step 1: Role is required.", "Step 1: Assign to is required."]
    )
    expect(page.locator("#conditions-0-errors")).to_have_text("")
    assert_no_sideways_scroll(page)

    step.get_by_label("Role").select_option(label="Incident Commander")
    expect(errors).to_have_text(["Assign to is required."])
    step.get_by_label("Assign to").select_option(label="The on-call of the incident's first service")
    expect(errors).to_have_count(0)
    expect(page.locator("#workflow-errors")).to_have_text("Ready Everything checks out.")
    assert page.evaluate("window.__notReloaded") is True  # all of it without a page load
    assert Workflow.objects.exists() is False

    page.get_by_role("button", name="Create workflow").click()
    page.wait_for_url(re.compile(r"/o/acme/workflows/[0-9a-f-]{36}/$"))
    expect(page.locator("#messages")).to_have_text("Workflow “Major incident kickoff” created.")

    workflow = Workflow.objects.get(organization=org)
    assert (workflow.trigger, workflow.conditions) == (
        "incident.declared",
        [{"field": "severity", "operator": "is", "value": "SEV1"}],
    )
    assert workflow.actions == [
        {
            "action": "assign_role",
            "params": {"role": "incident-commander", "to": {"kind": "service_oncall"}},
            "delay_seconds": 0,
            "enabled": True,
        }
    ]

    page.goto("/o/acme/workflows/")
    row = page.locator(f"#workflow-{workflow.uuid}")
    expect(row.locator('td[data-label="Workflow"] strong')).to_have_text("Major incident kickoff")
    expect(row.locator('td[data-label="When"]')).to_have_text("Incident declared")
    expect(row.locator('td[data-label="If"]')).to_have_text("Severity is SEV1")
    expect(row.locator('td[data-label="Last run"]')).to_have_text("Never")
    assert_no_sideways_scroll(page)

"""What a new owner does in a browser: sign up, invite, build a team, make an API token."""

import re

import httpx
import pytest

from orgs.models import ApiToken, Invitation, Membership, Organization
from tests.e2e.conftest import sign_in
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_sign_up_creates_org_and_lands_on_its_overview(page):
    page.goto("/accounts/signup/")
    page.get_by_label("Your name").fill("Riley Responder")
    page.get_by_label("Email").fill("riley@initech.test")
    page.get_by_label("Password").fill("a-long-passphrase-42")
    page.get_by_label("Organization name").fill("Initech")
    page.get_by_role("button", name="Create account and organization").click()

    page.wait_for_url(re.compile(r"/o/initech/$"))
    assert page.locator("h1.page-title").inner_text() == "Initech"
    membership = Membership.objects.get(organization__slug="initech")
    assert (membership.user.email, membership.role) == ("riley@initech.test", "owner")


def test_owner_invites_builds_a_team_and_manages_a_token(page, live_server):
    org = Organization.objects.create(name="Acme", slug="acme")
    owner = MembershipFactory(organization=org, role="owner", user=UserFactory(email="owner@acme.test")).user
    MembershipFactory(organization=org, role="responder", user=UserFactory(email="sam@acme.test", full_name="Sam Ito"))
    sign_in(page, "owner@acme.test", "correct-horse-battery")
    assert page.url.endswith("/o/acme/")

    # Invite a colleague; the invitation is listed as pending.
    page.locator("nav.nav").get_by_role("link", name="Members").click()
    page.get_by_label("Email").fill("new@acme.test")
    page.get_by_label("Role", exact=True).select_option("viewer")
    page.get_by_role("button", name="Send invitation").click()
    assert page.locator(".message-success").inner_text() == "Invitation sent to new@acme.test."
    assert Invitation.objects.get(organization=org).email == "new@acme.test"

    # Create a team and add Sam to it.
    page.locator("nav.nav").get_by_role("link", name="Teams").click()
    page.get_by_role("link", name="Create the first team").click()
    page.get_by_label("Name").fill("Payments")
    page.get_by_role("button", name="Create team").click()
    page.get_by_label("Add a member").select_option(label="Sam Ito (sam@acme.test)")
    page.get_by_role("button", name="Add to team").click()
    assert page.locator(".member-list").inner_text().count("Sam Ito") == 1

    # Create an API token: the secret is shown once and works against the API.
    page.locator("nav.nav").get_by_role("link", name="API tokens").click()
    page.get_by_role("link", name="Create a token").click()
    page.get_by_label("Name").fill("terraform")
    page.get_by_label("Role", exact=True).select_option("viewer")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#token-secret").inner_text()
    assert secret.startswith("fb_")
    api = httpx.get(f"{live_server.url}/api/v1/teams/", headers={"Authorization": f"Bearer {secret}"})
    assert [team["slug"] for team in api.json()["results"]] == ["payments"]
    assert api.json()["results"][0]["members"][0]["email"] == "sam@acme.test"

    page.get_by_role("link", name="Done").click()
    assert secret not in page.content()
    page.get_by_role("link", name="Revoke").click()
    page.get_by_role("button", name="Revoke token").click()
    assert "revoked" in page.locator(".message-success").inner_text()
    assert ApiToken.objects.get(organization=org).revoked_at is not None
    refused = httpx.get(f"{live_server.url}/api/v1/teams/", headers={"Authorization": f"Bearer {secret}"})
    assert refused.status_code == 401

    # Everything above is in the audit log, attributed to the owner.
    page.locator("nav.nav").get_by_role("link", name="Audit log").click()
    log = page.locator("table.table tbody").inner_text()
    for action in ("invitation.created", "team.created", "team.member_added", "api_token.created", "api_token.revoked"):
        assert action in log
    assert owner.email in log


def test_other_org_pages_are_not_found(page):
    Organization.objects.create(name="Globex", slug="globex")
    org = Organization.objects.create(name="Acme", slug="acme")
    MembershipFactory(organization=org, role="owner", user=UserFactory(email="owner@acme.test"))
    sign_in(page, "owner@acme.test", "correct-horse-battery")

    response = page.goto("/o/globex/members/")

    assert response.status == 404
    assert page.locator("h1").inner_text() == "Not found"

"""The organization settings page (/o/<org>/settings/, admins and owners) that took the admin figures off the
home page, and the sidebar's administration links next to Sign out."""

import re
from html import unescape

import pytest

from orgs.models import AuditEvent, MembershipRole
from tests.factories import AuditEventFactory, InvitationFactory, TeamFactory, api_token_for

pytestmark = pytest.mark.django_db


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def stat_figures(html: str) -> list[str]:
    return [text(stat) for stat in re.findall(r'<a class="stat" [^>]*>(.*?)</a>', html, re.DOTALL)]


def admin_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="nav sidebar-admin" aria-label="Administration">(.*?)</nav>', html, re.DOTALL)
    return [] if nav is None else [text(link) for link in re.findall(r"<a [^>]*>(.*?)</a>", nav.group(1), re.DOTALL)]


def test_settings_shows_the_figures_that_left_the_home_page(org, owner, make_member, client_for):
    make_member(org, MembershipRole.VIEWER)
    TeamFactory(organization=org)
    InvitationFactory(organization=org)
    api_token_for(org, "viewer")
    api_token_for(org, "admin")

    html = client_for(owner).get("/o/acme/settings/").content.decode()
    home = client_for(owner).get("/o/acme/").content.decode()

    assert stat_figures(html) == ["2 Members", "1 Teams", "1 Pending invitations", "2 Active API tokens"]
    assert stat_figures(home) == []
    assert "Active API tokens" not in home


def test_settings_lists_recent_audit_events_newest_first_with_a_link_to_the_log(org, owner, client_for):
    AuditEvent.objects.all().delete()
    for n in range(10):
        AuditEventFactory(organization=org, action="team.created", target_label=f"Team {n}", actor_label="Olive")

    html = client_for(owner).get("/o/acme/settings/").content.decode()

    activity = re.search(r'<ul class="list-plain activity">(.*?)</ul>', html, re.DOTALL)
    assert activity is not None
    items = [text(item) for item in re.findall(r"<li>(.*?)</li>", activity.group(1), re.DOTALL)]
    assert [item.split(" by ")[0].split()[-2:] for item in items] == [["Team", str(n)] for n in range(9, 1, -1)]
    assert 'href="/o/acme/audit/">Audit log</a>' in html


def test_recent_audit_actions_read_as_words_not_codes(org, owner, client_for):
    AuditEvent.objects.all().delete()
    for action in ("user.signed_in", "api_token.created", "team.member_added", "service.dependency_added"):
        AuditEventFactory(organization=org, action=action, target_label="x", actor_label="Olive")

    html = client_for(owner).get("/o/acme/settings/").content.decode()

    assert re.findall(r'<li><strong title="([^"]+)">([^<]+)</strong>', html) == [
        ("service.dependency_added", "Service dependency added"),
        ("team.member_added", "Team member added"),
        ("api_token.created", "API token created"),
        ("user.signed_in", "User signed in"),
    ]


@pytest.mark.parametrize("role", [MembershipRole.RESPONDER, MembershipRole.VIEWER])
def test_settings_is_for_admins(org, make_member, client_for, role):
    response = client_for(make_member(org, role)).get("/o/acme/settings/")

    assert response.status_code == 403


def test_another_orgs_owner_gets_404(org, owner, other_member, client_for):
    response = client_for(other_member).get("/o/acme/settings/")

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "links"),
    [
        (MembershipRole.VIEWER, []),
        (MembershipRole.RESPONDER, []),
        (MembershipRole.ADMIN, ["Settings", "Audit log"]),
        (MembershipRole.OWNER, ["Settings", "Audit log"]),
    ],
)
def test_sidebar_footer_holds_settings_and_audit_log_for_admins_next_to_sign_out(
    org, owner, make_member, client_for, role, links
):
    membership = owner if role == MembershipRole.OWNER else make_member(org, role)

    html = client_for(membership).get("/o/acme/").content.decode()

    footer = re.search(r'<div class="sidebar-footer">(.*)</aside>', html, re.DOTALL)
    assert footer is not None
    assert admin_links(footer.group(1)) == links
    assert '<button type="submit" class="link">Sign out</button>' in footer.group(1)


def test_the_settings_link_is_marked_current_on_the_settings_page(org, owner, client_for):
    html = client_for(owner).get("/o/acme/settings/").content.decode()

    assert re.search(r'<a href="/o/acme/settings/" class="active" aria-current="page">', html) is not None

"""The audit log page shows each change as words: field names, before → after, times in the one format, long
values cut with the whole text on hover; never a Python repr."""

import re
from datetime import UTC, datetime

import pytest
import time_machine

from orgs import audit_changes
from orgs.models import MembershipRole
from tests.factories import AuditEventFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 6, 21, 0, tzinfo=UTC)
CELL = re.compile(r'<td class="small audit-changes(?: is-empty)?" data-label="Changes">(.*?)</td>', re.S)


@pytest.fixture
def admin_client(org, make_member, client_for):
    return client_for(make_member(org, MembershipRole.ADMIN, email="ada@acme.test"))


def changes_cell(client, org) -> str:
    with time_machine.travel(NOW, tick=False):
        html = client.get(f"/o/{org.slug}/audit/").content.decode()
    (cell,) = CELL.findall(html)
    return cell


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_before_and_after_per_field_with_words_for_names(org, admin_client):
    AuditEventFactory(
        organization=org,
        changes={
            "health": {"before": "operational", "after": "partial_outage"},
            "is_paused": {"before": True, "after": False},
        },
    )

    cell = changes_cell(admin_client, org)

    assert cell == (
        '<div class="audit-change"><span class="muted">Health:</span> operational '
        '<span class="arrow" aria-label="to">→</span> partial outage</div>'
        '<div class="audit-change"><span class="muted">Is paused:</span> yes '
        '<span class="arrow" aria-label="to">→</span> no</div>'
    )


def test_a_time_is_a_time_element_in_the_one_format(org, admin_client):
    AuditEventFactory(
        organization=org, changes={"silenced_until": {"before": None, "after": "2026-12-07T03:50:44.578903+00:00"}}
    )

    cell = changes_cell(admin_client, org)

    assert cell == (
        '<div class="audit-change"><span class="muted">Silenced until:</span> '
        '<time datetime="2026-12-07T03:50:44Z" data-time="datetime" title="2026-12-07 03:50:44 UTC">'
        "Dec 7, 03:50 UTC</time></div>"
    )


def test_objects_and_lists_are_named_not_dumped(org, admin_client):
    group = {"id": "f3b5a7ea", "title": "Payments API 5xx rate above 5%", "severity": "critical", "alert_count": 14}
    AuditEventFactory(organization=org, changes={"groups": [group], "from": "x"})

    cell = changes_cell(admin_client, org)

    assert text_of(cell) == "From: xGroups: Payments API 5xx rate above 5%"
    assert 'title="id: f3b5a7ea, title: Payments API 5xx rate above 5%, severity: critical, alert count: 14"' in cell
    assert ("{" in cell, "[" in cell, "&#x27;" in cell) == (False, False, False)


def test_a_long_value_is_cut_with_the_whole_text_on_hover(org, admin_client):
    description = "Pages Data: whoever is on call first, then the team lead, then everyone, and then the whole company."
    AuditEventFactory(organization=org, changes={"description": {"before": None, "after": description}})

    cell = changes_cell(admin_client, org)

    assert cell == (
        '<div class="audit-change"><span class="muted">Description:</span> '
        f'<span title="{description}">'
        "Pages Data: whoever is on call first, then the team lead, then everyone, and…</span></div>"
    )


def test_status_moves_and_removed_values(org, admin_client):
    AuditEventFactory(organization=org, changes={"from": "investigating", "to": "identified"})
    AuditEventFactory(organization=org, changes={"owner_team": {"before": "data", "after": None}})

    with time_machine.travel(NOW, tick=False):
        html = admin_client.get(f"/o/{org.slug}/audit/").content.decode()

    assert [text_of(cell) for cell in CELL.findall(html)] == [  # newest first
        "Owner team: data → none",
        "Changed: investigating → identified",
    ]


def test_no_changes_is_a_dash(org, admin_client):
    AuditEventFactory(organization=org, changes={})

    assert changes_cell(admin_client, org) == '<span class="muted">—</span>'


def test_the_when_column_uses_the_one_format(org, admin_client):
    AuditEventFactory(organization=org, occurred_at=datetime(2026, 12, 6, 20, 55, 3, tzinfo=UTC))

    with time_machine.travel(NOW, tick=False):
        html = admin_client.get(f"/o/{org.slug}/audit/").content.decode()

    assert (
        '<td class="nowrap small"><time datetime="2026-12-06T20:55:03Z" data-time="datetime" '
        'title="2026-12-06 20:55:03 UTC">Dec 6, 20:55 UTC</time></td>'
    ) in html


@pytest.mark.parametrize(
    ("field", "label"),
    [("escalation_policy", "Escalation policy"), ("due_at", "Due"), ("time_zone", "Time zone"), ("x", "X")],
)
def test_field_labels(field, label):
    assert audit_changes.field_label(field) == label


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("2026-11-30", "Nov 30, 2026"),
        (["billing", "redis"], "billing, redis"),
        ([], "none"),
        ({"name": "EMEA days", "shift_hours": 24}, "EMEA days"),
        (12, "12"),
        ("web-escalation", "web-escalation"),
    ],
)
def test_values_as_words(value, text):
    assert text_of(audit_changes.value_html(value)) == text


def test_a_value_without_spaces_is_cut_at_the_limit():
    url = "https://git.example.com/" + "a" * 100

    assert audit_changes.shortened(url) == url[:79] + "…"

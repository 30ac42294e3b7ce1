"""The drills home's empty state and the scenario pages (/o/<org>/drills/scenarios/…): the editor's rows posted as
named inputs (offsets and targets in minutes, a bad JSON payload or a payload its format's parser rejects answered
in its own row, nothing saved), the row buttons, approval by an admin other than the author, the read-only page
members see, 403 on every write for members and viewers, another org's scenario a 404."""

import json
import re

import pytest
from django.contrib.messages import get_messages

from drills.models import Scenario, ScenarioStatus
from orgs.models import MembershipRole
from tests.drills.engine_support import PD_PAYLOAD, approved_scenario, drill_org  # noqa: F401  (fixture)
from tests.factories import ScenarioFactory

pytestmark = pytest.mark.django_db

BASE = "/o/acme/drills/"


def messages_of(response):
    return [m.message for m in get_messages(response.wsgi_request)]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def row_html(html: str, row_id: str) -> str:
    """The HTML of one editor row (`<li ... id="inject-0">` to its `</li>`)."""
    match = re.search(rf'<li[^>]*id="{row_id}".*?</li>', html, re.S)
    assert match, row_id
    return match.group(0)


@pytest.fixture
def env(drill_org, client_for):  # noqa: F811
    from orgs.models import Membership

    def client_of(user):
        return client_for(Membership.objects.get(organization=drill_org.org, user=user))

    drill_org.client_of = client_of
    return drill_org


def editor_post(title="Checkout outage", **extra):
    data = {
        "title": title,
        "hypothesis": "On-call acknowledges within 5 minutes.",
        "learning_goals": "",
        "abort_conditions": "A real incident on checkout.",
        "severity": "SEV2",
        "services": ["checkout"],
        "inject_count": "2",
        "inject-0-offset": "0",
        "inject-0-kind": "alert",
        "inject-0-format": "pagerduty",
        "inject-0-service": "checkout",
        "inject-0-payload": json.dumps(PD_PAYLOAD),
        "inject-1-offset": "2.5",
        "inject-1-kind": "hint",
        "inject-1-text": "The load balancer shows 502s.",
        "response-acknowledge": "5",
        "response-declare": "10",
        "response-mitigate": "",
        "op": "save",
    }
    data.update(extra)
    return data


def test_home_empty_state_tells_what_a_drill_is_and_how_to_start(env):
    admin = env.client_of(env.eve)
    page = text_of(admin.get(BASE).content.decode())
    assert "No drill yet" in page
    assert "A drill rehearses an incident for real" in page
    assert "Write a scenario" in page
    ana_html = env.client_of(env.ana).get(BASE).content.decode()
    ana_page = text_of(ana_html)
    assert "An admin of Acme writes scenarios and starts drills." in ana_page
    assert 'href="/o/acme/drills/scenarios/new/"' not in ana_html


def test_admin_creates_a_scenario_from_rows_in_minutes(env):
    admin = env.client_of(env.eve)
    response = admin.post(BASE + "scenarios/new/", editor_post())
    scenario = Scenario.objects.get(organization=env.org)
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}scenarios/{scenario.uuid}/"
    assert scenario.status == ScenarioStatus.DRAFT
    assert scenario.created_by == env.eve
    assert scenario.severity.name == "SEV2"
    assert scenario.abort_conditions == "A real incident on checkout."
    assert scenario.injects == [
        {"offset_seconds": 0, "kind": "alert", "format": "pagerduty", "service": "checkout", "payload": PD_PAYLOAD},
        {"offset_seconds": 150, "kind": "hint", "text": "The load balancer shows 502s."},
    ]
    assert scenario.expected_responses == [
        {"kind": "acknowledge", "target_seconds": 300},
        {"kind": "declare", "target_seconds": 600},
    ]
    assert [s.slug for s in scenario.services.all()] == ["checkout"]
    assert messages_of(response) == ["Scenario “Checkout outage” saved as a draft: another admin approves it."]
    # The editor shows the minutes again.
    page = admin.get(response["Location"]).content.decode()
    assert 'name="inject-1-offset" id="inject-1-offset" value="2.5"' in page
    assert 'name="response-acknowledge" id="id-response-acknowledge" value="5"' in page


def test_bad_json_is_answered_in_its_row_and_nothing_is_saved(env):
    admin = env.client_of(env.eve)
    response = admin.post(BASE + "scenarios/new/", editor_post(**{"inject-0-payload": '{"payload": {"summary": '}))
    assert response.status_code == 400
    assert Scenario.objects.count() == 0
    html = response.content.decode()
    row = text_of(row_html(html, "inject-0"))
    assert "The payload is not valid JSON: Expecting value: line 1 column 25 (char 24)." in row
    assert "not valid JSON" not in text_of(row_html(html, "inject-1"))
    # What was typed stays.
    assert "The load balancer shows 502s." in html


def test_a_payload_its_parser_rejects_and_an_unknown_service_are_answered_in_their_rows(env):
    admin = env.client_of(env.eve)
    data = editor_post(**{"inject-0-payload": json.dumps({"payload": {}}), "inject-1-kind": "alert"})
    data.update(
        {"inject-1-format": "pagerduty", "inject-1-service": "billing", "inject-1-payload": json.dumps(PD_PAYLOAD)}
    )
    response = admin.post(BASE + "scenarios/new/", data)
    assert response.status_code == 400
    assert Scenario.objects.count() == 0
    html = response.content.decode()
    assert "summary" in text_of(row_html(html, "inject-0")).lower()
    assert "Choose a service of this organization." in text_of(row_html(html, "inject-1"))


def test_bad_offsets_and_targets_are_refused_in_their_rows(env):
    admin = env.client_of(env.eve)
    response = admin.post(BASE + "scenarios/new/", editor_post(**{"inject-1-offset": "-1", "response-declare": "1441"}))
    assert response.status_code == 400
    assert Scenario.objects.count() == 0
    page = text_of(response.content.decode())
    assert "Inject 2 : The offset is a number of minutes from 0 to 1440 (24 h)." in page
    assert "Incident declared : A target is a number of minutes from 1 to 1440 (24 h)." in page


def test_row_buttons_add_and_remove_injects_without_saving(env):
    admin = env.client_of(env.eve)
    added = admin.post(BASE + "scenarios/new/", editor_post(op="add-inject"))
    assert added.status_code == 200
    html = added.content.decode()
    assert 'name="inject_count" value="3"' in html
    assert 'id="inject-2-service"' in html
    assert "The scenario was not saved" not in html
    removed = admin.post(BASE + "scenarios/new/", editor_post(op="remove-inject-0"))
    html = removed.content.decode()
    assert 'name="inject_count" value="1"' in html
    assert 'name="inject-0-text" id="inject-0-text"' in html
    assert "The load balancer shows 502s." in html
    assert Scenario.objects.count() == 0


def test_approval_by_another_admin_only(env):
    scenario = approved_scenario(env)  # written by Eve, approved by Olu
    draft = ScenarioFactory(organization=env.org, title="Draft", created_by=env.eve, injects=scenario.injects)
    url = f"{BASE}scenarios/{draft.uuid}/"
    author_page = env.client_of(env.eve).get(url).content.decode()
    assert "Approve scenario" not in author_page
    assert "Another admin must approve it before it can run (not its author)." in text_of(author_page)
    refused = env.client_of(env.eve).post(url + "approve/")
    assert messages_of(refused) == ["Someone other than the author must approve it."]
    draft.refresh_from_db()
    assert draft.status == ScenarioStatus.DRAFT

    olu = env.client_of(env.olu)
    assert "Approve scenario" in olu.get(url).content.decode()
    approved = olu.post(url + "approve/")
    assert messages_of(approved) == ["“Draft” approved: it can run."]
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by) == (ScenarioStatus.APPROVED, env.olu)


def test_editing_an_approved_scenario_returns_it_to_draft(env):
    scenario = approved_scenario(env)
    data = editor_post(title="Checkout outage", **{"response-acknowledge": "4"})
    response = env.client_of(env.olu).post(f"{BASE}scenarios/{scenario.uuid}/", data)
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert scenario.status == ScenarioStatus.DRAFT
    assert scenario.expected_responses[0] == {"kind": "acknowledge", "target_seconds": 240}
    assert messages_of(response) == ["Scenario changed: it is a draft again and needs a new approval."]


def test_members_read_and_every_write_is_refused(env, make_member, client_for):
    scenario = approved_scenario(env)
    viewer = client_for(make_member(env.org, MembershipRole.VIEWER, email="viewer@acme.test"))
    for client in (env.client_of(env.ana), viewer):
        page = client.get(f"{BASE}scenarios/{scenario.uuid}/").content.decode()
        assert "The load balancer logs show 502s" in page
        assert 'name="inject_count"' not in page
        assert "Approve scenario" not in page
        assert "Run it" not in page
        assert client.post(f"{BASE}scenarios/{scenario.uuid}/", editor_post()).status_code == 403
        assert client.post(BASE + "scenarios/new/", editor_post(title="Other")).status_code == 403
        assert client.post(f"{BASE}scenarios/{scenario.uuid}/approve/").status_code == 403
        assert client.post(f"{BASE}scenarios/{scenario.uuid}/delete/").status_code == 403
    assert Scenario.objects.count() == 1


def test_scenario_list_and_delete(env):
    scenario = approved_scenario(env)
    admin = env.client_of(env.eve)
    page = text_of(admin.get(BASE + "scenarios/").content.decode())
    assert "within five minutes. Checkout 2 (1 alert) · 2 targets Approved by" in page
    response = admin.post(f"{BASE}scenarios/{scenario.uuid}/delete/")
    assert response.status_code == 302
    assert not Scenario.objects.exists()


def test_another_orgs_scenario_is_not_found(env, other_org):
    theirs = ScenarioFactory(organization=other_org, title="Theirs")
    admin = env.client_of(env.eve)
    assert admin.get(f"{BASE}scenarios/{theirs.uuid}/").status_code == 404
    assert admin.post(f"{BASE}scenarios/{theirs.uuid}/approve/").status_code == 404

"""The escalation policy pages: list, editor (steps added, moved, removed on the server), detail, delete."""

from typing import Any

import pytest
from django.contrib.messages import get_messages

from oncall.actions import policies as actions
from oncall.models import EscalationPolicy
from orgs.models import MembershipRole
from orgs.tenancy import Actor
from services import actions as service_actions
from services.models import Service
from tests.oncall.policy_helpers import member, schedule, schedule_target, step, team, team_target, user_target

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system()
BASE = "/o/acme/on-call/policies/"


def stored(policy: EscalationPolicy) -> list[tuple[int, list[str]]]:
    return [(s.wait_minutes, [actions.target_label(t) for t in s.targets.all()]) for s in policy.steps.all()]


def editor_post(**fields: Any) -> dict[str, Any]:
    """An editor submission: policy fields plus steps given as (wait, schedules, users, teams)."""
    steps = fields.pop("steps", [])
    data: dict[str, Any] = {"name": "", "slug": "", "description": "", "owner_team": "", "repeat_count": "0"}
    data.update(fields)
    data["step_count"] = str(len(steps))
    for index, (wait, schedules, users, teams) in enumerate(steps):
        data[f"step-{index}-wait_minutes"] = str(wait)
        data[f"step-{index}-schedules"] = schedules
        data[f"step-{index}-users"] = users
        data[f"step-{index}-teams"] = teams
    return data


@pytest.fixture
def ana(org):
    return member(org, "ana@acme.test", "Ana Lima").user


@pytest.fixture
def policy(org, ana):
    return actions.policy_create(
        organization=org, actor=SYSTEM, name="Payments escalation", repeat_count=2, steps=[step(5, user_target(ana))]
    )


def test_list_without_policies_says_what_to_do(member_client):
    response = member_client.get(BASE)

    assert response.status_code == 200
    assert "No escalation policy yet" in response.text
    assert "Create the first policy" in response.text


def test_list_reads_each_policy_as_a_sentence(org, ana, member_client):
    primary = schedule(org, "Payments primary", [ana])
    platform = team(org, "Platform", [ana])
    actions.policy_create(
        organization=org,
        actor=SYSTEM,
        name="Payments escalation",
        repeat_count=2,
        steps=[step(5, schedule_target(primary)), step(10, user_target(ana), team_target(platform))],
    )

    response = member_client.get(BASE)

    text = " ".join(response.text.split())
    assert "Notify the on-call of <strong>Payments primary</strong>" in text
    assert "Notify <strong>Ana Lima</strong> and team <strong>Platform</strong>" in text
    assert "→ wait 10 min" in text
    assert "Repeat the whole policy 2 times, then" in text
    assert "mark unanswered" in text


def test_viewers_read_policies_but_get_no_edit_controls(org, policy, client_for):
    viewer = client_for(member(org, "vic@acme.test", "Vic Viewer", MembershipRole.VIEWER))

    listing = viewer.get(BASE)
    detail = viewer.get(f"{BASE}{policy.slug}/")

    assert (listing.status_code, detail.status_code) == (200, 200)
    assert "New policy" not in listing.text
    assert "Edit policy" not in detail.text


@pytest.mark.parametrize("path", ["new/", "payments-escalation/edit/", "payments-escalation/delete/"])
def test_responders_and_viewers_cannot_change_policies(org, policy, client_for, path):
    for role in (MembershipRole.RESPONDER, MembershipRole.VIEWER):
        client = client_for(member(org, f"{role}@acme.test", role, role))

        assert client.get(f"{BASE}{path}").status_code == 403
        assert client.post(f"{BASE}{path}", editor_post(name="X", steps=[(5, [], [], [])])).status_code == 403
    assert list(EscalationPolicy.objects.values_list("name", flat=True)) == ["Payments escalation"]


def test_create_saves_the_policy_and_its_steps(org, ana, member_client):
    primary = schedule(org, "Payments primary", [ana])
    platform = team(org, "Platform", [ana])

    response = member_client.post(
        f"{BASE}new/",
        editor_post(
            name="Payments escalation",
            repeat_count="1",
            owner_team="platform",
            steps=[(5, ["payments-primary"], [], []), (10, [], [str(ana.uuid)], ["platform"])],
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == f"{BASE}payments-escalation/"
    policy = EscalationPolicy.objects.get()
    assert (policy.repeat_count, policy.owner_team) == (1, platform)
    assert stored(policy) == [(5, ["schedule:payments-primary"]), (10, ["user:ana@acme.test", "team:platform"])]
    assert primary.slug == "payments-primary"


def test_create_with_a_step_without_targets_is_refused_and_saves_nothing(ana, member_client):
    response = member_client.post(
        f"{BASE}new/",
        editor_post(name="Half", steps=[(5, [], [str(ana.uuid)], []), (0, [], [], [])]),
    )

    assert response.status_code == 400
    assert "The policy was not saved." in response.text
    assert "Step 2</a>: Choose at least one schedule, person or team to notify." in response.text
    assert "Step 2, then wait</a>: Ensure this value is greater than or equal to 1." in response.text
    assert EscalationPolicy.objects.exists() is False


def test_create_refuses_a_person_of_another_org(other_member, member_client):
    response = member_client.post(
        f"{BASE}new/", editor_post(name="Leaky", steps=[(5, [], [str(other_member.user.uuid)], [])])
    )

    assert response.status_code == 400
    assert EscalationPolicy.objects.exists() is False


def test_create_without_steps_is_refused(member_client):
    response = member_client.post(f"{BASE}new/", editor_post(name="Empty", steps=[]))

    assert response.status_code == 400
    assert "Add at least one step: who is notified first." in response.text
    assert EscalationPolicy.objects.exists() is False


def test_editor_buttons_add_move_and_remove_steps_without_saving(ana, member_client):
    ben = member(ana.memberships.get().organization, "ben@acme.test", "Ben Ode").user
    two = editor_post(name="Draft", steps=[(5, [], [str(ana.uuid)], []), (10, [], [str(ben.uuid)], [])])

    added = member_client.post(f"{BASE}new/", {**two, "op": "add"})
    moved = member_client.post(f"{BASE}new/", {**two, "op": "up:1"})
    removed = member_client.post(f"{BASE}new/", {**two, "op": "remove:0"})

    assert added.status_code == moved.status_code == removed.status_code == 200
    assert added.context["step_count"] == 3
    assert [form.initial["users"] for form in moved.context["steps"]] == [[str(ben.uuid)], [str(ana.uuid)]]
    assert [form.initial["wait_minutes"] for form in moved.context["steps"]] == ["10", "5"]
    assert [form.initial["users"] for form in removed.context["steps"]] == [[str(ben.uuid)]]
    assert moved.context["form"].initial["name"] == "Draft"
    assert "The policy was not saved." not in added.text
    assert EscalationPolicy.objects.exists() is False


def test_edit_page_shows_the_stored_steps_and_saves_changes(ana, policy, member_client):
    page = member_client.get(f"{BASE}{policy.slug}/edit/")
    response = member_client.post(
        f"{BASE}{policy.slug}/edit/",
        editor_post(name="Payments escalation", slug="payments-escalation", repeat_count="0",
                    steps=[(15, [], [str(ana.uuid)], [])]),
    )  # fmt: skip

    assert page.status_code == 200
    assert [form.initial["users"] for form in page.context["steps"]] == [[str(ana.uuid)]]
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.repeat_count == 0
    assert stored(policy) == [(15, ["user:ana@acme.test"])]


def test_detail_shows_who_each_step_would_page_now_and_the_services(org, ana, policy, member_client):
    service_actions.service_create(organization=org, actor=SYSTEM, name="Ledger", escalation_policy=policy)

    response = member_client.get(f"{BASE}{policy.slug}/")

    assert response.status_code == 200
    assert [[u.email for u in s.users] for s in response.context["steps_now"]] == [["ana@acme.test"]]
    assert [s.slug for s in response.context["services"]] == ["ledger"]
    assert "Reaches nobody now" not in response.text


def test_detail_of_a_policy_reaching_nobody_says_so(org, member_client):
    hollow = actions.policy_create(
        organization=org, actor=SYSTEM, name="Hollow", steps=[step(5, team_target(team(org, "Ghosts", [])))]
    )

    response = member_client.get(f"{BASE}{hollow.slug}/")

    assert "This policy would page nobody right now" in response.text
    assert "no members" in response.text


def test_delete_asks_first_naming_the_services_then_deletes(org, policy, member_client):
    ledger = service_actions.service_create(organization=org, actor=SYSTEM, name="Ledger", escalation_policy=policy)

    confirm = member_client.get(f"{BASE}{policy.slug}/delete/")
    response = member_client.post(f"{BASE}{policy.slug}/delete/")

    assert "1 service will page nobody" in confirm.text
    assert "Ledger" in confirm.text
    assert confirm.status_code == 200
    assert response.status_code == 302
    assert EscalationPolicy.objects.filter(pk=policy.pk).exists() is False
    assert response["Location"] == BASE
    assert [m.message for m in get_messages(response.wsgi_request)] == [
        "Escalation policy “Payments escalation” deleted. 1 service now pages nobody."
    ]
    assert Service.objects.get(pk=ledger.pk).escalation_policy_id is None


def test_another_orgs_member_gets_404(policy, other_member, client_for):
    outsider = client_for(other_member)

    assert outsider.get(f"{BASE}{policy.slug}/").status_code == 404
    assert outsider.get(f"/o/globex/on-call/policies/{policy.slug}/").status_code == 404
    assert outsider.post(f"/o/globex/on-call/policies/{policy.slug}/delete/").status_code == 404
    assert EscalationPolicy.objects.filter(pk=policy.pk).exists() is True

"""Scenario actions: validation of injects (offsets, kinds, services of the org, payloads run through the real
alerting parsers) and expected responses, approval by someone other than the author, an edit after approval
returning it to draft, and deleting only a scenario that never ran."""

import pytest
from django.core.exceptions import ValidationError

from drills import actions
from drills.models import ScenarioService, ScenarioStatus
from orgs.models import AuditEvent
from orgs.tenancy import Actor
from tests.drills.engine_support import AM_PAYLOAD, PD_PAYLOAD, approved_scenario, drill_org
from tests.factories import DrillRunFactory, ServiceFactory

pytestmark = pytest.mark.django_db

__all__ = ["drill_org"]


def create(env, **fields):
    return actions.scenario_create(organization=env.org, actor=Actor(user=env.eve), title="Drill", **fields)


def errors(raised) -> dict:
    return raised.value.message_dict


def test_a_scenario_is_stored_normalized_in_offset_order_with_its_alert_services_as_targets(drill_org):
    scenario = create(
        drill_org,
        injects=[
            {"offset_seconds": 120, "kind": "prompt", "text": "  The VP of Sales asks for an ETA  "},
            {
                "offset_seconds": 30,
                "kind": "alert",
                "format": "alertmanager",
                "service": "checkout",
                "payload": AM_PAYLOAD,
            },
        ],
        expected_responses=[
            {"kind": "mitigate", "target_seconds": 1800},
            {"kind": "acknowledge", "target_seconds": 300},
        ],
    )

    assert scenario.status == ScenarioStatus.DRAFT
    assert scenario.created_by == drill_org.eve
    assert scenario.injects == [
        {"offset_seconds": 30, "kind": "alert", "format": "alertmanager", "service": "checkout", "payload": AM_PAYLOAD},
        {"offset_seconds": 120, "kind": "prompt", "text": "The VP of Sales asks for an ETA"},
    ]
    assert scenario.expected_responses == [
        {"kind": "acknowledge", "target_seconds": 300},
        {"kind": "mitigate", "target_seconds": 1800},
    ]
    assert list(ScenarioService.objects.filter(scenario=scenario).values_list("service__slug", flat=True)) == [
        "checkout"
    ]


@pytest.mark.parametrize(
    ("inject", "message"),
    [
        (
            {"offset_seconds": -1, "kind": "hint", "text": "x"},
            "Inject 1: the offset is a whole number of seconds from 0 to 86400 (24 h).",
        ),
        (
            {"offset_seconds": 86401, "kind": "hint", "text": "x"},
            "Inject 1: the offset is a whole number of seconds from 0 to 86400 (24 h).",
        ),
        (
            {"offset_seconds": "5", "kind": "hint", "text": "x"},
            "Inject 1: the offset is a whole number of seconds from 0 to 86400 (24 h).",
        ),
        ({"offset_seconds": 0, "kind": "email", "text": "x"}, "Inject 1: the kind is one of alert, hint, prompt."),
        ({"offset_seconds": 0, "kind": "hint", "text": "  "}, "Inject 1: write the hint's text."),
        (
            {"offset_seconds": 0, "kind": "hint", "text": "x" * 2001},
            "Inject 1: the text is too long (at most 2000 characters).",
        ),
        (
            {
                "offset_seconds": 0,
                "kind": "alert",
                "format": "pagerduty",
                "service": "checkout",
                "payload": {"payload": {"source": "lb"}},
            },
            "Inject 1: 'payload.summary' is missing or blank",
        ),
        (
            {
                "offset_seconds": 0,
                "kind": "alert",
                "format": "pagerduty",
                "service": "checkout",
                "payload": {**PD_PAYLOAD, "event_action": "resolve"},
            },
            "Inject 1: An alert inject must trigger an alert (event_action trigger, status firing).",
        ),
        (
            {
                "offset_seconds": 0,
                "kind": "alert",
                "format": "alertmanager",
                "service": "checkout",
                "payload": {"alerts": []},
            },
            "Inject 1: An Alertmanager inject carries exactly one alert in 'alerts'.",
        ),
        (
            {"offset_seconds": 0, "kind": "alert", "format": "grafana", "service": "checkout", "payload": PD_PAYLOAD},
            "Inject 1: Choose a format: pagerduty, alertmanager.",
        ),
        (
            {
                "offset_seconds": 0,
                "kind": "alert",
                "format": "pagerduty",
                "service": "globex-api",
                "payload": PD_PAYLOAD,
            },
            "Inject 1: choose a service of this organization.",
        ),
    ],
)
def test_an_invalid_inject_is_refused_with_its_reason_and_nothing_is_saved(drill_org, other_org, inject, message):
    ServiceFactory(organization=other_org, name="Globex API", slug="globex-api")

    with pytest.raises(ValidationError) as raised:
        create(drill_org, injects=[inject])

    assert message in errors(raised)["injects"]
    assert not AuditEvent.objects.filter(action="drill_scenario.created").exists()


def test_at_most_fifty_injects(drill_org):
    hint = {"offset_seconds": 0, "kind": "hint", "text": "x"}

    assert len(create(drill_org, injects=[hint] * 50).injects) == 50
    with pytest.raises(ValidationError) as raised:
        actions.scenario_create(
            organization=drill_org.org, actor=Actor(user=drill_org.eve), title="Big", injects=[hint] * 51
        )
    assert errors(raised) == {"injects": ["A scenario has at most 50 injects."]}


def test_expected_responses_are_one_per_kind_with_a_target_in_range(drill_org):
    with pytest.raises(ValidationError) as raised:
        create(
            drill_org,
            expected_responses=[
                {"kind": "acknowledge", "target_seconds": 300},
                {"kind": "acknowledge", "target_seconds": 200},
                {"kind": "declare", "target_seconds": 0},
                {"kind": "page", "target_seconds": 10},
            ],
        )

    assert errors(raised)["expected_responses"] == [
        "Response 2: acknowledge is expected twice; keep one target per response.",
        "Response 3: the target is a whole number of seconds from 1 to 86400 (24 h).",
        "Response 4: the kind is one of acknowledge, declare, commander, first_update, mitigate.",
    ]


def test_titles_are_unique_per_org_and_bounded(drill_org, other_org):
    create(drill_org)
    with pytest.raises(ValidationError) as raised:
        create(drill_org)
    assert errors(raised) == {"title": ["Another scenario has this title."]}
    with pytest.raises(ValidationError):
        actions.scenario_create(organization=drill_org.org, actor=Actor.system(), title="x" * 201)
    assert actions.scenario_create(organization=other_org, actor=Actor.system(), title="Drill").title == "Drill"


def test_the_author_cannot_approve_someone_else_can(drill_org):
    scenario = create(drill_org, injects=[{"offset_seconds": 0, "kind": "hint", "text": "x"}])

    with pytest.raises(ValidationError) as raised:
        actions.scenario_approve(scenario=scenario, actor=Actor(user=drill_org.eve))
    assert errors(raised) == {"scenario": ["Someone other than the author must approve it."]}

    approved = actions.scenario_approve(scenario=scenario, actor=Actor(user=drill_org.olu))
    assert (approved.status, approved.approved_by) == (ScenarioStatus.APPROVED, drill_org.olu)
    assert approved.approved_at is not None


def test_a_scenario_with_no_inject_cannot_be_approved(drill_org):
    with pytest.raises(ValidationError) as raised:
        actions.scenario_approve(scenario=create(drill_org), actor=Actor(user=drill_org.olu))

    assert errors(raised) == {"injects": ["Add at least one inject before approving the scenario."]}


def test_editing_an_approved_scenario_returns_it_to_draft_and_a_no_op_edit_does_not(drill_org):
    scenario = approved_scenario(drill_org)

    same = actions.scenario_update(scenario=scenario, actor=Actor(user=drill_org.eve), title=scenario.title)
    assert same.status == ScenarioStatus.APPROVED

    edited = actions.scenario_update(scenario=scenario, actor=Actor(user=drill_org.eve), hypothesis="Faster.")
    assert (edited.status, edited.approved_by, edited.approved_at) == (ScenarioStatus.DRAFT, None, None)
    audit = AuditEvent.objects.filter(action="drill_scenario.updated").get()
    assert audit.changes["status"] == {"before": "approved", "after": "draft"}


def test_an_alert_injects_service_joins_the_targets_and_chosen_targets_stay_until_changed(drill_org):
    scenario = approved_scenario(drill_org)
    payments = ServiceFactory(organization=drill_org.org, name="Payments", slug="payments")

    actions.scenario_update(
        scenario=scenario,
        actor=Actor(user=drill_org.eve),
        injects=[
            {"offset_seconds": 0, "kind": "alert", "format": "pagerduty", "service": "payments", "payload": PD_PAYLOAD}
        ],
    )

    def targets():
        return set(ScenarioService.objects.filter(scenario=scenario).values_list("service_id", flat=True))

    assert targets() == {drill_org.service.pk, payments.pk}

    actions.scenario_update(scenario=scenario, actor=Actor(user=drill_org.eve), services=[])
    assert targets() == {payments.pk}


def test_a_scenario_that_ran_is_kept(drill_org):
    scenario = approved_scenario(drill_org)
    DrillRunFactory(scenario=scenario)

    with pytest.raises(ValidationError) as raised:
        actions.scenario_delete(scenario=scenario, actor=Actor(user=drill_org.olu))
    assert errors(raised) == {"scenario": ["This scenario has runs; it stays as their record."]}

    unused = create(drill_org)
    actions.scenario_delete(scenario=unused, actor=Actor(user=drill_org.olu))
    assert not type(unused).objects.filter(pk=unused.pk).exists()

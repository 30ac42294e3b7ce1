# ruff: noqa: F811 - the fixtures imported from engine_support
"""Conditions: each field and operator, time windows across midnight in a zone, severity ranks; the catalog; and
validation naming the bad value."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from tests.factories import IncidentTypeFactory, ScheduleFactory, ServiceFactory, ServiceLabelFactory, TeamFactory
from tests.workflows.engine_support import acme, executed  # noqa: F401 - fixtures
from workflows.conditions import Context, catalog, condition_holds, evaluate, window_holds
from workflows.validation import workflow_validate

RANKS = {"SEV1": 1, "SEV2": 2, "SEV3": 3, "SEV4": 4}


def ctx(**values):
    return Context({"severity_ranks": RANKS, **values})


def holds(field, operator, value, **values):
    return condition_holds({"field": field, "operator": operator, "value": value}, ctx(**values))


@pytest.mark.parametrize(
    ("operator", "value", "actual", "expected"),
    [
        ("is", "SEV2", "SEV2", True),
        ("is", "SEV2", "SEV1", False),
        ("is_not", "SEV2", "SEV1", True),
        ("is_not", "SEV2", "SEV2", False),
        ("in", ["SEV1", "SEV2"], "SEV2", True),
        ("in", ["SEV1", "SEV2"], "SEV3", False),
        ("not_in", ["SEV1", "SEV2"], "SEV3", True),
        ("not_in", ["SEV1", "SEV2"], "SEV1", False),
        ("at_least", "SEV2", "SEV1", True),  # SEV2 or worse
        ("at_least", "SEV2", "SEV2", True),
        ("at_least", "SEV2", "SEV3", False),
        ("at_most", "SEV2", "SEV3", True),
        ("at_most", "SEV2", "SEV2", True),
        ("at_most", "SEV2", "SEV1", False),
    ],
)
def test_severity_operators(operator, value, actual, expected):
    assert holds("severity", operator, value, severity=actual) is expected


def test_a_severity_the_org_no_longer_ranks_never_holds_at_least():
    assert holds("severity", "at_least", "SEV9", severity="SEV1") is False
    assert holds("severity", "at_least", "SEV2", severity=None) is False


def test_booleans_and_status():
    assert holds("severity_major", "is", True, severity_major=True) is True
    assert holds("severity_major", "is", True, severity_major=False) is False
    assert holds("is_drill", "is", False, is_drill=False) is True
    assert holds("status", "in", ["identified", "monitoring"], status="monitoring") is True
    assert holds("status", "not_in", ["resolved"], status="resolved") is False


def test_incident_type_set_or_not():
    assert holds("incident_type", "is_set", None, incident_type="security") is True
    assert holds("incident_type", "is_set", None, incident_type=None) is False
    assert holds("incident_type", "is_not_set", None, incident_type=None) is True
    assert holds("incident_type", "is", "security", incident_type=None) is False
    assert holds("incident_type", "is_not", "security", incident_type=None) is True


def test_list_fields():
    services = ["checkout", "payments"]
    assert holds("services", "includes_any", ["payments", "search"], services=services) is True
    assert holds("services", "includes_any", ["search"], services=services) is False
    assert holds("services", "includes_all", ["payments", "checkout"], services=services) is True
    assert holds("services", "includes_all", ["payments", "search"], services=services) is False
    assert holds("services", "excludes", ["search"], services=services) is True
    assert holds("services", "excludes", ["checkout"], services=services) is False
    assert holds("owner_team", "includes_any", ["payments-team"], owner_team=["payments-team"]) is True
    assert holds("owner_team", "excludes", ["payments-team"], owner_team=[]) is True
    assert holds("labels", "includes_any", ["tier=critical"], labels=["env=prod", "tier=critical"]) is True
    assert holds("labels", "excludes", ["env=prod"], labels=["env=prod"]) is False


def test_alert_severity_priority_schedule():
    assert holds("alert_severity", "in", ["critical", "error"], alert_severity="error") is True
    assert holds("priority", "at_least", "high", priority="urgent") is True
    assert holds("priority", "at_least", "high", priority="medium") is False
    assert holds("schedule", "is", "primary", schedule="primary") is True


NIGHT = {"start": "22:00", "end": "06:00", "timezone": "Europe/Paris"}


@pytest.mark.parametrize(
    ("utc", "inside"),
    [
        (datetime(2026, 1, 14, 20, 59, tzinfo=UTC), False),  # 21:59 in Paris (UTC+1 in winter)
        (datetime(2026, 1, 14, 21, 0, tzinfo=UTC), True),  # 22:00
        (datetime(2026, 1, 14, 23, 30, tzinfo=UTC), True),  # 00:30 the next day
        (datetime(2026, 1, 15, 4, 59, tzinfo=UTC), True),  # 05:59
        (datetime(2026, 1, 15, 5, 0, tzinfo=UTC), False),  # 06:00: the window has ended
        (datetime(2026, 7, 14, 20, 30, tzinfo=UTC), True),  # 22:30 in summer (UTC+2)
        (datetime(2026, 7, 14, 19, 30, tzinfo=UTC), False),  # 21:30 in summer
    ],
)
def test_a_window_across_midnight_in_a_zone(utc, inside):
    assert window_holds(NIGHT, utc) is inside
    assert holds("time_of_day", "between", NIGHT, at=utc) is inside
    assert holds("time_of_day", "not_between", NIGHT, at=utc.isoformat()) is not inside


def test_a_night_windows_days_are_the_days_it_starts_on():
    friday_nights = NIGHT | {"days": [4]}
    assert window_holds(friday_nights, datetime(2026, 1, 16, 22, 0, tzinfo=UTC)) is True  # Fri 23:00 Paris
    assert window_holds(friday_nights, datetime(2026, 1, 17, 1, 0, tzinfo=UTC)) is True  # Sat 02:00: Friday's night
    assert window_holds(friday_nights, datetime(2026, 1, 17, 22, 0, tzinfo=UTC)) is False  # Sat 23:00
    office = {"start": "09:00", "end": "17:00", "timezone": "America/New_York", "days": [0, 1, 2, 3, 4]}
    assert window_holds(office, datetime(2026, 1, 14, 15, 0, tzinfo=UTC)) is True  # Wed 10:00 in New York
    assert window_holds(office, datetime(2026, 1, 17, 15, 0, tzinfo=UTC)) is False  # Saturday


def test_evaluate_all_and_any_report_each_condition():
    conditions = [
        {"field": "severity", "operator": "at_least", "value": "SEV2"},
        {"field": "status", "operator": "is", "value": "triage"},
    ]
    context = ctx(severity="SEV1", status="investigating")
    matched, results = evaluate(conditions, "all", context)
    assert matched is False
    assert [r["held"] for r in results] == [True, False]
    assert results[0] == {"field": "severity", "operator": "at_least", "value": "SEV2", "held": True}
    assert evaluate(conditions, "any", context)[0] is True
    assert evaluate([], "all", context) == (True, [])


def test_the_context_loads_a_group_only_when_a_condition_reads_it():
    calls = []

    def services():
        calls.append("services")
        return {"services": ["checkout"], "owner_team": ["core"]}

    context = Context({"severity": "SEV1"}, loaders=[(("services", "owner_team"), services)])
    assert condition_holds({"field": "severity", "operator": "is", "value": "SEV1"}, context) is True
    assert calls == []
    assert context.get("owner_team") == ["core"]
    assert context.get("services") == ["checkout"]
    assert calls == ["services"]
    assert context.materialize() == {"severity": "SEV1", "services": ["checkout"], "owner_team": ["core"]}


# --- catalog and validation (the org's values) ---------------------------------------------------------------


@pytest.fixture
def catalogued(acme):
    team = TeamFactory(organization=acme, slug="payments-team")
    service = ServiceFactory(organization=acme, slug="checkout", owner_team=team)
    ServiceLabelFactory(organization=acme, service=service, key="tier", value="critical")
    IncidentTypeFactory(organization=acme, slug="security")
    ScheduleFactory(organization=acme, slug="primary")
    return acme


pytestmark = pytest.mark.django_db


def test_the_catalog_lists_the_orgs_values(catalogued):
    fields = {f["name"]: f for f in catalog(catalogued)["fields"]}
    assert fields["severity"]["values"] == ["SEV1", "SEV2", "SEV3", "SEV4", "SEV5"]
    assert [op["name"] for op in fields["severity"]["operators"]] == [
        "is",
        "is_not",
        "in",
        "not_in",
        "at_least",
        "at_most",
    ]
    assert fields["services"]["values"] == ["checkout"]
    assert fields["owner_team"]["values"] == ["payments-team"]
    assert fields["labels"]["values"] == ["tier=critical"]
    assert fields["incident_type"]["values"] == ["security"]
    assert fields["schedule"]["values"] == ["primary"]
    assert "alert_severity" not in catalog(catalogued)["triggers"]["incident.declared"]


def validate(org, conditions, trigger="incident.declared", actions=()):
    return workflow_validate(
        organization=org, data={"trigger": trigger, "conditions": conditions, "actions": list(actions)}
    )


def errors_of(org, conditions, trigger="incident.declared", actions=()):
    with pytest.raises(ValidationError) as caught:
        validate(org, conditions, trigger, actions)
    return caught.value.message_dict


def test_valid_conditions_are_cleaned(catalogued):
    cleaned = validate(
        catalogued,
        [
            {"field": "severity", "operator": "at_least", "value": "sev2"},
            {"field": "severity_major", "operator": "is", "value": "true"},
            {"field": "services", "operator": "includes_any", "value": "checkout"},
            {"field": "labels", "operator": "excludes", "value": ["tier=critical"]},
            {"field": "incident_type", "operator": "is_set", "value": "ignored"},
            {"field": "time_of_day", "operator": "between", "value": NIGHT | {"days": [4, 0, 4]}},
        ],
    )
    assert cleaned["conditions"] == [
        {"field": "severity", "operator": "at_least", "value": "SEV2"},
        {"field": "severity_major", "operator": "is", "value": True},
        {"field": "services", "operator": "includes_any", "value": ["checkout"]},
        {"field": "labels", "operator": "excludes", "value": ["tier=critical"]},
        {"field": "incident_type", "operator": "is_set", "value": None},
        {"field": "time_of_day", "operator": "between", "value": NIGHT | {"days": [0, 4]}},
    ]
    assert cleaned["trigger"] == "incident.declared"
    assert cleaned["condition_mode"] == "all"


def test_validation_names_the_bad_value(catalogued):
    errors = errors_of(
        catalogued,
        [
            {"field": "severity", "operator": "is", "value": "SEV9"},
            {"field": "services", "operator": "includes_any", "value": ["checkout", "nope"]},
            {"field": "owner_team", "operator": "excludes", "value": ["ghosts"]},
            {"field": "labels", "operator": "includes_any", "value": ["tier=low"]},
            {"field": "incident_type", "operator": "is", "value": "fire"},
            {"field": "status", "operator": "is", "value": "sleeping"},
            {"field": "severity_major", "operator": "is", "value": "maybe"},
        ],
    )
    assert errors == {
        "conditions[0].value": ["SEV9 is not a severity of this organization."],
        "conditions[1].value": ["nope is not a service of this organization."],
        "conditions[2].value": ["ghosts is not a team of this organization."],
        "conditions[3].value": ["tier=low is not a label of this organization's services."],
        "conditions[4].value": ["fire is not an incident type of this organization."],
        "conditions[5].value": ["sleeping is not an incident status."],
        "conditions[6].value": ["“maybe” is not true or false."],
    }


def test_validation_refuses_unknown_fields_operators_and_fields_of_other_triggers(catalogued):
    errors = errors_of(
        catalogued,
        [
            {"field": "mood", "operator": "is", "value": "x"},
            {"field": "severity", "operator": "includes_any", "value": ["SEV1"]},
            {"field": "alert_severity", "operator": "is", "value": "critical"},
        ],
    )
    assert errors["conditions[0].field"] == ["“mood” is not a condition field."]
    assert errors["conditions[1].operator"] == [
        "“includes_any” is not an operator of severity (is, is_not, in, not_in, at_least, at_most)."
    ]
    assert errors["conditions[2].field"] == ["Alert severity cannot be tested on “Incident declared”."]
    assert validate(
        catalogued, [{"field": "alert_severity", "operator": "is", "value": "critical"}], "alert_group.triggered"
    )


def test_validation_refuses_bad_times_and_zones(catalogued):
    errors = errors_of(
        catalogued,
        [
            {
                "field": "time_of_day",
                "operator": "between",
                "value": {"start": "25:00", "end": "6:00", "timezone": "Mars/Olympus", "days": [7]},
            }
        ],
    )
    assert errors == {
        "conditions[0].value.start": ["“25:00” is not a time of day (HH:MM, 00:00 to 23:59)."],
        "conditions[0].value.end": ["“6:00” is not a time of day (HH:MM, 00:00 to 23:59)."],
        "conditions[0].value.timezone": ["“Mars/Olympus” is not a time zone (for example Europe/Paris)."],
        "conditions[0].value.days": ["Days are numbers from 0 (Monday) to 6 (Sunday)."],
    }


def test_validation_of_the_trigger_mode_and_actions(catalogued, executed):
    with pytest.raises(ValidationError) as caught:
        workflow_validate(
            organization=catalogued,
            data={
                "trigger": "incident.exploded",
                "condition_mode": "some",
                "conditions": [],
                "actions": [
                    {"action": "teleport", "params": {}},
                    {"action": "engine_note", "params": {}},
                    {"action": "engine_note", "params": {"body": "ok"}, "delay_seconds": 10**9},
                    {"action": "engine_note", "params": {}, "enabled": False},
                ],
            },
        )
    assert caught.value.message_dict == {
        "trigger": ["“incident.exploded” is not a trigger."],
        "condition_mode": ["“some” is not all or any."],
        "actions[0].action": ["“teleport” is not an action."],
        "actions[1].params.body": ["Write the note."],
        "actions[2].delay_seconds": ["“1000000000” is not a delay (0 to 604800 seconds)."],
    }


def test_a_real_actions_bad_param_is_keyed_by_its_position(catalogued):
    errors = errors_of(
        catalogued,
        [],
        actions=[
            {"action": "post_note", "params": {"body": "fine"}},
            {"action": "assign_role", "params": {"role": "no-such-role", "to": {"kind": "service_oncall"}}},
        ],
    )
    assert list(errors) == ["actions[1].params.role"]

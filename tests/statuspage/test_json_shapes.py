"""Every Statuspage public API v2 route answers in Atlassian's documented shape: the same keys, types and value
vocabularies (page, status, components with groups, incidents with incident_updates and affected_components,
scheduled maintenances), and no drill anywhere."""

from datetime import datetime

import pytest
from django.test import Client

from tests.factories import StatusPageFactory
from tests.statuspage import public_world
from tests.statuspage.public_world import DRILL_TEXT

pytestmark = pytest.mark.django_db

STR, INT, BOOL, LIST = str, int, bool, list
TIME = "time"
OPT_TIME = "time?"
OPT_STR = "str?"
OPT_LIST = "list?"
INDICATORS = {"none", "minor", "major", "critical"}
COMPONENT_STATUSES = {"operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"}
INCIDENT_STATUSES = {"investigating", "identified", "monitoring", "resolved", "postmortem"}
MAINTENANCE_STATUSES = {"scheduled", "in_progress", "verifying", "completed"}
IMPACTS = {"none", "minor", "major", "critical"}

PAGE = {"id": STR, "name": STR, "url": STR, "time_zone": STR, "updated_at": TIME}
STATUS = {"indicator": STR, "description": STR}
COMPONENT = {
    "id": STR,
    "name": STR,
    "status": STR,
    "created_at": TIME,
    "updated_at": TIME,
    "position": INT,
    "description": OPT_STR,
    "showcase": BOOL,
    "start_date": OPT_STR,
    "group_id": OPT_STR,
    "page_id": STR,
    "group": BOOL,
    "only_show_if_degraded": BOOL,
}
GROUP = {**COMPONENT, "components": LIST}
AFFECTED = {"code": STR, "name": STR, "old_status": STR, "new_status": STR}
UPDATE = {
    "id": STR,
    "status": STR,
    "body": STR,
    "incident_id": STR,
    "created_at": TIME,
    "updated_at": TIME,
    "display_at": TIME,
    "affected_components": OPT_LIST,
    "deliver_notifications": BOOL,
    "custom_tweet": OPT_STR,
    "tweet_id": OPT_STR,
}
INCIDENT = {
    "id": STR,
    "name": STR,
    "status": STR,
    "created_at": TIME,
    "updated_at": TIME,
    "monitoring_at": OPT_TIME,
    "resolved_at": OPT_TIME,
    "impact": STR,
    "shortlink": STR,
    "started_at": TIME,
    "page_id": STR,
    "incident_updates": LIST,
    "components": LIST,
}
MAINTENANCE = {**INCIDENT, "scheduled_for": TIME, "scheduled_until": TIME}


def check(obj, shape, where):
    """Problems of `obj` against `shape` (exact keys, each value's type)."""
    assert isinstance(obj, dict), where
    problems = []
    if set(obj) != set(shape):
        problems.append(f"{where}: keys {sorted(set(obj) ^ set(shape))}")
    for key, kind in shape.items():
        value = obj.get(key)
        optional = isinstance(kind, str) and kind.endswith("?")
        if optional and value is None:
            continue
        base = kind.rstrip("?") if isinstance(kind, str) else kind
        if base == "time":
            ok = isinstance(value, str) and datetime.fromisoformat(value).tzinfo is not None
        elif base == "str":
            ok = isinstance(value, str)
        elif base == "list":
            ok = isinstance(value, list)
        elif kind is INT:
            ok = isinstance(value, int) and not isinstance(value, bool)
        else:
            ok = isinstance(value, kind)
        if not ok:
            problems.append(f"{where}.{key}: {value!r}")
    return problems


def check_component(c, where):
    problems = check(c, GROUP if c.get("group") else COMPONENT, where)
    if c.get("status") not in COMPONENT_STATUSES:
        problems.append(f"{where}.status {c.get('status')}")
    return problems


def check_incident(incident, where, *, maintenance=False):
    problems = check(incident, MAINTENANCE if maintenance else INCIDENT, where)
    statuses = MAINTENANCE_STATUSES if maintenance else INCIDENT_STATUSES
    if incident["status"] not in statuses:
        problems.append(f"{where}.status {incident['status']}")
    if incident["impact"] not in (IMPACTS | {"maintenance"} if maintenance else IMPACTS):
        problems.append(f"{where}.impact {incident['impact']}")
    for i, update in enumerate(incident["incident_updates"]):
        problems += check(update, UPDATE, f"{where}.incident_updates[{i}]")
        if update["status"] not in statuses:
            problems.append(f"{where}.incident_updates[{i}].status {update['status']}")
        for j, affected in enumerate(update["affected_components"] or []):
            problems += check(affected, AFFECTED, f"{where}.incident_updates[{i}].affected_components[{j}]")
            if {affected["old_status"], affected["new_status"]} - COMPONENT_STATUSES:
                problems.append(f"{where} affected statuses {affected}")
    for j, component in enumerate(incident["components"]):
        problems += check_component(component, f"{where}.components[{j}]")
    return problems


@pytest.fixture
def world(member):
    return public_world.build(member)


def get(world, route):
    response = Client().get(f"/status/{world.page.organization.slug}/api/v2/{route}")
    assert response.status_code == 200, route
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=30"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert DRILL_TEXT not in response.content.decode()
    return response.json()


def test_summary_has_every_part_in_shape(world):
    body = get(world, "summary.json")

    assert set(body) == {"page", "components", "incidents", "scheduled_maintenances", "status"}
    problems = check(body["page"], PAGE, "page") + check(body["status"], STATUS, "status")
    problems += [p for i, c in enumerate(body["components"]) for p in check_component(c, f"components[{i}]")]
    problems += [p for i, x in enumerate(body["incidents"]) for p in check_incident(x, f"incidents[{i}]")]
    problems += [
        p
        for i, m in enumerate(body["scheduled_maintenances"])
        for p in check_incident(m, f"scheduled_maintenances[{i}]", maintenance=True)
    ]
    assert problems == []
    assert body["status"] == {"indicator": "major", "description": "Partial System Outage"}
    assert body["page"]["url"] == f"http://testserver/status/{world.page.organization.slug}/"
    assert [i["name"] for i in body["incidents"]] == ["API errors"]
    assert sorted(m["name"] for m in body["scheduled_maintenances"]) == ["Database upgrade", "Docs hosting move"]


def test_components_list_groups_with_their_members(world):
    body = get(world, "components.json")

    by_name = {c["name"]: c for c in body["components"]}
    group = by_name["Core platform"]
    assert [c["name"] for c in body["components"]] == ["Docs", "Core platform", "API", "Web app"]
    assert group["group"] is True
    assert group["components"] == [str(world.api.uuid), str(world.web.uuid)]
    assert [by_name["API"]["group_id"], by_name["Web app"]["group_id"], by_name["Docs"]["group_id"]] == [
        str(world.group.uuid),
        str(world.group.uuid),
        None,
    ]
    assert by_name["Docs"]["status"] == "under_maintenance"  # its maintenance is in progress
    assert [p for i, c in enumerate(body["components"]) for p in check_component(c, f"components[{i}]")] == []


def test_incidents_lists_resolved_too_and_unresolved_only_open_ones(world):
    every = get(world, "incidents.json")
    unresolved = get(world, "incidents/unresolved.json")

    assert [i["name"] for i in every["incidents"]] == ["API errors", "Slow web app"]
    assert [i["name"] for i in unresolved["incidents"]] == ["API errors"]
    resolved = every["incidents"][1]
    assert (resolved["status"], resolved["impact"], resolved["resolved_at"] is not None) == ("resolved", "minor", True)
    assert [u["body"] for u in resolved["incident_updates"]] == ["Fixed.", "Web app is slow."]
    affected = resolved["incident_updates"][0]["affected_components"]
    assert affected == [
        {
            "code": str(world.web.uuid),
            "name": "Web app",
            "old_status": "degraded_performance",
            "new_status": "operational",
        }
    ]
    assert [p for i, x in enumerate(every["incidents"]) for p in check_incident(x, f"incidents[{i}]")] == []


@pytest.mark.parametrize(
    ("route", "names"),
    [
        ("scheduled-maintenances.json", ["Database upgrade", "Docs hosting move"]),
        ("scheduled-maintenances/upcoming.json", ["Database upgrade"]),
        ("scheduled-maintenances/active.json", ["Docs hosting move"]),
    ],
)
def test_maintenance_routes(world, route, names):
    body = get(world, route)

    assert set(body) == {"page", "scheduled_maintenances"}
    assert [m["name"] for m in body["scheduled_maintenances"]] == names
    problems = [
        p
        for i, m in enumerate(body["scheduled_maintenances"])
        for p in check_incident(m, f"scheduled_maintenances[{i}]", maintenance=True)
    ]
    assert problems == []
    assert {m["impact"] for m in body["scheduled_maintenances"]} == {"maintenance"}


def test_status_json(world):
    body = get(world, "status.json")

    assert set(body) == {"page", "status"}
    assert check(body["page"], PAGE, "page") + check(body["status"], STATUS, "status") == []
    assert body["status"]["indicator"] in INDICATORS


def test_an_empty_page_is_all_systems_operational(member):
    page = StatusPageFactory(organization=member.organization, is_default=True)

    body = Client().get(f"/status/{page.organization.slug}/api/v2/summary.json").json()

    assert body["status"] == {"indicator": "none", "description": "All Systems Operational"}
    assert (body["components"], body["incidents"], body["scheduled_maintenances"]) == ([], [], [])

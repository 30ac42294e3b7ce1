"""The schedule API: CRUD by slug, layers and overrides as sub-resources, who is on call and the shifts with
gaps, the role matrix (viewers read, responders cover, admins manage) and org checks on everything named."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.utils import timezone

from oncall.actions import schedules as actions
from oncall.models import Schedule, ScheduleLayer, ScheduleOverride
from orgs.models import MembershipRole
from orgs.tenancy import Actor
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system()
URL = "/api/v1/schedules/"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def invalid(message: str = "The request is invalid.", **fields) -> dict:
    return {"error": {"status": 400, "code": "invalid", "message": message, "fields": fields}}


@pytest.fixture
def alice(org, owner, make_member):
    return make_member(org, MembershipRole.RESPONDER, email="alice@acme.test").user


@pytest.fixture
def bob(org, owner, make_member):
    return make_member(org, MembershipRole.RESPONDER, email="bob@acme.test").user


@pytest.fixture
def schedule(org, alice, bob):
    schedule = actions.schedule_create(organization=org, actor=SYSTEM, name="Payments primary", time_zone="UTC")
    actions.layer_create(
        schedule=schedule,
        actor=SYSTEM,
        users=[alice, bob],
        name="Primary",
        rotation="daily",
        handoff_time=time(9),
        start_date=date(2025, 1, 6),
        restrictions=[{"weekdays": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00"}],
    )
    return schedule


def summary(user) -> dict:
    return {"id": str(user.uuid), "email": user.email, "full_name": user.full_name}


def test_retrieve_shows_the_schedule_with_its_layers(api_client_for, org, schedule, alice, bob):
    layer = schedule.layers.get()
    client = api_client_for(org, "viewer")

    response = client.get(f"{URL}payments-primary/")

    assert response.status_code == 200
    assert response.json() == {
        "id": str(schedule.uuid),
        "slug": "payments-primary",
        "name": "Payments primary",
        "description": "",
        "time_zone": "UTC",
        "owner_team": None,
        "layers": [
            {
                "id": str(layer.uuid),
                "name": "Primary",
                "position": 0,
                "rotation": "daily",
                "shift_hours": 24,
                "handoff_time": "09:00",
                "start_date": "2025-01-06",
                "end_date": None,
                "restrictions": [{"weekdays": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00"}],
                "members": [summary(alice), summary(bob)],
                "created_at": iso(layer.created_at),
                "updated_at": iso(layer.updated_at),
            }
        ],
        "created_at": iso(schedule.created_at),
        "updated_at": iso(schedule.updated_at),
    }


def test_admin_creates_updates_and_deletes_a_schedule(api_client_for, org):
    team = TeamFactory(organization=org, name="Payments", slug="payments")
    client = api_client_for(org, "admin")

    created = client.post(
        URL, {"name": "Web on-call", "time_zone": "America/New_York", "owner_team": "payments"}, format="json"
    )
    patched = client.patch(f"{URL}web-on-call/", {"description": "Frontend"}, format="json")
    deleted = client.delete(f"{URL}web-on-call/")

    assert created.status_code == 201
    assert (created.json()["slug"], created.json()["owner_team"], created.json()["layers"]) == (
        "web-on-call",
        team.slug,
        [],
    )
    assert (patched.status_code, patched.json()["description"]) == (200, "Frontend")
    assert deleted.status_code == 204
    assert Schedule.objects.for_org(org).exists() is False


@pytest.mark.parametrize("role", ["viewer", "responder"])
def test_only_admins_manage_schedules_and_layers(api_client_for, org, schedule, alice, role):
    client = api_client_for(org, role)
    layer = schedule.layers.get()

    answers = [
        client.post(URL, {"name": "Nope"}, format="json").status_code,
        client.patch(f"{URL}payments-primary/", {"name": "Nope"}, format="json").status_code,
        client.delete(f"{URL}payments-primary/").status_code,
        client.post(f"{URL}payments-primary/layers/", {"name": "x"}, format="json").status_code,
        client.delete(f"{URL}payments-primary/layers/{layer.uuid}/").status_code,
    ]

    assert answers == [403] * 5
    assert (Schedule.objects.for_org(org).get().name, ScheduleLayer.objects.for_org(org).count()) == (
        "Payments primary",
        1,
    )


def test_create_with_bad_input_is_a_400_and_saves_nothing(api_client_for, org, other_org):
    TeamFactory(organization=other_org, name="Globex", slug="globex-team")
    client = api_client_for(org, "admin")

    response = client.post(URL, {"name": "X", "time_zone": "Mars/Olympus", "owner_team": "globex-team"}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(owner_team=["Object with slug=globex-team does not exist."])
    response = client.post(URL, {"name": "X", "time_zone": "Mars/Olympus"}, format="json")
    assert response.json() == invalid(time_zone=["“Mars/Olympus” is not a time zone name (for example Europe/London)."])
    assert Schedule.objects.for_org(org).exists() is False


def test_add_a_layer_with_members_by_email_and_id(api_client_for, org, schedule, alice, bob):
    client = api_client_for(org, "admin")

    response = client.post(
        f"{URL}payments-primary/layers/",
        {
            "name": "Weekends",
            "rotation": "weekly",
            "handoff_time": "10:00",
            "start_date": "2025-01-04",
            "restrictions": [{"weekdays": [5, 6], "start": "00:00", "end": "00:00"}],
            "members": ["BOB@acme.test", str(alice.uuid)],
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["position"], body["handoff_time"]) == ("Weekends", 1, "10:00")
    assert body["members"] == [summary(bob), summary(alice)]


def test_layer_with_an_outsider_or_bad_restrictions_is_a_400(api_client_for, org, schedule, other_member):
    client = api_client_for(org, "admin")
    payload = {"name": "L", "rotation": "daily", "handoff_time": "09:00", "start_date": "2025-01-06"}

    outsider = client.post(
        f"{URL}payments-primary/layers/", {**payload, "members": [other_member.user.email]}, format="json"
    )
    windows = client.post(
        f"{URL}payments-primary/layers/",
        {
            **payload,
            "members": ["alice@acme.test"],
            "restrictions": [{"weekdays": [], "start": "09:00", "end": "17:00"}],
        },
        format="json",
    )

    assert outsider.json() == invalid(members={"0": ["No member of this organization matches."]})
    assert windows.json() == invalid(
        restrictions=["Window 1: weekdays is a non-empty list of 0 (Monday) to 6 (Sunday)."]
    )
    assert ScheduleLayer.objects.for_org(org).count() == 1


def test_patch_a_layer_replaces_its_members(api_client_for, org, schedule, alice, bob):
    layer = schedule.layers.get()
    client = api_client_for(org, "admin")

    response = client.patch(
        f"{URL}payments-primary/layers/{layer.uuid}/", {"members": [bob.email], "handoff_time": "08:30"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["members"], response.json()["handoff_time"]) == ([summary(bob)], "08:30")


def test_oncall_answers_who_is_on_call_at_an_instant(api_client_for, org, schedule, alice, bob):
    client = api_client_for(org, "viewer")

    tuesday = client.get(f"{URL}payments-primary/oncall/", {"at": "2025-01-07T10:00:00Z"})
    night = client.get(f"{URL}payments-primary/oncall/", {"at": "2025-01-07T20:00:00Z"})
    bad = client.get(f"{URL}payments-primary/oncall/", {"at": "yesterday"})

    assert tuesday.json() == {"at": "2025-01-07T10:00:00Z", "users": [summary(bob)]}
    assert night.json() == {"at": "2025-01-07T20:00:00Z", "users": []}
    assert bad.status_code == 400


def test_shifts_lists_shifts_and_gaps_over_a_window(api_client_for, org, schedule, alice, bob):
    layer = schedule.layers.get()
    client = api_client_for(org, "viewer")

    response = client.get(
        f"{URL}payments-primary/shifts/", {"start": "2025-01-06T00:00:00Z", "end": "2025-01-07T12:00:00Z"}
    )

    assert response.json() == {
        "start": "2025-01-06T00:00:00Z",
        "end": "2025-01-07T12:00:00Z",
        "shifts": [
            {
                "user": summary(alice),
                "starts_at": "2025-01-06T09:00:00Z",
                "ends_at": "2025-01-06T17:00:00Z",
                "source": "layer",
                "layer": str(layer.uuid),
            },
            {
                "user": summary(bob),
                "starts_at": "2025-01-07T09:00:00Z",
                "ends_at": "2025-01-07T12:00:00Z",
                "source": "layer",
                "layer": str(layer.uuid),
            },
        ],
        "gaps": [
            {"starts_at": "2025-01-06T00:00:00Z", "ends_at": "2025-01-06T09:00:00Z"},
            {"starts_at": "2025-01-06T17:00:00Z", "ends_at": "2025-01-07T09:00:00Z"},
        ],
    }


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        (
            {"start": "2025-01-07T00:00:00Z", "end": "2025-01-06T00:00:00Z"},
            {"end": ["The end must be after the start."]},
        ),
        (
            {"start": "2025-01-01T00:00:00Z", "end": "2025-06-01T00:00:00Z"},
            {"end": ["Ask for at most 93 days at a time."]},
        ),
    ],
)
def test_shifts_refuses_a_bad_window(api_client_for, org, schedule, params, fields):
    response = api_client_for(org, "viewer").get(f"{URL}payments-primary/shifts/", params)

    assert response.status_code == 400
    assert response.json() == invalid(**fields)


def test_responders_add_and_remove_overrides(api_client_for, org, schedule, alice, bob):
    client = api_client_for(org, "responder")
    starts = timezone.now().replace(microsecond=0) + timedelta(hours=1)

    created = client.post(
        f"{URL}payments-primary/overrides/",
        {
            "user": alice.email,
            "covers": str(bob.uuid),
            "starts_at": iso(starts),
            "ends_at": iso(starts + timedelta(hours=3)),
        },
        format="json",
    )
    listed = client.get(f"{URL}payments-primary/overrides/")
    override = ScheduleOverride.objects.get(organization=org)
    deleted = client.delete(f"{URL}payments-primary/overrides/{override.uuid}/")

    assert created.status_code == 201
    assert created.json() == {
        "id": str(override.uuid),
        "user": summary(alice),
        "covers": summary(bob),
        "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=3)),
        "created_by": None,
        "created_at": iso(override.created_at),
    }
    assert [o["id"] for o in listed.json()] == [str(override.uuid)]
    assert deleted.status_code == 204
    assert ScheduleOverride.objects.for_org(org).exists() is False


def test_viewers_cannot_add_overrides_and_outsiders_are_refused(api_client_for, org, schedule, alice, other_member):
    starts = timezone.now() + timedelta(hours=1)
    body = {"user": alice.email, "starts_at": iso(starts), "ends_at": iso(starts + timedelta(hours=1))}

    viewer = api_client_for(org, "viewer").post(f"{URL}payments-primary/overrides/", body, format="json")
    outsider = api_client_for(org, "responder").post(
        f"{URL}payments-primary/overrides/", {**body, "covers": other_member.user.email}, format="json"
    )
    backwards = api_client_for(org, "responder").post(
        f"{URL}payments-primary/overrides/", {**body, "ends_at": iso(starts - timedelta(hours=1))}, format="json"
    )

    assert viewer.status_code == 403
    assert outsider.json() == invalid(covers=["No member of this organization matches."])
    assert backwards.json() == invalid(ends_at=["The end must be after the start."])
    assert ScheduleOverride.objects.for_org(org).exists() is False


def test_another_orgs_token_gets_404_for_the_schedule_and_its_parts(api_client_for, org, other_org, schedule, alice):
    override = actions.override_create(
        schedule=schedule,
        actor=SYSTEM,
        user=alice,
        starts_at=timezone.now() + timedelta(hours=1),
        ends_at=timezone.now() + timedelta(hours=2),
    )
    layer = schedule.layers.get()
    client = api_client_for(other_org, "admin")

    answers = [
        client.get(f"{URL}payments-primary/").status_code,
        client.get(f"{URL}payments-primary/oncall/").status_code,
        client.get(f"{URL}payments-primary/shifts/").status_code,
        client.patch(f"{URL}payments-primary/layers/{layer.uuid}/", {"name": "x"}, format="json").status_code,
        client.delete(f"{URL}payments-primary/overrides/{override.uuid}/").status_code,
        client.delete(f"{URL}payments-primary/").status_code,
    ]

    assert answers == [404] * 6
    assert client.get(URL).json()["results"] == []
    assert ScheduleOverride.objects.filter(pk=override.pk).exists() is True

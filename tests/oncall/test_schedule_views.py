"""Schedule pages: the list (now/next, empty state), a schedule's timeline with gaps, the schedule, layer and
override editors ("I'll cover" prefilled from a shift), confirmations, "my on-call" with the calendar link,
and the iCal feeds (signed in, and public by secret URL). Viewers read, responders cover, admins manage."""

from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone
from icalendar import Calendar

from oncall import ical
from oncall.actions import schedules as actions
from oncall.models import (
    EscalationPolicy,
    EscalationStep,
    EscalationStepTarget,
    OncallProfile,
    Schedule,
    ScheduleLayer,
    ScheduleOverride,
)
from orgs.models import Membership, MembershipRole
from orgs.tenancy import Actor

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system()
BASE = "/o/acme/on-call/"
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def admin(org, owner, make_member):
    membership = make_member(org, MembershipRole.ADMIN, email="admin@acme.test")
    membership.user.full_name = "Ada Admin"
    membership.user.save(update_fields=["full_name"])
    return membership


@pytest.fixture
def responder(org, owner, make_member):
    membership = make_member(org, MembershipRole.RESPONDER, email="rhea@acme.test")
    membership.user.full_name = "Rhea Responder"
    membership.user.save(update_fields=["full_name"])
    return membership


@pytest.fixture
def viewer(org, owner, make_member):
    return make_member(org, MembershipRole.VIEWER, email="vic@acme.test")


@pytest.fixture
def schedule(org, admin, responder):
    """A London schedule whose only layer started yesterday: the responder is on call now, the admin next."""
    schedule = actions.schedule_create(
        organization=org, actor=SYSTEM, name="Payments primary", time_zone="Europe/London"
    )
    today = timezone.now().astimezone(LONDON).date()
    actions.layer_create(
        schedule=schedule,
        actor=SYSTEM,
        users=[responder.user, admin.user],
        name="Primary",
        rotation="weekly",
        handoff_time=time(0),
        start_date=today - timedelta(days=1),
    )
    return schedule


def messages_of(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request)]


# --- list and detail -------------------------------------------------------------------------------------


def test_list_shows_who_is_on_call_now_and_next(client_for, viewer, schedule):
    response = client_for(viewer).get(f"{BASE}schedules/")

    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="schedule-payments-primary"' in body
    assert "Rhea Responder" in body
    assert "Ada Admin" in body  # next
    assert "Create schedule" not in body  # viewers do not manage schedules


def test_list_without_schedules_says_what_to_do(client_for, admin):
    response = client_for(admin).get(f"{BASE}schedules/")

    body = response.content.decode()
    assert "No on-call schedule yet" in body
    assert f'href="{BASE}schedules/new/"' in body


def test_detail_draws_the_timeline_with_gaps_and_the_cover_links(client_for, responder, schedule, org):
    empty = actions.schedule_create(organization=org, actor=SYSTEM, name="Empty", time_zone="UTC")

    week_ago = timezone.now().astimezone(LONDON).date() - timedelta(days=7)
    response = client_for(responder).get(f"{BASE}schedules/payments-primary/?start={week_ago}")
    empty_page = client_for(responder).get(f"{BASE}schedules/empty/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "Times in Europe/London, the schedule's time zone" in body
    assert body.count('class="st-bar') >= 3  # the layer's row and the on-call row
    assert f"{BASE}schedules/payments-primary/overrides/new/?start=" in body  # a shift to cover
    assert "Gaps in coverage: nobody is on call 1 time in these two weeks" in body  # before the layer started
    assert "Nobody is ever on call on this schedule" in empty_page.content.decode()
    assert empty.slug == "empty"


def test_pages_of_another_org_are_404(client_for, other_member, schedule):
    client = client_for(other_member)
    layer = schedule.layers.get()

    answers = [
        client.get(f"{BASE}schedules/").status_code,
        client.get(f"{BASE}schedules/payments-primary/").status_code,
        client.get("/o/globex/on-call/schedules/payments-primary/").status_code,
        client.post(f"/o/globex/on-call/schedules/payments-primary/layers/{layer.uuid}/delete/").status_code,
    ]

    assert answers == [404, 404, 404, 404]
    assert ScheduleLayer.objects.filter(pk=layer.pk).exists() is True


# --- schedule and layer editors --------------------------------------------------------------------------


def test_admin_creates_a_schedule_and_is_sent_to_add_its_first_layer(client_for, admin, org):
    response = client_for(admin).post(
        f"{BASE}schedules/new/", {"name": "Web on-call", "time_zone": "America/New_York", "slug": ""}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{BASE}schedules/web-on-call/layers/new/"
    assert Schedule.objects.for_org(org).get().time_zone == "America/New_York"


def test_schedule_form_with_a_taken_slug_is_a_400_with_the_reason(client_for, admin, schedule, org):
    response = client_for(admin).post(f"{BASE}schedules/new/", {"name": "Payments primary", "time_zone": "UTC"})

    assert response.status_code == 400
    assert "A schedule with the slug “payments-primary” already exists." in response.content.decode()
    assert Schedule.objects.for_org(org).count() == 1


@pytest.mark.parametrize("role", ["viewer", "responder"])
def test_only_admins_edit_schedules_and_layers(client_for, request, schedule, role, org):
    client = client_for(request.getfixturevalue(role))
    layer = schedule.layers.get()

    answers = [
        client.post(f"{BASE}schedules/new/", {"name": "X", "time_zone": "UTC"}).status_code,
        client.post(f"{BASE}schedules/payments-primary/edit/", {"name": "X", "time_zone": "UTC"}).status_code,
        client.post(f"{BASE}schedules/payments-primary/delete/").status_code,
        client.get(f"{BASE}schedules/payments-primary/layers/new/").status_code,
        client.post(f"{BASE}schedules/payments-primary/layers/{layer.uuid}/delete/").status_code,
    ]

    assert answers == [403] * 5
    assert (Schedule.objects.for_org(org).get().name, ScheduleLayer.objects.for_org(org).count()) == (
        "Payments primary",
        1,
    )


def test_layer_form_saves_participants_in_order_with_a_preset_restriction(client_for, admin, responder, schedule):
    response = client_for(admin).post(
        f"{BASE}schedules/payments-primary/layers/new/",
        {
            "name": "Business hours",
            "rotation": "daily",
            "handoff_time": "08:00",
            "start_date": "2025-01-06",
            "preset": "business",
            "participant_1": str(admin.user.uuid),
            "participant_2": "",
            "participant_3": str(responder.user.uuid),
        },
    )

    layer = ScheduleLayer.objects.get(schedule=schedule, name="Business hours")
    assert response.status_code == 302
    assert [m.user for m in layer.members.order_by("position")] == [admin.user, responder.user]
    assert (layer.position, layer.restrictions) == (
        1,
        [{"weekdays": [0, 1, 2, 3, 4], "start": "08:00", "end": "18:00"}],
    )


def test_layer_form_with_a_custom_window_and_no_participant_is_a_400(client_for, admin, schedule):
    response = client_for(admin).post(
        f"{BASE}schedules/payments-primary/layers/new/",
        {
            "name": "Nights",
            "rotation": "weekly",
            "handoff_time": "20:00",
            "start_date": "2025-01-06",
            "preset": "custom",
            "custom_start": "22:00",
            "custom_end": "06:00",
        },
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert "Add at least one participant." in body
    assert "Pick the days this window applies on." in body
    assert ScheduleLayer.objects.filter(schedule=schedule).count() == 1


def test_layer_edit_shows_the_current_rotation_and_saves_a_custom_window(client_for, admin, responder, schedule):
    layer = schedule.layers.get()
    url = f"{BASE}schedules/payments-primary/layers/{layer.uuid}/edit/"

    page = client_for(admin).get(url)
    response = client_for(admin).post(
        url,
        {
            "name": "Primary",
            "rotation": "custom",
            "shift_hours": "12",
            "handoff_time": "07:00",
            "start_date": "2025-01-06",
            "preset": "custom",
            "custom_weekdays": ["5", "6"],
            "custom_start": "22:00",
            "custom_end": "06:00",
            "participant_1": str(responder.user.uuid),
        },
    )

    layer.refresh_from_db()
    assert page.status_code == 200
    assert f'value="{responder.user.uuid}" selected' in page.content.decode()
    assert response.status_code == 302
    assert (layer.rotation, layer.shift_hours, layer.restrictions) == (
        "custom",
        12,
        [{"weekdays": [5, 6], "start": "22:00", "end": "06:00"}],
    )
    assert [m.user for m in layer.members.all()] == [responder.user]


def test_delete_asks_first_then_refuses_while_a_policy_pages_the_schedule(client_for, admin, schedule, org):
    policy = EscalationPolicy.objects.create(organization=org, name="Payments escalation", slug="payments")
    step = EscalationStep.objects.create(organization=org, policy=policy, position=0)
    EscalationStepTarget.objects.create(organization=org, step=step, kind="schedule", schedule=schedule)
    client = client_for(admin)

    confirm = client.get(f"{BASE}schedules/payments-primary/delete/")
    refused = client.post(f"{BASE}schedules/payments-primary/delete/")

    assert "the escalation policies Payments escalation page it" in confirm.content.decode()
    assert refused.status_code == 302
    assert messages_of(refused) == [
        "Escalation policies page this schedule: Payments escalation. Change their steps first, so that no page "
        "goes nowhere."
    ]
    assert Schedule.objects.filter(pk=schedule.pk).exists() is True


# --- overrides -------------------------------------------------------------------------------------------


def test_ill_cover_is_two_clicks_prefilled_from_the_shift(client_for, responder, admin, schedule):
    # Given the admin's shift tomorrow, 18:00-22:00 London
    tomorrow = timezone.now().astimezone(LONDON).date() + timedelta(days=1)
    query = f"?start={tomorrow}T18:00&end={tomorrow}T22:00&covers={admin.user.uuid}"
    client = client_for(responder)

    # When the responder opens the prefilled form (click 1) and confirms it as it is (click 2)
    form = client.get(f"{BASE}schedules/payments-primary/overrides/new/{query}")
    confirmed = client.post(
        f"{BASE}schedules/payments-primary/overrides/new/",
        {
            "user": str(responder.user.uuid),
            "covers": str(admin.user.uuid),
            "starts_at": f"{tomorrow}T18:00",
            "ends_at": f"{tomorrow}T22:00",
        },
    )

    # Then the form was filled in, and the override is saved in the schedule's time zone
    body = form.content.decode()
    assert "Confirm: I&#x27;ll cover" in body or "Confirm: I'll cover" in body
    assert f'value="{tomorrow}T18:00"' in body
    assert f'<option value="{admin.user.uuid}" selected>' in body
    override = ScheduleOverride.objects.get(schedule=schedule)
    assert confirmed.status_code == 302
    assert (override.user, override.covers, override.created_by) == (responder.user, admin.user, responder.user)
    assert override.starts_at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M") == f"{tomorrow} 18:00"
    assert (override.ends_at - override.starts_at) == timedelta(hours=4)


def test_override_form_refuses_an_end_before_the_start_and_viewers(client_for, responder, viewer, schedule):
    data = {"user": str(responder.user.uuid), "starts_at": "2030-01-02T10:00", "ends_at": "2030-01-02T09:00"}

    refused = client_for(responder).post(f"{BASE}schedules/payments-primary/overrides/new/", data)
    viewer_answer = client_for(viewer).post(f"{BASE}schedules/payments-primary/overrides/new/", data)

    assert refused.status_code == 400
    assert "The end must be after the start." in refused.content.decode()
    assert viewer_answer.status_code == 403
    assert ScheduleOverride.objects.filter(schedule=schedule).exists() is False


def test_override_removal_asks_first(client_for, responder, admin, schedule):
    soon = timezone.now() + timedelta(days=1)
    override = actions.override_create(
        schedule=schedule,
        actor=SYSTEM,
        user=responder.user,
        covers=admin.user,
        starts_at=soon,
        ends_at=soon + timedelta(hours=2),
    )
    url = f"{BASE}schedules/payments-primary/overrides/{override.uuid}/delete/"
    client = client_for(responder)

    confirm = client.get(url)
    removed = client.post(url)

    assert confirm.status_code == 200
    assert "Remove override" in confirm.content.decode()
    assert removed.status_code == 302
    assert ScheduleOverride.objects.filter(pk=override.pk).exists() is False


# --- calendars and my on-call ----------------------------------------------------------------------------


def test_schedule_calendar_is_an_ics_of_its_shifts(client_for, viewer, schedule):
    response = client_for(viewer).get(f"{BASE}schedules/payments-primary/calendar.ics")

    calendar = Calendar.from_ical(response.content)
    summaries = sorted({str(e["SUMMARY"]) for e in calendar.walk("VEVENT")})
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert str(calendar["X-WR-CALNAME"]) == "On call: Payments primary"
    assert summaries == ["On call: Payments primary (Ada Admin)", "On call: Payments primary (Rhea Responder)"]


def test_my_oncall_lists_my_shifts_and_offers_a_calendar_link(client_for, responder, schedule):
    client = client_for(responder)

    page = client.get(f"{BASE}me/")
    created = client.post(f"{BASE}me/calendar-link/")

    body = page.content.decode()
    assert "You are on call now" in body
    assert "Payments primary" in body
    assert "Get my calendar link" in body
    assert created.status_code == 302
    assert OncallProfile.objects.filter(user=responder.user).count() == 1


def test_my_oncall_without_shifts_says_so(client_for, viewer, schedule):
    body = client_for(viewer).get(f"{BASE}me/").content.decode()

    assert "No on-call shifts in the next 28 days" in body


def test_public_feeds_work_without_sign_in_until_regenerated(client, org, responder, schedule):
    # Given the responder's secret feed URLs
    profile = actions.feed_regenerate(organization=org, user=responder.user, actor=SYSTEM)
    token = ical.feed_token(profile)

    # When a calendar app fetches them without signing in
    mine = client.get(f"/calendar/{token}/on-call.ics")
    whole = client.get(f"/calendar/{token}/schedules/{schedule.uuid}.ics")
    actions.feed_regenerate(organization=org, user=responder.user, actor=SYSTEM)
    stale = client.get(f"/calendar/{token}/on-call.ics")

    # Then they get the shifts, and the old URL is dead after a regeneration
    events = Calendar.from_ical(mine.content).walk("VEVENT")
    assert mine.status_code == 200
    assert {str(e["SUMMARY"]) for e in events} == {"On call: Payments primary (Rhea Responder)"}
    assert whole.status_code == 200
    assert stale.status_code == 404


def test_public_feed_refuses_tampered_tokens_other_orgs_schedules_and_former_members(
    client, org, other_org, responder, schedule
):
    token = ical.feed_token(actions.feed_regenerate(organization=org, user=responder.user, actor=SYSTEM))
    elsewhere = actions.schedule_create(organization=other_org, actor=SYSTEM, name="Globex primary")

    tampered = client.get(f"/calendar/{token[:-2]}xx/on-call.ics")
    foreign = client.get(f"/calendar/{token}/schedules/{elsewhere.uuid}.ics")
    Membership.objects.filter(organization=org, user=responder.user).delete()
    former = client.get(f"/calendar/{token}/on-call.ics")

    assert (tampered.status_code, foreign.status_code, former.status_code) == (404, 404, 404)


def test_my_oncall_shows_the_secret_url_once_created(client_for, responder, schedule, org):
    profile = actions.feed_regenerate(organization=org, user=responder.user, actor=SYSTEM)

    body = client_for(responder).get(f"{BASE}me/").content.decode()

    assert f"/calendar/{ical.feed_token(profile)}/on-call.ics" in body
    assert "Regenerate link" in body


def test_timeline_can_move_by_weeks_and_ignores_a_bad_start(client_for, viewer, schedule):
    client = client_for(viewer)
    today = timezone.now().astimezone(LONDON).date()
    monday = today + timedelta(days=7 - today.weekday())
    last = monday + timedelta(days=13)

    later = client.get(f"{BASE}schedules/payments-primary/?start={monday}")
    nonsense = client.get(f"{BASE}schedules/payments-primary/?start=9999-99-99")

    heading = f'<time datetime="{monday}">{monday:%b} {monday.day}, {monday.year}</time> \N{EN DASH} '
    assert heading + f'<time datetime="{last}">{last:%b} {last.day}, {last.year}</time>' in later.content.decode()
    first = f'<time datetime="{today}">{today:%b} {today.day}, {today.year}</time> \N{EN DASH} '
    assert first in nonsense.content.decode()

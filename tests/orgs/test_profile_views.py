"""The profile page: a person sets their name and the time zone every page shows times in."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError

from orgs import actions
from orgs.models import User

pytestmark = pytest.mark.django_db

URL = "/accounts/profile/"


def test_page_offers_the_automatic_zone_and_shows_the_current_one(member, client_for):
    User.objects.filter(pk=member.user.pk).update(time_zone="Asia/Tokyo")

    html = client_for(member).get(URL).content.decode()

    assert '<option value="">Automatic: this browser&#x27;s time zone</option>' in html
    assert '<option value="Asia/Tokyo" selected>Asia/Tokyo</option>' in html
    assert '<meta name="firebreak-tz" content="Asia/Tokyo">' in html


def test_saving_a_zone_puts_it_on_every_page(member, client_for):
    client = client_for(member)

    response = client.post(URL, {"full_name": "  Ada Lovelace ", "time_zone": "America/New_York"})

    assert response.status_code == 302
    assert response["Location"] == URL
    user = User.objects.get(pk=member.user.pk)
    assert (user.full_name, user.time_zone) == ("Ada Lovelace", "America/New_York")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Profile saved. Times are shown in America/New York."
    ]
    page = client.get(f"/o/{member.organization.slug}/").content.decode()
    assert '<meta name="firebreak-tz" content="America/New_York">' in page


def test_automatic_clears_the_zone(member, client_for):
    User.objects.filter(pk=member.user.pk).update(time_zone="Europe/Paris")

    response = client_for(member).post(URL, {"full_name": "Ada", "time_zone": ""})

    assert response.status_code == 302
    assert User.objects.get(pk=member.user.pk).time_zone == ""
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Profile saved. Times are shown in this browser's time zone."
    ]


def test_a_zone_that_does_not_exist_is_refused_and_nothing_is_saved(member, client_for):
    User.objects.filter(pk=member.user.pk).update(full_name="Ada", time_zone="Europe/Paris")

    response = client_for(member).post(URL, {"full_name": "Changed", "time_zone": "Mars/Olympus_Mons"})

    assert response.status_code == 400
    assert "Select a valid choice. Mars/Olympus_Mons is not one of the available choices." in (
        response.content.decode()
    )
    user = User.objects.get(pk=member.user.pk)
    assert (user.full_name, user.time_zone) == ("Ada", "Europe/Paris")


def test_the_preview_shows_now_in_the_one_format(member, client_for):
    with time_machine.travel(datetime(2026, 12, 6, 20, 55, 3, tzinfo=UTC), tick=False):
        html = client_for(member).get(URL).content.decode()

    assert (
        'Now: <time datetime="2026-12-06T20:55:03Z" data-time="datetime" title="2026-12-06 20:55:03 UTC">'
        "Dec 6, 20:55 UTC</time>"
    ) in html


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={URL}"


def test_the_action_refuses_an_unknown_zone_on_its_field(member):
    with pytest.raises(ValidationError) as refused:
        actions.user_profile_update(user=member.user, full_name="Ada", time_zone="Nowhere/Land")

    message = "“Nowhere/Land” is not a time zone name (for example Europe/London)."
    assert refused.value.message_dict == {"time_zone": [message]}


def test_every_page_links_to_the_profile(member, client_for):
    html = client_for(member).get(f"/o/{member.organization.slug}/").content.decode()

    assert f'<a href="{URL}">Profile</a>' in html

"""An integration's key is shown exactly once: create and regenerate answer 303 to the key page, which shows
the key on its first read only, so a refresh neither creates a second integration nor shows the key again."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from alerting import actions
from alerting.models import Integration
from orgs.models import MembershipRole
from orgs.tenancy import Actor
from services import actions as service_actions
from services.models import Service

pytestmark = pytest.mark.django_db

KEY = re.compile(r'<code id="integration-key">([0-9a-f]{32})</code>')
SYSTEM = Actor.system()
NOW = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)


@pytest.fixture
def admin_client(org, make_member, client_for):
    service_actions.service_create(organization=org, actor=SYSTEM, name="Payments", tier=1)
    return client_for(make_member(org, MembershipRole.ADMIN, email="ada@acme.test"))


def create(client, org, name="Prometheus prod"):
    return client.post(
        f"/o/{org.slug}/alerts/integrations/new/",
        {"name": name, "kind": "alertmanager", "service": "payments", "rate_limit_per_minute": "600"},
    )


def test_post_then_refresh_creates_one_integration_and_shows_the_key_once(org, admin_client):
    posted = create(admin_client, org)
    first = admin_client.get(posted["Location"])
    refreshed = admin_client.get(posted["Location"])

    integration = Integration.objects.get()
    (key,) = KEY.findall(first.content.decode())
    assert posted.status_code == 303
    assert posted["Location"] == f"/o/{org.slug}/alerts/integrations/{integration.uuid}/key/"
    assert actions.integration_authenticate(key=key) == integration
    assert "“Prometheus prod” is ready" in first.content.decode()
    assert refreshed.status_code == 200
    assert KEY.findall(refreshed.content.decode()) == []
    assert key not in refreshed.content.decode()
    assert "The key was already shown." in refreshed.content.decode()
    assert f"/o/{org.slug}/alerts/integrations/{integration.uuid}/regenerate/" in refreshed.content.decode()
    assert Integration.objects.count() == 1


def test_each_new_integration_shows_its_own_key(org, admin_client):
    first = create(admin_client, org, "One")
    second = create(admin_client, org, "Two")

    (two,) = KEY.findall(admin_client.get(second["Location"]).content.decode())
    (one,) = KEY.findall(admin_client.get(first["Location"]).content.decode())

    assert actions.integration_authenticate(key=one) == Integration.objects.get(name="One")
    assert actions.integration_authenticate(key=two) == Integration.objects.get(name="Two")


def test_a_key_page_opened_after_ten_minutes_does_not_show_the_key(org, admin_client):
    with time_machine.travel(NOW, tick=False):
        posted = create(admin_client, org)
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        late = admin_client.get(posted["Location"])

    assert KEY.findall(late.content.decode()) == []
    assert "The key was already shown." in late.content.decode()


def test_the_key_is_not_kept_in_the_session_after_it_was_shown(org, admin_client):
    posted = create(admin_client, org)
    (key,) = KEY.findall(admin_client.get(posted["Location"]).content.decode())

    assert key not in str(dict(admin_client.session))


def test_regenerate_goes_to_the_key_page_and_a_refresh_does_not_regenerate_again(org, admin_client):
    integration, old = actions.integration_create(
        organization=org, service=Service.objects.get(), name="PD", kind="pagerduty_v2", actor=SYSTEM
    )
    url = f"/o/{org.slug}/alerts/integrations/{integration.uuid}/"

    posted = admin_client.post(f"{url}regenerate/")
    (new,) = KEY.findall(admin_client.get(posted["Location"]).content.decode())
    refreshed = admin_client.get(posted["Location"])

    assert (posted.status_code, posted["Location"]) == (303, f"{url}key/")
    assert actions.integration_authenticate(key=old) is None
    assert actions.integration_authenticate(key=new) == integration
    assert KEY.findall(refreshed.content.decode()) == []


def test_the_key_page_of_another_orgs_integration_is_a_404(org, other_org, admin_client, make_member, client_for):
    posted = create(admin_client, org)
    outsider = client_for(make_member(other_org, MembershipRole.OWNER, email="boss@globex.test"))

    answer = outsider.get(posted["Location"])
    (key,) = KEY.findall(admin_client.get(posted["Location"]).content.decode())

    assert answer.status_code == 404
    assert actions.integration_authenticate(key=key) == Integration.objects.get()

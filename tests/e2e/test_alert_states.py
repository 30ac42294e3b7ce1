"""A silence that ends while the queue is open: the row said "Silenced until …" and nothing is pushed when the
silence ends, yet the page shows "Paging on-call" again on time, by itself (static/js/firebreak-alerts.js)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from alerting import actions
from alerting.events import InboundEvent
from alerting.models import AlertGroup, PagingStatus
from orgs.models import MembershipRole, Organization
from orgs.tenancy import Actor
from services import actions as service_actions
from tests.e2e.conftest import browser, page, sign_in  # noqa: F401 - the e2e fixtures, used here too
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_queue_shows_paging_again_when_the_silence_ends(page, live_server):  # noqa: F811
    from playwright.sync_api import expect

    org = Organization.objects.create(name="Acme", slug="acme")
    user = UserFactory(email="rhea@acme.test")
    MembershipFactory(organization=org, user=user, role=MembershipRole.RESPONDER)
    service = service_actions.service_create(organization=org, actor=Actor.system(), name="Payments")
    integration, _ = actions.integration_create(
        organization=org, service=service, name="PagerDuty", kind="pagerduty_v2", actor=Actor.system()
    )
    group = actions.alert_ingest(
        integration=integration,
        event=InboundEvent(action="trigger", dedup_key="db-cpu", summary="DB CPU high", severity="critical"),
    ).group
    AlertGroup.objects.filter(pk=group.pk).update(paging_status=PagingStatus.PAGING)

    sign_in(page, "rhea@acme.test", "correct-horse-battery")
    actions.alert_group_silence(group=group, until=timezone.now() + timedelta(seconds=6), actor=Actor(user=user))
    page.goto("/o/acme/alerts/")
    row = page.locator("#alert-rows > tr").first
    silenced, paging = row.locator(".alert-silenced"), row.locator(".alert-paging")

    expect(silenced).to_be_visible()
    expect(silenced).to_contain_text("Silenced until")
    expect(paging).to_be_hidden()

    expect(paging).to_be_visible(timeout=12_000)
    expect(silenced).to_be_hidden()

    page.goto(f"/o/acme/alerts/{group.uuid}/")  # the group's page after the silence: paging only
    expect(page.locator(".badge-paging")).to_be_visible()
    expect(page.locator(".badge-silenced")).to_have_count(0)

"""A silenced group that is being paged shows one truthful state: "Silenced until …" while the silence lasts (the
escalation waits for it), "Paging on-call" again once it ends — in the queue row, on the group's page and in the
row pushed to open queues. The page flips on time by itself: the paging note carries the silence's end."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.template.loader import render_to_string

from alerting import actions, selectors
from alerting.events import InboundEvent
from alerting.models import AlertGroup, PagingStatus
from orgs.tenancy import Actor
from services import actions as service_actions

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
UNTIL = NOW + timedelta(minutes=30)
SILENCED = f'<div class="alert-note alert-silenced" data-hides-at="{UNTIL.isoformat()}">Silenced until '
PAGING_HELD = f'<div class="alert-note alert-paging" data-shows-at="{UNTIL.isoformat()}" hidden>Paging on-call</div>'
PAGING = '<div class="alert-note alert-paging">Paging on-call</div>'


@pytest.fixture
def group(org, owner) -> AlertGroup:
    service = service_actions.service_create(organization=org, actor=Actor.system(), name="Payments")
    integration, _ = actions.integration_create(
        organization=org, service=service, name="PagerDuty", kind="pagerduty_v2", actor=Actor.system()
    )
    with time_machine.travel(NOW, tick=False):
        found = actions.alert_ingest(
            integration=integration,
            event=InboundEvent(action="trigger", dedup_key="db-cpu", summary="DB CPU high", severity="critical"),
        ).group
        actions.alert_group_silence(group=found, until=UNTIL, actor=Actor(user=owner.user))
    AlertGroup.objects.filter(pk=found.pk).update(paging_status=PagingStatus.PAGING)
    return AlertGroup.objects.get(pk=found.pk)


def pushed_row(group: AlertGroup) -> str:
    fresh = selectors.alert_group_queryset().get(pk=group.pk)
    counts = selectors.alert_queue_counts(organization=fresh.organization)
    return render_to_string("alerting/partials/_live_group_row.html", {"group": fresh, "counts": counts})


def state_cell(html: str) -> str:
    return re.search(r'<td class="alert-state">(.*?)</td>', html, re.S).group(1)


def test_while_silenced_the_row_says_silenced_and_holds_the_paging_note_until_the_silence_ends(
    group, org, owner, client_for
):
    client = client_for(owner)
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        queue = client.get(f"/o/{org.slug}/alerts/").content.decode()
        page = client.get(f"/o/{org.slug}/alerts/{group.uuid}/").content.decode()
        pushed = pushed_row(group)

    for html in (queue, pushed):
        cell = state_cell(html)
        assert SILENCED in cell
        assert PAGING_HELD in cell
        assert PAGING not in cell
    assert f'<span class="badge badge-paging" data-shows-at="{UNTIL.isoformat()}" hidden>Paging on-call</span>' in page
    assert f'<span data-hides-at="{UNTIL.isoformat()}">Held by the silence until <time' in page
    assert f'<span data-shows-at="{UNTIL.isoformat()}" hidden>Pending</span>' in page  # the next step, after it


def test_once_the_silence_has_ended_the_row_says_paging_again(group, org, owner, client_for):
    client = client_for(owner)
    with time_machine.travel(UNTIL + timedelta(seconds=1), tick=False):
        queue = client.get(f"/o/{org.slug}/alerts/").content.decode()
        page = client.get(f"/o/{org.slug}/alerts/{group.uuid}/").content.decode()
        pushed = pushed_row(group)

    for html in (queue, pushed):
        cell = state_cell(html)
        assert PAGING in cell
        assert "Silenced until" not in cell
    assert '<span class="badge badge-paging">Paging on-call</span>' in page
    assert "Silenced until" not in page.split('<div class="incident-badges">')[1].split("</div>")[0]
    assert "Held by the silence" not in page

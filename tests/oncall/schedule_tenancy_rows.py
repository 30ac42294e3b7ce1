"""Org A's schedule rows for tests/orgs/test_tenancy.py (merged by tests/oncall/tenancy_rows.py).

`build(a)` returns objects stored in `a.extra`; the lookups read them back from there.
"""

from collections.abc import Callable
from datetime import time, timedelta
from typing import Any

from django.utils import timezone

from oncall.actions import schedules as schedule_actions
from orgs.tenancy import Actor


def _schedule(a: Any) -> dict[str, str]:
    return {"slug": a.extra["schedule"].slug}


def _layer(a: Any) -> dict[str, str]:
    return {"slug": a.extra["schedule"].slug, "uuid": str(a.extra["schedule_layer"].uuid)}


def _override(a: Any) -> dict[str, str]:
    return {"slug": a.extra["schedule"].slug, "uuid": str(a.extra["schedule_override"].uuid)}


ROUTE_LOOKUPS: dict[str, Callable[[Any], dict[str, str]]] = {
    "schedule": lambda a: {
        "slug": a.extra["schedule"].slug,
        "layer_id": str(a.extra["schedule_layer"].uuid),
        "override_id": str(a.extra["schedule_override"].uuid),
    },
}
PAGE_LOOKUPS: dict[str, Callable[[Any], dict[str, str]]] = {
    "oncall:schedule-list": lambda a: {},
    "oncall:schedule-create": lambda a: {},
    "oncall:my-oncall": lambda a: {},
    "oncall:my-oncall-feed": lambda a: {},
    **{
        f"oncall:{name}": _schedule
        for name in (
            "schedule-detail",
            "schedule-update",
            "schedule-delete",
            "schedule-calendar",
            "layer-create",
            "override-create",
        )
    },
    **{f"oncall:layer-{name}": _layer for name in ("update", "delete", "move")},
    "oncall:override-delete": _override,
}


def build(a: Any) -> dict[str, Any]:
    """Org A's schedule with a layer (someone on call now), a future override and the owner's calendar feed."""
    system = Actor.system()
    schedule = schedule_actions.schedule_create(
        organization=a.organization,
        actor=system,
        name="Acme Primary",
        slug="acme-primary",
        time_zone="Europe/London",
        owner_team=a.team,
    )
    today = timezone.now().date()
    layer = schedule_actions.layer_create(
        schedule=schedule,
        actor=system,
        users=[a.owner.user, a.second_member.user],
        name="Acme rotation",
        rotation="daily",
        handoff_time=time(9),
        start_date=today - timedelta(days=2),
    )
    soon = timezone.now() + timedelta(days=1)
    override = schedule_actions.override_create(
        schedule=schedule,
        actor=system,
        user=a.second_member.user,
        covers=a.owner.user,
        starts_at=soon,
        ends_at=soon + timedelta(hours=4),
    )
    profile = schedule_actions.feed_regenerate(organization=a.organization, user=a.owner.user, actor=system)
    return {"schedule": schedule, "schedule_layer": layer, "schedule_override": override, "oncall_profile": profile}

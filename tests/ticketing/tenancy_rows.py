"""Org A's rows of the ticketing app for tests/orgs/test_tenancy.py, and the lookups naming them.

`build(a)` runs at the end of the org_a fixture and returns objects stored in `a.extra`; the lookups
read them back from there (`a.extra["..."]`).
"""

from collections.abc import Callable
from datetime import date
from typing import Any

from orgs.tenancy import Actor
from ticketing import actions

ROUTE_LOOKUPS: dict[str, Callable[[Any], dict[str, str]]] = {
    "follow-up": lambda a: {"number": str(a.extra["follow_up"].number)},
}
PAGE_LOOKUPS: dict[str, Callable[[Any], dict[str, str]]] = {
    **{
        f"ticketing:follow-up-{name}": lambda a: {"number": str(a.extra["follow_up"].number)}
        for name in ("detail", "update", "status", "delete")
    },
    "ticketing:follow-up-add-to-incident": lambda a: {"number": str(a.incident.number)},
}


def build(a: Any) -> dict[str, Any]:
    """Create org A's rows of this app (every model the API or pages expose needs one)."""
    follow_up = actions.follow_up_create(
        organization=a.organization,
        actor=Actor(user=a.owner.user),
        title="Add acme ledger disk alerts",
        owner=a.second_member.user,
        due_date=date(2030, 1, 15),
        incident=a.incident,
    )
    return {"follow_up": follow_up}

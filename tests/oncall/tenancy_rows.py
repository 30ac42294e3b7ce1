"""Org A's rows of the oncall app for tests/orgs/test_tenancy.py: schedules first, then policies."""

from typing import Any

from tests.oncall import policy_tenancy_rows, schedule_tenancy_rows

ROUTE_LOOKUPS = {**schedule_tenancy_rows.ROUTE_LOOKUPS, **policy_tenancy_rows.ROUTE_LOOKUPS}
PAGE_LOOKUPS = {**schedule_tenancy_rows.PAGE_LOOKUPS, **policy_tenancy_rows.PAGE_LOOKUPS}


def build(a: Any) -> dict[str, Any]:
    """Schedule rows, then policy rows (which may use the schedules through a.extra)."""
    a.extra.update(schedule_tenancy_rows.build(a))
    return policy_tenancy_rows.build(a)

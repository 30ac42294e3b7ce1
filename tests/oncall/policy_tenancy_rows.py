"""Org A's policy rows for tests/orgs/test_tenancy.py (merged by tests/oncall/tenancy_rows.py).

`build(a)` returns objects stored in `a.extra`; the lookups read them back from there.
"""

from collections.abc import Callable
from typing import Any

ROUTE_LOOKUPS: dict[str, Callable[[Any], dict[str, str]]] = {}
PAGE_LOOKUPS: dict[str, Callable[[Any], dict[str, str]]] = {}


def build(a: Any) -> dict[str, Any]:
    """Create org A's policy rows (every model the API or pages expose needs one)."""
    return {}

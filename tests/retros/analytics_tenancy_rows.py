"""Org A's rows of the retros app for tests/orgs/test_tenancy.py, and the lookups naming them.

`build(a)` runs at the end of the org_a fixture and returns objects stored in `a.extra`; the lookups
read them back from there (`a.extra["..."]`).
"""

from collections.abc import Callable
from typing import Any

ROUTE_LOOKUPS: dict[str, Callable[[Any], dict[str, str]]] = {}
PAGE_LOOKUPS: dict[str, Callable[[Any], dict[str, str]]] = {}


def build(a: Any) -> dict[str, Any]:
    """Create org A's rows of this app (every model the API or pages expose needs one)."""
    return {}

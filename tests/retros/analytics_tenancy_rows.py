"""Org A's rows for the analytics pages and API in tests/orgs/test_tenancy.py, and the lookups naming them.

Analytics has no models of its own: the figures are computed from org A's incident (built by the walker's
org_a fixture). Neither the pages (the dashboard, one CSV URL per chart) nor the API routes take identifiers.
"""

from collections.abc import Callable
from typing import Any

ROUTE_LOOKUPS: dict[str, Callable[[Any], dict[str, str]]] = {}
PAGE_LOOKUPS: dict[str, Callable[[Any], dict[str, str]]] = {}


def build(a: Any) -> dict[str, Any]:
    """Nothing to create: org A's incident, service and team are what analytics count."""
    return {}

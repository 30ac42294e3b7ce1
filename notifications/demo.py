"""Demo data of the notifications app for `seed_demo` (idempotent)."""

from orgs.models import Organization


def seed_demo(*, organization: Organization) -> None:
    """Add this app's demo rows to the demo organization; running it twice changes nothing."""

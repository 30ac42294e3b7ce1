"""Demo schedule data for seed_demo (idempotent)."""

from orgs.models import Organization


def seed_demo(*, organization: Organization) -> None:
    """Add the demo org's schedule rows; running it twice changes nothing."""

"""Demo data of the oncall app for `seed_demo` (idempotent): schedules first, then the policies using them."""

from oncall import policy_demo, schedule_demo
from orgs.models import Organization

DEMO_ORDER = 50  # schedules and policies before the alerts that page through them (core.demo)


def seed_demo(*, organization: Organization) -> None:
    """Schedules with rotations and an override, then a policy on every service."""
    schedule_demo.seed_demo(organization=organization)
    policy_demo.seed_demo(organization=organization)

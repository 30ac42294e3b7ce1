"""The oncall app's API routes, registered on the /api/v1/ router by config/api_urls.py."""

from rest_framework.routers import DefaultRouter

from oncall.api import policy_routes, schedule_routes


def register(router: DefaultRouter) -> None:
    """Register the schedule and escalation policy viewsets."""
    schedule_routes.register(router)
    policy_routes.register(router)

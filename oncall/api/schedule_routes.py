"""Schedule API routes, registered by oncall/api/routes.py."""

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    """Register the schedule viewsets."""

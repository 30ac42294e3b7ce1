"""The analytics API routes (/api/v1/analytics/...), registered by retros/api/routes.py."""

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    """Register the analytics viewsets."""

"""The analytics API routes (/api/v1/analytics/...), registered by retros/api/routes.py."""

from rest_framework.routers import DefaultRouter

from retros.api.analytics_views import AnalyticsViewSet


def register(router: DefaultRouter) -> None:
    """Register the analytics viewsets."""
    router.register("analytics", AnalyticsViewSet, basename="analytics")

"""The analytics API routes (/api/v1/analytics/...), registered by retros/api/routes.py with the retros app's."""

from rest_framework.routers import DefaultRouter

from retros.analytics.api.views import AnalyticsViewSet


def register(router: DefaultRouter) -> None:
    """Register the analytics viewsets."""
    router.register("analytics", AnalyticsViewSet, basename="analytics")

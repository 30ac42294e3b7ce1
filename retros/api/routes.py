"""The retros app's API routes, registered on the /api/v1/ router by config/api_urls.py."""

from rest_framework.routers import DefaultRouter

from retros.analytics.api import routes as analytics_routes
from retros.api import views


def register(router: DefaultRouter) -> None:
    """Register this app's viewsets (basename = the ROUTE_LOOKUPS key in tests/retros/tenancy_rows.py)."""
    router.register("retrospectives", views.RetrospectiveViewSet, basename="retrospective")
    router.register("retro-templates", views.RetroTemplateViewSet, basename="retro-template")
    router.register("contributing-factors", views.ContributingFactorViewSet, basename="contributing-factor")
    analytics_routes.register(router)

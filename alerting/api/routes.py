"""The alerting app's API routes, registered on the /api/v1/ router by config/api_urls.py."""

from rest_framework.routers import DefaultRouter

from alerting.api import views


def register(router: DefaultRouter) -> None:
    """Register this app's viewsets (basename = the ROUTE_LOOKUPS key in tests/orgs/test_tenancy.py)."""
    router.register("integrations", views.IntegrationViewSet, basename="integration")
    router.register("alert-groups", views.AlertGroupViewSet, basename="alert-group")
    router.register("alerts", views.AlertViewSet, basename="alert")

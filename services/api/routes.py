"""The services app's API routes, registered on the /api/v1/ router by config/api_urls.py."""

from rest_framework.routers import DefaultRouter

from services.api import views


def register(router: DefaultRouter) -> None:
    """Register this app's viewsets (basename = the ROUTE_LOOKUPS key in tests/orgs/test_tenancy.py)."""
    router.register("services", views.ServiceViewSet, basename="service")

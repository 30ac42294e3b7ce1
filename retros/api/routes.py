"""The retros app's API routes, registered on the /api/v1/ router by config/api_urls.py."""

from rest_framework.routers import DefaultRouter

from retros.api import analytics_routes


def register(router: DefaultRouter) -> None:
    """Register this app's viewsets (basename = the ROUTE_LOOKUPS key in tests/retros/tenancy_rows.py)."""
    analytics_routes.register(router)

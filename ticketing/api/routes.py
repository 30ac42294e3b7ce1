"""The ticketing app's API routes, registered on the /api/v1/ router by config/api_urls.py."""

from rest_framework.routers import DefaultRouter

from ticketing.api import views


def register(router: DefaultRouter) -> None:
    """Register this app's viewsets (basename = the ROUTE_LOOKUPS key in tests/ticketing/tenancy_rows.py)."""
    router.register("follow-ups", views.FollowUpViewSet, basename="follow-up")

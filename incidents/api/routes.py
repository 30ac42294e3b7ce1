"""The incidents app's API routes, registered on the /api/v1/ router by config/api_urls.py."""

from rest_framework.routers import DefaultRouter

from incidents.api import views


def register(router: DefaultRouter) -> None:
    """Register this app's viewsets (basename = the ROUTE_LOOKUPS key in tests/orgs/test_tenancy.py)."""
    router.register("incidents", views.IncidentViewSet, basename="incident")
    router.register("severities", views.SeverityViewSet, basename="severity")
    router.register("incident-roles", views.IncidentRoleViewSet, basename="incident-role")
    router.register("incident-types", views.IncidentTypeViewSet, basename="incident-type")

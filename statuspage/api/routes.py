"""The statuspage app's API routes, registered on the /api/v1/ router by config/api_urls.py."""

from rest_framework.routers import DefaultRouter

from statuspage.api import stakeholders, views


def register(router: DefaultRouter) -> None:
    """Register this app's viewsets (basename = the ROUTE_LOOKUPS key in tests/statuspage/tenancy_rows.py)."""
    router.register("status-pages", views.StatusPageViewSet, basename="status-page")
    router.register("status-page-component-groups", views.ComponentGroupViewSet, basename="status-page-component-group")
    router.register("status-page-components", views.ComponentViewSet, basename="status-page-component")
    router.register("maintenances", views.MaintenanceViewSet, basename="maintenance")
    router.register("public-incidents", views.PublicIncidentViewSet, basename="public-incident")
    router.register("status-page-subscribers", views.SubscriberViewSet, basename="status-page-subscriber")
    router.register("audiences", stakeholders.AudienceViewSet, basename="audience")
    router.register("stakeholder-updates", stakeholders.StakeholderUpdateViewSet, basename="stakeholder-update")

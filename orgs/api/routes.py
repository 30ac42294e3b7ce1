"""The orgs app's API routes, registered on the /api/v1/ router by config/api_urls.py."""

from rest_framework.routers import DefaultRouter

from orgs.api import views


def register(router: DefaultRouter) -> None:
    """Register this app's viewsets (basename = the ROUTE_LOOKUPS key in tests/orgs/test_tenancy.py)."""
    router.register("teams", views.TeamViewSet, basename="team")
    router.register("members", views.MemberViewSet, basename="member")
    router.register("invitations", views.InvitationViewSet, basename="invitation")
    router.register("api-tokens", views.ApiTokenViewSet, basename="api-token")
    router.register("audit-events", views.AuditEventViewSet, basename="audit-event")

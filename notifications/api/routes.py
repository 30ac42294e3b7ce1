"""The notifications app's API routes, registered on the /api/v1/ router by config/api_urls.py."""

from rest_framework.routers import DefaultRouter

from notifications.api import views


def register(router: DefaultRouter) -> None:
    """Register this app's viewsets (basename = the ROUTE_LOOKUPS key in tests/notifications/tenancy_rows.py)."""
    router.register("contact-methods", views.ContactMethodViewSet, basename="contact-method")
    router.register("notification-rules", views.NotificationRuleViewSet, basename="notification-rule")
    router.register("notifications", views.NotificationViewSet, basename="notification")

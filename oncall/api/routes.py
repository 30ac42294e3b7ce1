"""The oncall app's API routes, registered on the /api/v1/ router by config/api_urls.py."""

from rest_framework.routers import DefaultRouter

from oncall.api import views


def register(router: DefaultRouter) -> None:
    """Register this app's viewsets: schedules, escalation policies and manual paging."""
    router.register("schedules", views.ScheduleViewSet, basename="schedule")
    router.register("escalation-policies", views.EscalationPolicyViewSet, basename="escalation-policy")
    router.register("pages", views.PageViewSet, basename="page")

"""Schedule API routes, registered by oncall/api/routes.py."""

from rest_framework.routers import DefaultRouter

from oncall.api import schedule_views


def register(router: DefaultRouter) -> None:
    """Register the schedule viewset at /api/v1/schedules/."""
    router.register("schedules", schedule_views.ScheduleViewSet, basename="schedule")

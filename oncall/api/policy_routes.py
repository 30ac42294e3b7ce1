"""Policy API routes, registered by oncall/api/routes.py."""

from rest_framework.routers import DefaultRouter

from oncall.api import policy_views


def register(router: DefaultRouter) -> None:
    """Register the escalation policy and manual paging viewsets."""
    router.register("escalation-policies", policy_views.EscalationPolicyViewSet, basename="escalation-policy")
    router.register("pages", policy_views.PageViewSet, basename="page")

"""API viewsets of the oncall app, one module per topic, re-exported here (STYLE.md §1): `schedules` (schedules,
layers, overrides, shifts and who is on call) and `policies` (escalation policies and manual paging); api/routes.py
registers them."""

from oncall.api.views.policies import EscalationPolicyViewSet, PageViewSet
from oncall.api.views.schedules import ScheduleViewSet

__all__ = [
    "EscalationPolicyViewSet",
    "PageViewSet",
    "ScheduleViewSet",
]

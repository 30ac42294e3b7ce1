"""What the oncall app adds to the pages of the service catalog (services, a layer below), through core.panels:
context contributions (core.panels.context_register) that the catalog's views merge into their own context with
core.panels.contexts, so that the catalog shows who is on call without importing oncall.

* a service's page: who the first step of its policy would page now (`oncall_now`);
* the ownership hygiene page: the services nobody would be paged for (`unpaged`) and the schedules with nobody on
  call in the next HYGIENE_GAP_DAYS days (`schedule_gaps`, `gap_days`).
"""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from core import panels
from oncall.selectors import policies as policy_selectors
from services.models import Service

SERVICE_PAGING = "service-paging"  # services.views.SERVICE_PAGING
HYGIENE_PAGING = "hygiene-paging"  # services.views.HYGIENE_PAGING


def service_paging_context(request: HttpRequest, service: Service) -> dict[str, Any]:
    return {"oncall_now": policy_selectors.service_oncall_now(service=service, at=timezone.now())}


def hygiene_paging_context(request: HttpRequest) -> dict[str, Any]:
    organization, now = request.organization, timezone.now()
    return {
        "unpaged": policy_selectors.services_unreachable(organization=organization, at=now),
        "schedule_gaps": policy_selectors.schedules_with_gaps(organization=organization, start=now),
        "gap_days": policy_selectors.HYGIENE_GAP_DAYS,
    }


def register() -> None:
    panels.context_register(SERVICE_PAGING, "oncall", service_paging_context)
    panels.context_register(HYGIENE_PAGING, "oncall", hygiene_paging_context)

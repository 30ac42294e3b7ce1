"""The alerting app's sections on lower apps' pages (core.panels), registered in AlertingConfig.ready()."""

from typing import Any

from django.http import HttpRequest

from core import panels
from services.models import Service


def service_alerts_context(request: HttpRequest, *, service: Service, **_: Any) -> dict[str, Any]:
    """The service page: its open alert groups and a link to its alert queue."""
    return {"service": service, "org_slug": request.organization.slug}


def register() -> None:
    panels.panel_register(
        panels.SERVICE, "alerts", 20, "alerting/partials/_service_alerts.html", service_alerts_context
    )

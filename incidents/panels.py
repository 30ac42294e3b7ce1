"""The incidents app's sections on lower apps' pages (core.panels), registered in IncidentsConfig.ready()."""

from typing import Any

from django.http import HttpRequest

from core import panels
from incidents import selectors
from services.models import Service


def service_incidents_context(request: HttpRequest, *, service: Service, **_: Any) -> dict[str, Any]:
    """The service page: its open incidents (worst first), then the most recent closed ones."""
    return {"incidents": selectors.service_incidents(service=service), "service": service}


def register() -> None:
    panels.panel_register(
        panels.SERVICE, "incidents", 10, "incidents/partials/_service_incidents.html", service_incidents_context
    )

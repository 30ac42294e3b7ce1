"""The service catalog's sections on other apps' pages (core.panels), registered in ServicesConfig.ready()."""

from typing import Any

from django.http import HttpRequest

from core import panels
from orgs.models import Team
from orgs.permissions import ADMIN
from services import selectors


def team_services_context(request: HttpRequest, *, team: Team, **_: Any) -> dict[str, Any]:
    """The team page: the services it owns."""
    return {
        "team": team,
        "services": selectors.team_services(team=team),
        "can_manage": request.membership.has_role(ADMIN),
    }


def register() -> None:
    panels.panel_register(panels.TEAM, "services", 10, "services/partials/_team_services.html", team_services_context)

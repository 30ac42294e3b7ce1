"""The org home page (/o/<org>/): the `core.panels` page "home".

The home page lives in `orgs` (layer 2), but what it shows belongs to higher apps: open incidents,
alerts waiting, who is on call, my tasks and follow-ups. Each of those apps registers its own panels here
from its `AppConfig.ready()`, reading through its own selectors; the home view renders whatever is
registered, in order (see core/panels.py, which other pages use the same way).

A panel is a template plus a `context(request)` function returning the template's context, or
None to leave the panel out for this request.
"""

from django.http import HttpRequest

from core import panels
from core.panels import Panel as HomePanel
from core.panels import PanelContext, RenderedPanel

__all__ = ["HomePanel", "RenderedPanel", "home_panel_list", "home_panel_register", "home_panels_render"]

_panels: dict[str, HomePanel] = panels.page_panels(panels.HOME)


def home_panel_register(key: str, order: int, template: str, context: PanelContext) -> None:
    """Add a panel to the home page, shown by ascending `order`; registering a key again replaces it."""
    _panels[key] = HomePanel(key=key, order=order, template=template, context=context)


def home_panel_list() -> list[HomePanel]:
    """The registered panels in display order (ties broken by key, so the order never depends on app order)."""
    return panels.panels_ordered(_panels)


def home_panels_render(request: HttpRequest) -> list[RenderedPanel]:
    """Each registered panel rendered for this request, skipping those whose context is None."""
    return panels.panels_render_list(home_panel_list(), request)

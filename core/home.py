"""The org home page (/o/<org>/) as a registry of panels.

The home page lives in `orgs` (layer 2), but what it shows belongs to higher apps: open incidents,
alerts waiting, who is on call, my tasks and follow-ups. Those apps may not be imported from `orgs`,
so each one registers its own panels here from its `AppConfig.ready()`, reading through its own
selectors; the home view renders whatever is registered, in order. An app added later (drills)
plugs its panel in the same way without touching `orgs`.

A panel is a template plus a `context(request)` function returning the template's context, or
None to leave the panel out for this request. The request carries `organization`, `membership`
and `user`; each panel template renders one `<section>` and its own empty state.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

PanelContext = Callable[[HttpRequest], dict[str, Any] | None]


@dataclass(frozen=True)
class HomePanel:
    key: str
    order: int
    template: str
    context: PanelContext


@dataclass(frozen=True)
class RenderedPanel:
    key: str
    html: SafeString


_panels: dict[str, HomePanel] = {}


def home_panel_register(key: str, order: int, template: str, context: PanelContext) -> None:
    """Add a panel to the home page, shown by ascending `order`; registering a key again replaces it."""
    _panels[key] = HomePanel(key=key, order=order, template=template, context=context)


def home_panel_list() -> list[HomePanel]:
    """The registered panels in display order (ties broken by key, so the order never depends on app order)."""
    return sorted(_panels.values(), key=lambda panel: (panel.order, panel.key))


def home_panels_render(request: HttpRequest) -> list[RenderedPanel]:
    """Each registered panel rendered for this request, skipping those whose context is None."""
    rendered = []
    for panel in home_panel_list():
        context = panel.context(request)
        if context is None:
            continue
        rendered.append(RenderedPanel(key=panel.key, html=render_to_string(panel.template, context, request=request)))
    return rendered

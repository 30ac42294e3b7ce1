"""Pages that higher apps add sections to: a registry of panels per page.

A page of a lower app shows things that belong to higher apps: the org home (orgs) shows open incidents and
alerts waiting, a team's page (orgs) the services it owns, a service's page (services) its incidents and alert
groups. The lower app may not import those apps, so each higher app registers its panel for the page from its
`AppConfig.ready()`, reading through its own selectors; the page's view renders whatever is registered, in
order. An app added later (drills, the status page) plugs its section in the same way without touching the page.

A panel is a template plus a `context(request, **objects)` function returning the template's context, or None
to leave the panel out: `objects` are what the page is about (``team=...`` on the team page, ``service=...``
on the service page, nothing on the home page). The request carries `organization`, `membership` and `user`;
each panel template renders one `<section>` with its own empty state.

A higher app may also add plain values to a lower page's own template (who is on call for a service, the services
nobody would be paged for): a *context contribution*, registered with `context_register(page, key, context)` and
merged by the page's view with `contexts(page, request, **objects)`. It has no template of its own.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

PanelContext = Callable[..., dict[str, Any] | None]

HOME = "home"  # the org home page (orgs)
TEAM = "team"  # a team's page (orgs): context(request, team=...)
SERVICE = "service"  # a service's page (services): context(request, service=...)
ANALYTICS = "analytics"  # the analytics dashboard (retros): context(request, filters=AnalyticsFilters)


@dataclass(frozen=True)
class Panel:
    key: str
    order: int
    template: str
    context: PanelContext


@dataclass(frozen=True)
class RenderedPanel:
    key: str
    html: SafeString


_pages: dict[str, dict[str, Panel]] = {}


def page_panels(page: str) -> dict[str, Panel]:
    """The page's registry (key -> panel), created empty on first use."""
    return _pages.setdefault(page, {})


def panel_register(page: str, key: str, order: int, template: str, context: PanelContext) -> None:
    """Add a panel to `page`, shown by ascending `order`; registering a key again replaces it."""
    page_panels(page)[key] = Panel(key=key, order=order, template=template, context=context)


def panels_ordered(panels: dict[str, Panel]) -> list[Panel]:
    """Panels in display order (ties broken by key, so the order never depends on app order)."""
    return sorted(panels.values(), key=lambda panel: (panel.order, panel.key))


def panel_list(page: str) -> list[Panel]:
    """The page's registered panels in display order."""
    return panels_ordered(page_panels(page))


def panels_render_list(panels: list[Panel], request: HttpRequest, **objects: Any) -> list[RenderedPanel]:
    """Each panel rendered for this request (and the page's objects), skipping those whose context is None."""
    rendered = []
    for panel in panels:
        context = panel.context(request, **objects)
        if context is None:
            continue
        rendered.append(RenderedPanel(key=panel.key, html=render_to_string(panel.template, context, request=request)))
    return rendered


def panels_render(page: str, request: HttpRequest, **objects: Any) -> list[RenderedPanel]:
    """The page's panels rendered for this request and the page's objects (``team=team``)."""
    return panels_render_list(panel_list(page), request, **objects)


# --- context contributions: values merged into a lower page's own template -----------------------------------

_contexts: dict[str, dict[str, PanelContext]] = {}


def context_register(page: str, key: str, context: PanelContext) -> None:
    """Add `context(request, **objects)` to what `contexts(page, ...)` merges; registering a key again replaces it."""
    _contexts.setdefault(page, {})[key] = context


def contexts(page: str, request: HttpRequest, **objects: Any) -> dict[str, Any]:
    """The values every contribution registered for `page` returns for this request, merged in key order (a
    contribution returning None adds nothing). The page's view puts its defaults first: `{**defaults, **contexts(...)}`.
    """
    merged: dict[str, Any] = {}
    for _key, context in sorted(_contexts.get(page, {}).items()):
        merged.update(context(request, **objects) or {})
    return merged

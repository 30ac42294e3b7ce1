"""The public status page: no sign-in, server-rendered, no script, cacheable for 30 s by anyone (a private page
answers only its signed-in viewers, and core.middleware.NoStoreMiddleware makes every signed-in answer no-store).
JSON in Atlassian Statuspage's public API v2 shape; an Atom feed of incidents; the page's logo."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from statuspage.models import StatusPage
from statuspage.public import feed as atom
from statuspage.public import selectors
from statuspage.public.shapes import JSON_LIST_LIMIT, Shaper
from statuspage.public.uptime import page_zone

PUBLIC_MAX_AGE = 30
LOGO_MAX_AGE = 300


def _cacheable(response: HttpResponse, page: StatusPage, max_age: int = PUBLIC_MAX_AGE) -> HttpResponse:
    """Public pages may be kept by browsers and shared caches for a short while; private ones by nobody."""
    response["Cache-Control"] = f"public, max-age={max_age}" if page.is_public else "private, no-store"
    return response


def _links(page: StatusPage, page_slug: str | None) -> dict[str, str]:
    kwargs: dict[str, str] = {"org_slug": page.organization.slug}
    suffix = ""
    if page_slug:
        kwargs["page_slug"] = page_slug
        suffix = "-other"

    def url(name: str) -> str:
        return reverse(f"statuspage_public:{name}{suffix}", kwargs=kwargs)

    try:  # the subscriber pages (statuspage/subscribing) take sign-ups for public pages only
        subscribe = (
            ""
            if not page.is_public
            else reverse(f"statuspage_public:{'subscribe-page' if page_slug else 'subscribe'}", kwargs=kwargs)
        )
    except NoReverseMatch:
        subscribe = ""
    return {
        "subscribe": subscribe,
        "home": url("page"),
        "history": url("history"),
        "feed": url("feed"),
        "logo": url("logo") if page.logo_content_type else "",
        "summary": url("api-summary"),
        "incident_prefix": url("page") + "incidents/",
    }


def _render(
    request: HttpRequest, page: StatusPage, page_slug: str | None, template: str, **context: Any
) -> HttpResponse:
    context = {"page": page, "links": _links(page, page_slug), "now": timezone.now(), **context}
    with timezone.override(page_zone(page)):
        response = render(request, f"statuspage/public/{template}", context)
    return _cacheable(response, page)


@login_not_required
@require_GET
def page(request: HttpRequest, org_slug: str, page_slug: str | None = None) -> HttpResponse:
    """The status page: overall status, components with 90 days of uptime, open incidents, maintenance."""
    status_page = selectors.page_for_request(request=request, org_slug=org_slug, page_slug=page_slug)
    state = selectors.page_state(page=status_page, with_uptime=True)
    return _render(request, status_page, page_slug, "page.html", state=state)


@login_not_required
@require_GET
def history(request: HttpRequest, org_slug: str, page_slug: str | None = None) -> HttpResponse:
    """Every public incident of the page, newest first, a page of them at a time."""
    status_page = selectors.page_for_request(request=request, org_slug=org_slug, page_slug=page_slug)
    paginator = Paginator(selectors.public_incidents(page=status_page), selectors.HISTORY_PAGE_SIZE)
    incidents = paginator.get_page(request.GET.get("page"))
    return _render(request, status_page, page_slug, "history.html", incidents=incidents)


@login_not_required
@require_GET
def incident(request: HttpRequest, org_slug: str, uuid: str, page_slug: str | None = None) -> HttpResponse:
    """One public incident with its updates, newest first."""
    status_page = selectors.page_for_request(request=request, org_slug=org_slug, page_slug=page_slug)
    public_incident = selectors.public_incident_get(page=status_page, uuid=uuid)
    return _render(request, status_page, page_slug, "incident.html", incident=public_incident)


@login_not_required
@require_GET
def feed(request: HttpRequest, org_slug: str, page_slug: str | None = None) -> HttpResponse:
    """Atom feed of the page's latest public incidents."""
    status_page = selectors.page_for_request(request=request, org_slug=org_slug, page_slug=page_slug)
    incidents = list(selectors.public_incidents(page=status_page)[:JSON_LIST_LIMIT])
    links = _links(status_page, page_slug)
    body = atom.incidents_feed(
        page=status_page,
        incidents=incidents,
        page_url=request.build_absolute_uri(links["home"]),
        feed_url=request.build_absolute_uri(links["feed"]),
        incident_url=lambda i: request.build_absolute_uri(f"{links['incident_prefix']}{i.uuid}/"),
    )
    return _cacheable(HttpResponse(body, content_type="application/atom+xml; charset=utf-8"), status_page)


@login_not_required
@require_GET
def logo(request: HttpRequest, org_slug: str, page_slug: str | None = None) -> HttpResponse:
    """The page's logo, served from the database (the CSP allows images from this origin only)."""
    status_page = selectors.page_for_request(request=request, org_slug=org_slug, page_slug=page_slug)
    data = StatusPage.objects.filter(pk=status_page.pk).values_list("logo_bytes", flat=True).first()
    if not data or not status_page.logo_content_type:
        raise Http404("No logo.")
    response = HttpResponse(bytes(data), content_type=status_page.logo_content_type)
    response["Content-Security-Policy"] = "default-src 'none'"
    return _cacheable(response, status_page, LOGO_MAX_AGE)


# --- Statuspage public API v2 -------------------------------------------------------------------------------------


def _summary(shaper: Shaper, page: StatusPage) -> dict[str, Any]:
    state = selectors.page_state(page=page)
    statuses = {s.component.pk: s.status for s in state.components}
    return {
        "page": shaper.page_dict(state.updated_at),
        "components": shaper.components(state),
        "incidents": [shaper.incident(i, statuses) for i in state.open_incidents],
        "scheduled_maintenances": [
            shaper.maintenance(m, statuses) for m in [*state.active_maintenances, *state.upcoming_maintenances]
        ],
        "status": shaper.status(state),
    }


def _status(shaper: Shaper, page: StatusPage) -> dict[str, Any]:
    state = selectors.page_state(page=page)
    return {"page": shaper.page_dict(state.updated_at), "status": shaper.status(state)}


def _components(shaper: Shaper, page: StatusPage) -> dict[str, Any]:
    state = selectors.page_state(page=page)
    return {"page": shaper.page_dict(state.updated_at), "components": shaper.components(state)}


def _incident_list(unresolved: bool) -> Callable[[Shaper, StatusPage], dict[str, Any]]:
    def build(shaper: Shaper, page: StatusPage) -> dict[str, Any]:
        state = selectors.page_state(page=page)
        statuses = {s.component.pk: s.status for s in state.components}
        incidents = state.open_incidents if unresolved else selectors.public_incidents(page=page)[:JSON_LIST_LIMIT]
        return {
            "page": shaper.page_dict(state.updated_at),
            "incidents": [shaper.incident(i, statuses) for i in incidents],
        }

    return build


def _maintenance_list(which: str) -> Callable[[Shaper, StatusPage], dict[str, Any]]:
    def build(shaper: Shaper, page: StatusPage) -> dict[str, Any]:
        state = selectors.page_state(page=page)
        statuses = {s.component.pk: s.status for s in state.components}
        if which == "upcoming":
            rows = state.upcoming_maintenances
        elif which == "active":
            rows = state.active_maintenances
        else:
            rows = list(selectors.maintenances(page=page)[:JSON_LIST_LIMIT])
        return {
            "page": shaper.page_dict(state.updated_at),
            "scheduled_maintenances": [shaper.maintenance(m, statuses) for m in rows],
        }

    return build


API_BUILDERS: dict[str, Callable[[Shaper, StatusPage], dict[str, Any]]] = {
    "summary": _summary,
    "status": _status,
    "components": _components,
    "incidents": _incident_list(unresolved=False),
    "incidents-unresolved": _incident_list(unresolved=True),
    "maintenances": _maintenance_list("all"),
    "maintenances-upcoming": _maintenance_list("upcoming"),
    "maintenances-active": _maintenance_list("active"),
}


@login_not_required
@require_GET
def api(request: HttpRequest, org_slug: str, kind: str, page_slug: str | None = None) -> HttpResponse:
    """One of Statuspage's public API v2 documents for the page."""
    status_page = selectors.page_for_request(request=request, org_slug=org_slug, page_slug=page_slug)
    shaper = Shaper(request=request, page=status_page, page_slug=page_slug)
    response = JsonResponse(API_BUILDERS[kind](shaper, status_page))
    if status_page.is_public:
        # Status widgets on other sites read it from the browser, as they read Statuspage.
        response["Access-Control-Allow-Origin"] = "*"
    return _cacheable(response, status_page)

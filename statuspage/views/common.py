"""What every status page admin page shares: finding the URL's page (and its objects) in the request's org —
another org's is a 404 — who may edit (admins; responders and viewers read), the tabs' context, the form and
confirmation pages."""

from collections.abc import Callable
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from core.pages import confirm_delete, form_save
from orgs.permissions import ADMIN
from statuspage import links
from statuspage.models import (
    Component,
    ComponentGroup,
    Maintenance,
    MaintenanceStatus,
    PublicIncident,
    StatusPage,
    Subscriber,
)

FORM = "statuspage/admin/form.html"
CONFIRM = "statuspage/admin/confirm.html"
TABS = (
    ("components", "Components", "statuspage:status-page-detail"),
    ("maintenance", "Maintenance", "statuspage:maintenance-list"),
    ("incidents", "Public incidents", "statuspage:public-incident-list"),
    ("subscribers", "Subscribers", "statuspage:subscriber-list"),
    ("settings", "Settings", "statuspage:status-page-update"),
)


def page_list(request: HttpRequest) -> QuerySet[StatusPage]:
    """The org's status pages, the default first, with what the list shows of each."""
    return (
        StatusPage.objects.for_org(request.organization)
        .select_related("organization")
        .annotate(
            component_count=Count("components", distinct=True),
            subscriber_count=Count("subscribers", filter=Q(subscribers__confirmed_at__isnull=False), distinct=True),
            upcoming_count=Count(
                "maintenances",
                filter=~Q(maintenances__status=MaintenanceStatus.COMPLETED),
                distinct=True,
            ),
        )
    )


def page_get(request: HttpRequest, page_slug: str) -> StatusPage:
    return get_object_or_404(
        StatusPage.objects.for_org(request.organization).select_related("organization"), slug=page_slug
    )


def _child(model: Any, page: StatusPage, uuid: str, *related: str) -> Any:
    try:
        return get_object_or_404(model.objects.filter(page=page).select_related(*related), uuid=uuid)
    except Exception as exc:  # a malformed uuid is not found either
        if isinstance(exc, Http404):
            raise
        raise Http404 from exc


def group_get(page: StatusPage, uuid: str) -> ComponentGroup:
    return _child(ComponentGroup, page, uuid)


def component_get(page: StatusPage, uuid: str) -> Component:
    return _child(Component, page, uuid, "service", "group")


def maintenance_get(page: StatusPage, uuid: str) -> Maintenance:
    return _child(Maintenance, page, uuid)


def public_incident_get(page: StatusPage, uuid: str) -> PublicIncident:
    return _child(PublicIncident, page, uuid, "incident")


def subscriber_get(page: StatusPage, uuid: str) -> Subscriber:
    return _child(Subscriber, page, uuid)


def can_edit(request: HttpRequest) -> bool:
    return request.membership.has_role(ADMIN)


def page_url(name: str, page: StatusPage, **kwargs: Any) -> str:
    return reverse(name, kwargs={"org_slug": page.organization.slug, "page_slug": page.slug, **kwargs})


def frame(request: HttpRequest, page: StatusPage, tab: str) -> dict[str, Any]:
    """The context every tab of a page's admin needs."""
    return {
        "status_page": page,
        "public_url": request.build_absolute_uri(links.public_path(page)),
        "tab": tab,
        "tabs": [(key, label, page_url(name, page)) for key, label, name in TABS],
        "can_edit": can_edit(request),
    }


def save(
    request: HttpRequest,
    page: StatusPage,
    form: Any,
    change: Callable[[dict[str, Any]], Any],
    done: Callable[[Any], str],
    *,
    back: str,
    **words: Any,
) -> HttpResponse:
    """A form page of a status page's admin (form_save with the page for the breadcrumb)."""
    rows = form.rows() if hasattr(form, "rows") else None
    return form_save(
        request, form, change, done, back=back, template=FORM, **{"status_page": page, "rows": rows, **words}
    )


def delete(
    request: HttpRequest, page: StatusPage, remove: Callable[[], Any], done: str, *, back: str, **words: Any
) -> HttpResponse:
    return confirm_delete(request, remove, done, back=back, template=CONFIRM, **{"status_page": page, **words})

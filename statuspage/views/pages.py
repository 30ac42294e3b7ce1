"""The org's status pages: the list (with what to do when there is none), creating one, its settings (with the
logo and the viewer allow-list) and deleting it. Every member reads; admins change."""

from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from orgs.permissions import ADMIN, require_role, role_required
from orgs.tenancy import Actor
from statuspage import actions, links
from statuspage.models import StatusPage
from statuspage.views import common
from statuspage.views.forms import StatusPageForm


@require_GET
def status_page_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    pages = list(common.page_list(request))
    rows = [(page, request.build_absolute_uri(links.public_path(page))) for page in pages]
    return render(request, "statuspage/admin/page_list.html", {"rows": rows, "can_edit": common.can_edit(request)})


def _save_page(request: HttpRequest, page: StatusPage | None, data: dict[str, Any]) -> StatusPage:
    """Create or update the page and its logo in one transaction."""
    actor = Actor.from_request(request)
    logo, remove_logo = data.pop("logo", None), data.pop("remove_logo", False)
    with transaction.atomic():
        if page is None:
            data["slug"] = data.get("slug") or ""
            page = actions.status_page_create(organization=request.organization, actor=actor, **data)
        else:
            if not data.get("slug"):
                data.pop("slug", None)
            if page.is_default:
                data.pop("is_default", None)
            page = actions.status_page_update(page=page, actor=actor, **data)
        if logo is not None:
            page = actions.status_page_logo_set(page=page, actor=actor, content=logo)
        elif remove_logo:
            page = actions.status_page_logo_set(page=page, actor=actor, content=None)
    return page


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def status_page_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    first = not common.page_list(request).exists()
    form = StatusPageForm(
        request.POST or None,
        request.FILES or None,
        organization=request.organization,
        initial={"time_zone": "UTC", "is_public": True, "is_default": first},
    )
    back = reverse("statuspage:status-page-list", kwargs={"org_slug": org_slug})
    return common.save(
        request,
        None,
        form,
        lambda data: _save_page(request, None, data),
        lambda page: f"Status page {page.title} created. Add its components next.",
        back=back,
        title="New status page",
        submit_label="Create status page",
        multipart=True,
        note="The organization's first page is its default, at /status/<org>/." if first else "",
    )


@require_http_methods(["GET", "POST"])
def status_page_update(request: HttpRequest, org_slug: str, page_slug: str) -> HttpResponse:
    page = common.page_get(request, page_slug)
    if not common.can_edit(request):
        if request.method == "POST":
            require_role(request.membership, ADMIN)
        return render(request, "statuspage/admin/page_settings.html", common.frame(request, page, "settings"))
    initial = {name: getattr(page, name) for name in ("title", "slug", "description", "time_zone", "custom_domain")}
    initial.update(
        is_public=page.is_public,
        is_default=page.is_default,
        allowed_viewers=[user.uuid for user in page.allowed_viewers.all()],
    )
    form = StatusPageForm(
        request.POST or None, request.FILES or None, organization=request.organization, page=page, initial=initial
    )
    back = common.page_url("statuspage:status-page-update", page)
    return common.save(
        request,
        page,
        form,
        lambda data: _save_page(request, page, data),
        lambda saved: f"Settings of {saved.title} saved.",
        back=back,
        title=f"Settings of {page.title}",
        submit_label="Save settings",
        multipart=True,
        delete_url=common.page_url("statuspage:status-page-delete", page),
        **common.frame(request, page, "settings"),
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def status_page_delete(request: HttpRequest, org_slug: str, page_slug: str) -> HttpResponse:
    page = common.page_get(request, page_slug)
    return common.delete(
        request,
        page,
        lambda: actions.status_page_delete(page=page, actor=Actor.from_request(request)),
        f"Status page {page.title} deleted.",
        back=reverse("statuspage:status-page-list", kwargs={"org_slug": org_slug}),
        title=f"Delete the status page {page.title}?",
        body="Its public address stops answering; its components, maintenance, public incidents and subscribers "
        "are deleted with it. Incidents themselves are not touched.",
        confirm_label="Delete status page",
    )


@require_GET
def status_page_logo(request: HttpRequest, org_slug: str, page_slug: str) -> HttpResponse:
    """The page's logo as uploaded (the settings page shows it; the public page has its own route)."""
    page = common.page_get(request, page_slug)
    if not page.logo_content_type:
        raise Http404("This page has no logo.")
    response = HttpResponse(bytes(page.logo_bytes), content_type=page.logo_content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response

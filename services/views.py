"""Pages of the service catalog: the catalog, a service's page with its dependency picture, the editor,
ownership hygiene, and Backstage catalog-info.yaml import and export."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from core import panels
from orgs.permissions import ADMIN, role_required
from orgs.tenancy import Actor
from orgs.web import form_add_validation_error, paginate
from services import actions, backstage, graph, permissions, selectors
from services.forms import HealthForm, ImportForm, ServiceFilterForm, ServiceForm
from services.models import Service, ServiceLifecycle, ServiceLinkKind

# column -> (first sort on click, second sort on a click when the first is active)
SORT_COLUMNS = {
    "name": ("name", "-name"),
    "tier": ("tier", "-tier"),
    "lifecycle": ("lifecycle", None),
    "owner": ("owner", None),
    "updated": ("-updated", None),
}
EXPORT_FILENAME = "catalog-info.yaml"
# selectors.Hygiene attribute, heading, short label, why it matters / what all clear means, field the fix focuses,
# fix label
HYGIENE_SECTIONS = [
    ("no_owner", "Production services with no owner team", "No owner team",
     "Nobody is accountable when they break.", "Every production service has an owner team.",
     "owner_team", "Set owner"),
    ("no_runbook", "Production services with no runbook", "No runbook",
     "Responders start from nothing at 3 a.m.", "Every production service links a runbook.",
     "links", "Add runbook"),
    ("no_responders", "Tier 1-2 services with no responding team", "Tier 1-2 without responders",
     "Critical services need a second line.", "Every tier 1-2 service has a responding team.",
     "responding_teams", "Add responders"),
]  # fmt: skip


def service_url(request: HttpRequest, name: str, **kwargs: Any) -> str:
    """Reverse a page of this app in the request's org."""
    return reverse(f"services:{name}", kwargs={"org_slug": request.organization.slug, **kwargs})


def query_without(request: HttpRequest, *names: str, **values: str) -> str:
    """The request's query string minus `names`, with `values` set: links keep the filters."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    for name, value in values.items():
        query[name] = value
    return query.urlencode()


def sort_headers(request: HttpRequest, current: str) -> dict[str, dict[str, Any]]:
    """Each sortable column's link (filters kept, page reset) and whether it is the active sort."""
    headers = {}
    for column, (first, second) in SORT_COLUMNS.items():
        active = current in (first, second)
        target = second if current == first and second else first
        headers[column] = {
            "url": "?" + query_without(request, "page", sort=target),
            "active": active,
            "arrow": ("▼" if current.startswith("-") else "▲") if active else "",
        }
    return headers


def require_edit(request: HttpRequest, service: Service) -> None:
    """403 unless the member may edit this service (admins, owners, its owner team's responders)."""
    if not permissions.service_can_edit(membership=request.membership, service=service):
        raise PermissionDenied("Only admins and the service's owner team can change it.")


def warn_if_unowned(request: HttpRequest, service: Service) -> None:
    """Saving a production service with no owner is allowed; say what that means."""
    if service.lifecycle == ServiceLifecycle.PRODUCTION and service.owner_team_id is None:
        messages.warning(request, f"{service.name} is in production with no owner team: nobody is accountable for it.")


def download(text: str, filename: str = EXPORT_FILENAME) -> HttpResponse:
    """A YAML attachment."""
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- catalog ---------------------------------------------------------------------------------------


@require_GET
@vary_on_headers("HX-Request")
def service_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = ServiceFilterForm(request.GET, organization=request.organization)
    filters = form.filters()
    services = selectors.service_list(organization=request.organization, **filters)
    context = {
        "form": form,
        "page": paginate(request, services),
        "query": query_without(request, "page"),
        "filtered": any(v for k, v in filters.items() if k != "sort"),
        "sort_headers": sort_headers(request, filters["sort"]),
        "hygiene_total": selectors.hygiene(organization=request.organization).total,
        "can_create": permissions.service_can_create(membership=request.membership),
    }
    template = "services/service_list.html" + ("#catalog-results" if request.htmx else "")
    return render(request, template, context)


@require_GET
def service_export(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The whole catalog, or one service with ?service=<slug>, as a Backstage catalog-info.yaml."""
    slug = request.GET.get("service", "")
    services = [selectors.service_get(organization=request.organization, slug=slug)] if slug else None
    text = backstage.catalog_export(organization=request.organization, services=services)
    return download(text, f"{slug}.catalog-info.yaml" if slug else EXPORT_FILENAME)


@require_GET
def service_hygiene(request: HttpRequest, org_slug: str) -> HttpResponse:
    report = selectors.hygiene(organization=request.organization)
    sections = [(*meta, getattr(report, meta[0])) for meta in HYGIENE_SECTIONS]
    paging = {"unpaged": [], "schedule_gaps": [], "gap_days": 0, **panels.contexts(HYGIENE_PAGING, request)}
    listed = [service for *_, services in sections for service in services] + paging["unpaged"]
    context = {
        "report": report,
        "sections": sections,
        "editable": editable_ids(request, listed),
        **paging,
    }
    return render(request, "services/service_hygiene.html", context)


def editable_ids(request: HttpRequest, services: list[Service]) -> set[int]:
    """Which of `services` the member may edit (one query at most), to show fix links only to them."""
    team_ids = (
        None if request.membership.has_role(ADMIN) else permissions.member_team_ids(membership=request.membership)
    )
    return {
        s.pk
        for s in services
        if permissions.service_can_edit(membership=request.membership, service=s, team_ids=team_ids)
    }


# --- what the on-call app adds to these pages ----------------------------------------------------------------

# Who is on call for a service now, which services nobody would be paged for, which schedules have gaps: the
# oncall app (a layer above) knows, and contributes it from its AppConfig.ready() as a core.panels context of these
# pages (panels.context_register), merged into the page's own with panels.contexts, so the catalog never imports it.
SERVICE_PAGING = "service-paging"  # context(request, service=...) -> {"oncall_now": [users]}
HYGIENE_PAGING = "hygiene-paging"  # context(request) -> {"unpaged": [services], "schedule_gaps": [...], "gap_days": n}


# --- one service ----------------------------------------------------------------------------------


@require_GET
def service_detail(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    service = selectors.service_get(organization=request.organization, slug=slug)
    deps = selectors.dependency_graph(organization=request.organization)
    links = list(service.links.all())
    context = {
        "service": service,
        "runbooks": [link for link in links if link.kind == ServiceLinkKind.RUNBOOK],
        "other_links": [link for link in links if link.kind != ServiceLinkKind.RUNBOOK],
        "layout": graph.layout(graph=deps, service=service),
        "cycle": selectors.dependency_cycle(service=service, graph=deps),
        "blast_radius": selectors.blast_radius(service=service, graph=deps),
        "can_edit": permissions.service_can_edit(membership=request.membership, service=service),
        "health_form": HealthForm(initial={"health": service.health}),
        "panels": panels.panels_render(panels.SERVICE, request, service=service),
        "oncall_now": [],
        **panels.contexts(SERVICE_PAGING, request, service=service),
    }
    return render(request, "services/service_detail.html", context)


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def service_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = ServiceForm(request.POST or None, organization=request.organization, focus=request.GET.get("focus", ""))
    if request.method == "POST" and form.is_valid():
        try:
            service = actions.service_create(
                organization=request.organization, actor=Actor.from_request(request), **form.action_fields()
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, f"{service.name} added to the catalog.")
            warn_if_unowned(request, service)
            return redirect("services:service-detail", org_slug=org_slug, slug=service.slug)
    return render(request, "services/service_form.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def service_update(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    service = selectors.service_get(organization=request.organization, slug=slug)
    require_edit(request, service)
    form = ServiceForm(
        request.POST or None, organization=request.organization, service=service, focus=request.GET.get("focus", "")
    )
    if request.method == "POST" and form.is_valid():
        try:
            service = actions.service_update(service=service, actor=Actor.from_request(request), **form.action_fields())
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, f"{service.name} saved.")
            warn_if_unowned(request, service)
            return redirect("services:service-detail", org_slug=org_slug, slug=service.slug)
    context = {"form": form, "service": service}
    return render(request, "services/service_form.html", context, status=400 if form.errors else 200)


@require_POST
def service_health(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    service = selectors.service_get(organization=request.organization, slug=slug)
    require_edit(request, service)
    form = HealthForm(request.POST)
    if form.is_valid():
        service = actions.service_update(service=service, actor=Actor.from_request(request), **form.cleaned_data)
        messages.success(request, f"{service.name} is now “{service.get_health_display().lower()}”.")
    else:
        messages.error(request, "Choose a valid health status.")
    return redirect("services:service-detail", org_slug=org_slug, slug=service.slug)


@require_http_methods(["GET", "POST"])
def service_archive(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    service = selectors.service_get(organization=request.organization, slug=slug)
    require_edit(request, service)
    if request.method == "POST":
        actions.service_archive(service=service, actor=Actor.from_request(request))
        messages.success(
            request, f"{service.name} archived. It is hidden from the catalog; unarchive it from its page."
        )
        return redirect("services:service-detail", org_slug=org_slug, slug=service.slug)
    return render(
        request,
        "components/confirm.html",
        {
            "title": f"Archive {service.name}?",
            "body": f"It leaves the catalog list, filters and hygiene checks; its history, links and dependency "
            f"edges stay. {dependents_sentence(service)} You can unarchive it at any time.",
            "confirm_label": "Archive service",
            "cancel_url": service_url(request, "service-detail", slug=service.slug),
        },
    )


def dependents_sentence(service: Service) -> str:
    """What still leans on a service about to be archived."""
    count = len(selectors.blast_radius(service=service))
    if count == 0:
        return "Nothing depends on it."
    return f"{count} service{'s' if count != 1 else ''} still depend{'s' if count == 1 else ''} on it, directly or not."


@require_POST
def service_unarchive(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    service = selectors.service_get(organization=request.organization, slug=slug)
    require_edit(request, service)
    actions.service_unarchive(service=service, actor=Actor.from_request(request))
    messages.success(request, f"{service.name} is back in the catalog.")
    return redirect("services:service-detail", org_slug=org_slug, slug=service.slug)


# --- Backstage import -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def service_import(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    confirmed = request.POST.get("confirm") == "1"
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        yaml_text = form.cleaned_data["text"]
        try:
            result = backstage.catalog_import(
                organization=request.organization, yaml_text=yaml_text, actor=Actor.from_request(request),
                dry_run=not confirmed,
            )  # fmt: skip
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            if confirmed:
                messages.success(request, import_summary(result))
                return redirect("services:service-list", org_slug=org_slug)
            context.update(
                {"result": result, "rows": import_rows(result), "yaml_text": yaml_text, **import_counts(result)}
            )
    return render(request, "services/service_import.html", context, status=400 if form.errors else 200)


def import_counts(result: backstage.ImportResult) -> dict[str, int]:
    """How many teams and services an import creates, updates and leaves unchanged, for the preview."""
    return {"created_count": result.created, "updated_count": result.updated, "unchanged_count": result.unchanged}


def import_rows(result: backstage.ImportResult) -> list[dict[str, Any]]:
    """The preview table: one row per team or service, its changed fields as readable before/after text."""
    rows = []
    for change in result.changes:
        fields = [
            (name.replace("_", " "), _readable(diff.get("before")), _readable(diff.get("after")))
            for name, diff in change.changes.items()
            if not (change.action == "create" and (name == "slug" or diff.get("after") in (None, "", [], {})))
        ]
        rows.append({"kind": change.kind, "slug": change.slug, "action": change.action, "fields": fields})
    return rows


def _readable(value: Any) -> str:
    """A snapshot value (labels dict, [kind, title, url] links, slug lists) as text for people."""
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, dict):
        return ", ".join(f"{key}={item}" for key, item in value.items())
    if isinstance(value, list):
        parts = [f"{item[0]}: {item[1] or item[2]}" if isinstance(item, list | tuple) else str(item) for item in value]
        return ", ".join(parts)
    return str(value)


def import_summary(result: backstage.ImportResult) -> str:
    """“Imported the catalog: 3 created, 1 updated, 5 unchanged.”"""
    return f"Imported the catalog: {result.created} created, {result.updated} updated, {result.unchanged} unchanged."

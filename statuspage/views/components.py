"""A status page's components and groups (the page's first tab): what visitors see, in order, each with its
status now (a manual override, maintenance in progress, or its service's health). Admins add, edit, reorder,
delete (after a confirmation) and override a component's status with a reason; other members read."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from orgs.permissions import ADMIN, role_required
from orgs.tenancy import Actor
from statuspage import actions, rules
from statuspage.models import Component, ComponentStatus, MaintenanceComponent, StatusPage
from statuspage.views import common
from statuspage.views.forms import ComponentForm, ComponentGroupForm, ComponentOverrideForm, MoveForm


def _components_url(page: StatusPage) -> str:
    return common.page_url("statuspage:status-page-detail", page)


def component_rows(page: StatusPage) -> list[tuple[object, list[tuple[Component, str, str]]]]:
    """The page's components by group (ungrouped first), each with its status now."""
    components = list(Component.objects.filter(page=page).select_related("service", "group"))
    in_maintenance = set(
        MaintenanceComponent.objects.filter(
            maintenance__page=page, maintenance__status__in=rules.ACTIVE_MAINTENANCE_STATUSES
        ).values_list("component_id", flat=True)
    )

    def row(component: Component) -> tuple[Component, str, str]:
        health = component.service.health if component.service_id else None
        status = rules.component_status(
            override=component.status_override,
            under_maintenance=component.pk in in_maintenance,
            service_health=health,
        )
        return component, status, ComponentStatus(status).label

    groups = [(None, [row(c) for c in components if c.group_id is None])]
    for group in page.groups.all():
        groups.append((group, [row(c) for c in components if c.group_id == group.pk]))
    return groups


@require_GET
def status_page_detail(request: HttpRequest, org_slug: str, page_slug: str) -> HttpResponse:
    page = common.page_get(request, page_slug)
    context = {**common.frame(request, page, "components"), "groups": component_rows(page)}
    context["component_count"] = sum(len(rows) for _, rows in context["groups"])
    return render(request, "statuspage/admin/page_components.html", context)


# --- groups --------------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def component_group_create(request: HttpRequest, org_slug: str, page_slug: str) -> HttpResponse:
    page = common.page_get(request, page_slug)
    return common.save(
        request,
        page,
        ComponentGroupForm(request.POST or None),
        lambda data: actions.component_group_create(page=page, actor=Actor.from_request(request), **data),
        lambda group: f"Group {group.name} added.",
        back=_components_url(page),
        title="New component group",
        submit_label="Add group",
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def component_group_update(request: HttpRequest, org_slug: str, page_slug: str, uuid: str) -> HttpResponse:
    page = common.page_get(request, page_slug)
    group = common.group_get(page, uuid)
    form = ComponentGroupForm(request.POST or None, initial={"name": group.name, "description": group.description})
    return common.save(
        request,
        page,
        form,
        lambda data: actions.component_group_update(group=group, actor=Actor.from_request(request), **data),
        lambda saved: f"Group {saved.name} saved.",
        back=_components_url(page),
        title=f"Edit group {group.name}",
        submit_label="Save group",
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def component_group_delete(request: HttpRequest, org_slug: str, page_slug: str, uuid: str) -> HttpResponse:
    page = common.page_get(request, page_slug)
    group = common.group_get(page, uuid)
    return common.delete(
        request,
        page,
        lambda: actions.component_group_delete(group=group, actor=Actor.from_request(request)),
        f"Group {group.name} deleted.",
        back=_components_url(page),
        title=f"Delete the group {group.name}?",
        body="Its components stay on the page, ungrouped.",
        confirm_label="Delete group",
    )


def _move(request: HttpRequest, page: StatusPage, move: object) -> HttpResponse:
    form = MoveForm(request.POST)
    if form.is_valid():
        try:
            move(form.cleaned_data["direction"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect(_components_url(page))


@require_POST
@role_required(ADMIN)
def component_group_move(request: HttpRequest, org_slug: str, page_slug: str, uuid: str) -> HttpResponse:
    page = common.page_get(request, page_slug)
    group = common.group_get(page, uuid)
    actor = Actor.from_request(request)
    return _move(request, page, lambda d: actions.component_group_move(group=group, actor=actor, direction=d))


# --- components ----------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def component_create(request: HttpRequest, org_slug: str, page_slug: str) -> HttpResponse:
    page = common.page_get(request, page_slug)
    return common.save(
        request,
        page,
        ComponentForm(request.POST or None, page=page),
        lambda data: actions.component_create(page=page, actor=Actor.from_request(request), **data),
        lambda component: f"Component {component.name} added.",
        back=_components_url(page),
        title="New component",
        submit_label="Add component",
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def component_update(request: HttpRequest, org_slug: str, page_slug: str, uuid: str) -> HttpResponse:
    page = common.page_get(request, page_slug)
    component = common.component_get(page, uuid)
    initial = {
        "name": component.name,
        "description": component.description,
        "service": component.service.slug if component.service_id else None,
        "group": component.group.uuid if component.group_id else None,
    }
    return common.save(
        request,
        page,
        ComponentForm(request.POST or None, page=page, initial=initial),
        lambda data: actions.component_update(component=component, actor=Actor.from_request(request), **data),
        lambda saved: f"Component {saved.name} saved.",
        back=_components_url(page),
        title=f"Edit {component.name}",
        submit_label="Save component",
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def component_delete(request: HttpRequest, org_slug: str, page_slug: str, uuid: str) -> HttpResponse:
    page = common.page_get(request, page_slug)
    component = common.component_get(page, uuid)
    return common.delete(
        request,
        page,
        lambda: actions.component_delete(component=component, actor=Actor.from_request(request)),
        f"Component {component.name} deleted.",
        back=_components_url(page),
        title=f"Delete the component {component.name}?",
        body="It disappears from the page, its uptime bars and subscribers' choices; past incidents and maintenance "
        "no longer name it.",
        confirm_label="Delete component",
    )


@require_POST
@role_required(ADMIN)
def component_move(request: HttpRequest, org_slug: str, page_slug: str, uuid: str) -> HttpResponse:
    page = common.page_get(request, page_slug)
    component = common.component_get(page, uuid)
    actor = Actor.from_request(request)
    return _move(request, page, lambda d: actions.component_move(component=component, actor=actor, direction=d))


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def component_override(request: HttpRequest, org_slug: str, page_slug: str, uuid: str) -> HttpResponse:
    page = common.page_get(request, page_slug)
    component = common.component_get(page, uuid)
    form = ComponentOverrideForm(request.POST or None, initial={"status": component.status_override})
    return common.save(
        request,
        page,
        form,
        lambda data: actions.component_status_override(component=component, actor=Actor.from_request(request), **data),
        lambda saved: (
            f"{saved.name}: status set by hand to {saved.get_status_override_display().lower()}."
            if saved.status_override
            else f"{saved.name} follows its service again."
        ),
        back=_components_url(page),
        title=f"Status of {component.name}",
        submit_label="Set status",
        note="A status set by hand stays until you clear it here; without one, the component follows its "
        "service's health and shows under maintenance while a maintenance on it is in progress.",
    )

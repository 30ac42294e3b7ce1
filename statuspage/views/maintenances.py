"""A status page's scheduled maintenance: the list (open ones first), scheduling one, its page with the updates
and the moves it can make (start, verify, complete — the lifecycle of statuspage.actions.maintenances), posting
an update, editing and cancelling. Admins act; other members read."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.pages import RecordPage
from orgs.permissions import ADMIN, role_required
from orgs.tenancy import Actor
from statuspage import actions
from statuspage.models import Maintenance, MaintenanceStatus, StatusPage
from statuspage.views import common
from statuspage.views.forms import MaintenanceForm, MaintenancePostForm, MaintenanceTransitionForm

# The buttons of each status: (target status, label, what the update says by default).
MOVES = {
    MaintenanceStatus.SCHEDULED: [(MaintenanceStatus.IN_PROGRESS, "Start maintenance")],
    MaintenanceStatus.IN_PROGRESS: [
        (MaintenanceStatus.VERIFYING, "Start verifying"),
        (MaintenanceStatus.COMPLETED, "Complete"),
    ],
    MaintenanceStatus.VERIFYING: [
        (MaintenanceStatus.COMPLETED, "Complete"),
        (MaintenanceStatus.IN_PROGRESS, "Back to in progress"),
    ],
    MaintenanceStatus.COMPLETED: [],
}


def _list_url(page: StatusPage) -> str:
    return common.page_url("statuspage:maintenance-list", page)


def _detail_context(request: HttpRequest, maintenance: Maintenance, **extra: object) -> dict:
    page = maintenance.page
    return {
        **common.frame(request, page, "maintenance"),
        "maintenance": maintenance,
        "updates": list(maintenance.updates.all()),
        "components": [link.component for link in maintenance.component_links.select_related("component")],
        "moves": MOVES[maintenance.status],
        "post_form": extra.pop("post_form", None) or MaintenancePostForm(),
        **extra,
    }


def _back(maintenance: Maintenance, anchor: str) -> HttpResponse:
    url = common.page_url("statuspage:maintenance-detail", maintenance.page, uuid=maintenance.uuid)
    return redirect(url + (f"#{anchor}" if anchor else ""))


DETAIL = RecordPage(
    template="statuspage/admin/maintenance_detail.html",
    context=lambda request, maintenance, **extra: _detail_context(request, maintenance, **extra),
    back=_back,
)


@require_GET
def maintenance_list(request: HttpRequest, org_slug: str, page_slug: str) -> HttpResponse:
    page = common.page_get(request, page_slug)
    maintenances = list(page.maintenances.all())
    context = {
        **common.frame(request, page, "maintenance"),
        "open": sorted(
            (m for m in maintenances if m.status != MaintenanceStatus.COMPLETED), key=lambda m: m.scheduled_for
        ),
        "completed": [m for m in maintenances if m.status == MaintenanceStatus.COMPLETED],
    }
    return render(request, "statuspage/admin/maintenance_list.html", context)


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def maintenance_create(request: HttpRequest, org_slug: str, page_slug: str) -> HttpResponse:
    page = common.page_get(request, page_slug)
    return common.save(
        request,
        page,
        MaintenanceForm(request.POST or None, page=page),
        lambda data: actions.maintenance_schedule(page=page, actor=Actor.from_request(request), **data),
        lambda maintenance: f"Maintenance {maintenance.title} scheduled and announced on the page.",
        back=_list_url(page),
        title="Schedule maintenance",
        submit_label="Schedule and announce",
    )


@require_GET
def maintenance_detail(request: HttpRequest, org_slug: str, page_slug: str, uuid: str) -> HttpResponse:
    page = common.page_get(request, page_slug)
    maintenance = common.maintenance_get(page, uuid)
    return render(request, DETAIL.template, _detail_context(request, maintenance))


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def maintenance_update(request: HttpRequest, org_slug: str, page_slug: str, uuid: str) -> HttpResponse:
    page = common.page_get(request, page_slug)
    maintenance = common.maintenance_get(page, uuid)
    initial = {
        "title": maintenance.title,
        "body": maintenance.body,
        "scheduled_for": maintenance.scheduled_for,
        "scheduled_until": maintenance.scheduled_until,
        "components": [link.component.uuid for link in maintenance.component_links.select_related("component")],
    }
    return common.save(
        request,
        page,
        MaintenanceForm(request.POST or None, page=page, initial=initial),
        lambda data: actions.maintenance_update(maintenance=maintenance, actor=Actor.from_request(request), **data),
        lambda saved: f"Maintenance {saved.title} saved.",
        back=common.page_url("statuspage:maintenance-detail", page, uuid=maintenance.uuid),
        title=f"Edit {maintenance.title}",
        submit_label="Save maintenance",
    )


@require_POST
@role_required(ADMIN)
def maintenance_transition(request: HttpRequest, org_slug: str, page_slug: str, uuid: str) -> HttpResponse:
    page = common.page_get(request, page_slug)
    maintenance = common.maintenance_get(page, uuid)
    form = MaintenanceTransitionForm(request.POST)
    return DETAIL.apply(
        request,
        maintenance,
        form,
        lambda data: actions.maintenance_transition(maintenance=maintenance, actor=Actor.from_request(request), **data),
        f"{maintenance.title}: {MaintenanceStatus(form.data.get('status')).label.lower()}."
        if form.data.get("status") in MaintenanceStatus.values
        else "Moved.",
        "The maintenance was not moved",
    )


@require_POST
@role_required(ADMIN)
def maintenance_post(request: HttpRequest, org_slug: str, page_slug: str, uuid: str) -> HttpResponse:
    page = common.page_get(request, page_slug)
    maintenance = common.maintenance_get(page, uuid)
    form = MaintenancePostForm(request.POST)
    return DETAIL.apply(
        request,
        maintenance,
        form,
        lambda data: actions.maintenance_update_post(
            maintenance=maintenance, actor=Actor.from_request(request), **data
        ),
        "Update posted.",
        "The update was not posted",
        anchor="updates",
        post_form=form,
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def maintenance_delete(request: HttpRequest, org_slug: str, page_slug: str, uuid: str) -> HttpResponse:
    page = common.page_get(request, page_slug)
    maintenance = common.maintenance_get(page, uuid)
    return common.delete(
        request,
        page,
        lambda: actions.maintenance_delete(maintenance=maintenance, actor=Actor.from_request(request)),
        f"Maintenance {maintenance.title} cancelled.",
        back=_list_url(page),
        title=f"Cancel the maintenance {maintenance.title}?",
        body="It disappears from the page with its updates.",
        confirm_label="Cancel maintenance",
    )

"""Pages of an org's incident settings: severities, incident roles and incident types. Every member reads them;
admins add, edit and delete (through incidents.actions, which audit every change).

A form page re-renders with the errors and status 400; a refused delete (a severity still in use, a role that
was assigned) shows the reason on the confirmation page, also with 400."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from core.pages import SettingsPages
from incidents import actions, selectors
from incidents.forms import IncidentRoleSettingsForm, IncidentTypeSettingsForm, SeveritySettingsForm
from orgs.permissions import ADMIN, role_required
from orgs.tenancy import Actor

SETTINGS = "incidents/incident_settings.html"
PAGES = SettingsPages(
    settings="incidents:incident-settings",
    crumb="Incidents",
    crumb_url="incidents:incident-list",
    title="Incident settings",
)


def incidents(count: int) -> str:
    return f"{count} incident{'s' if count != 1 else ''}"


def without_blank_slug(data: dict[str, Any]) -> dict[str, Any]:
    """An emptied slug field on an edit keeps the current slug."""
    return {k: v for k, v in data.items() if not (k == "slug" and not v)}


# --- the settings page -------------------------------------------------------------------------------


@require_GET
def incident_settings(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    context = {
        "severities": list(selectors.severity_usage_list(organization=organization)),
        "roles": list(selectors.role_usage_list(organization=organization)),
        "incident_types": list(selectors.incident_type_usage_list(organization=organization)),
        "can_configure": request.membership.has_role(ADMIN),
    }
    return render(request, SETTINGS, context)


# --- severities -------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def severity_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    ranks = selectors.severity_list(organization=request.organization).values_list("rank", flat=True)
    form = SeveritySettingsForm(request.POST or None, initial={"rank": max(ranks, default=0) + 1})
    return PAGES.save(
        request,
        form,
        lambda data: actions.severity_create(
            organization=request.organization, actor=Actor.from_request(request), **data
        ),
        lambda severity: f"Severity {severity.name} added.",
        section="severities",
        title="New severity",
        submit_label="Add severity",
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def severity_update(request: HttpRequest, org_slug: str, name: str) -> HttpResponse:
    severity = selectors.severity_get(organization=request.organization, name=name)
    initial = {field: getattr(severity, field) for field in actions.SEVERITY_FIELDS}
    form = SeveritySettingsForm(request.POST or None, initial=initial)
    return PAGES.save(
        request,
        form,
        lambda data: actions.severity_update(severity=severity, actor=Actor.from_request(request), **data),
        lambda saved: f"Severity {saved.name} saved.",
        section="severities",
        title=f"Edit {severity.name}",
        submit_label="Save changes",
        note=f"Used by {incidents(severity.incident_count)}: a new name or description shows on them too."
        if severity.incident_count
        else "",
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def severity_delete(request: HttpRequest, org_slug: str, name: str) -> HttpResponse:
    severity = selectors.severity_get(organization=request.organization, name=name)
    return PAGES.delete(
        request,
        lambda: actions.severity_delete(severity=severity, actor=Actor.from_request(request)),
        f"Severity {severity.name} deleted.",
        section="severities",
        title=f"Delete severity {severity.name}?",
        body="Responders will no longer be able to choose it. Only a severity that no incident uses can be "
        "deleted; incident types that pre-select it will have no default severity.",
        confirm_label="Delete severity",
    )


# --- incident roles ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def incident_role_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    positions = selectors.role_list(organization=request.organization).values_list("position", flat=True)
    form = IncidentRoleSettingsForm(request.POST or None, initial={"position": max(positions, default=-1) + 1})
    return PAGES.save(
        request,
        form,
        lambda data: actions.incident_role_create(
            organization=request.organization, actor=Actor.from_request(request), **data
        ),
        lambda role: f"Role {role.name} added.",
        section="roles",
        title="New incident role",
        submit_label="Add role",
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def incident_role_update(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    role = selectors.role_get(organization=request.organization, slug=slug)
    initial = {field: getattr(role, field) for field in actions.ROLE_FIELDS}
    form = IncidentRoleSettingsForm(request.POST or None, initial=initial)
    return PAGES.save(
        request,
        form,
        lambda data: actions.incident_role_update(
            role=role, actor=Actor.from_request(request), **without_blank_slug(data)
        ),
        lambda saved: f"Role {saved.name} saved.",
        section="roles",
        title=f"Edit {role.name}",
        submit_label="Save changes",
        note=f"Assigned in {incidents(role.incident_count)}. A changed checklist applies to the next "
        "assignments; tasks already created stay as they are."
        if role.incident_count
        else "",
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def incident_role_delete(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    role = selectors.role_get(organization=request.organization, slug=slug)
    return PAGES.delete(
        request,
        lambda: actions.incident_role_delete(role=role, actor=Actor.from_request(request)),
        f"Role {role.name} deleted.",
        section="roles",
        title=f"Delete role {role.name}?",
        body="It disappears from the role board of every incident. Only a role that was never assigned can be "
        "deleted, so that role history stays complete.",
        confirm_label="Delete role",
    )


# --- incident types ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def incident_type_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    positions = selectors.incident_type_list(organization=request.organization).values_list("position", flat=True)
    form = IncidentTypeSettingsForm(
        request.POST or None, organization=request.organization, initial={"position": max(positions, default=-1) + 1}
    )
    return PAGES.save(
        request,
        form,
        lambda data: actions.incident_type_create(
            organization=request.organization, actor=Actor.from_request(request), **data
        ),
        lambda incident_type: f"Incident type {incident_type.name} added.",
        section="types",
        title="New incident type",
        submit_label="Add incident type",
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def incident_type_update(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    incident_type = selectors.incident_type_get(organization=request.organization, slug=slug)
    initial = {field: getattr(incident_type, field) for field in actions.INCIDENT_TYPE_FIELDS}
    form = IncidentTypeSettingsForm(request.POST or None, organization=request.organization, initial=initial)
    return PAGES.save(
        request,
        form,
        lambda data: actions.incident_type_update(
            incident_type=incident_type, actor=Actor.from_request(request), **without_blank_slug(data)
        ),
        lambda saved: f"Incident type {saved.name} saved.",
        section="types",
        title=f"Edit {incident_type.name}",
        submit_label="Save changes",
        note=f"Used by {incidents(incident_type.incident_count)}. A changed checklist applies to incidents "
        "declared from now on; tasks already created stay as they are."
        if incident_type.incident_count
        else "",
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def incident_type_delete(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    incident_type = selectors.incident_type_get(organization=request.organization, slug=slug)
    used = incident_type.incident_count
    consequence = (
        f"{incidents(used)} of this type will have no type; their timelines still name it."
        if used
        else "No incident has this type."
    )
    return PAGES.delete(
        request,
        lambda: actions.incident_type_delete(incident_type=incident_type, actor=Actor.from_request(request)),
        f"Incident type {incident_type.name} deleted.",
        section="types",
        title=f"Delete incident type {incident_type.name}?",
        body=f"It disappears from the declare form. {consequence}",
        confirm_label="Delete incident type",
    )

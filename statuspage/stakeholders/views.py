"""Pages of stakeholder updates: the settings page (audiences and templates: every member reads it, admins
add, edit and delete) and the send form posted from the incident page's panel (responders).

A webhook URL is never shown again once saved: the list and the edit form show its host only."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.pages import SettingsPages, form_add_validation_error
from incidents import selectors as incident_selectors
from orgs.permissions import ADMIN, RESPONDER, role_required
from orgs.tenancy import Actor
from statuspage.models import AudienceKind
from statuspage.stakeholders import actions, panels, selectors
from statuspage.stakeholders.forms import AudienceForm, StakeholderSendForm, StakeholderTemplateForm

SETTINGS = "statuspage/stakeholders/settings.html"
PAGES = SettingsPages(
    settings="stakeholders:settings",
    crumb="Incidents",
    crumb_url="incidents:incident-list",
    title="Stakeholder updates",
)


@require_GET
def stakeholder_settings(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    audiences = [
        {
            "audience": audience,
            "target": actions.webhook_url_masked(audience.webhook_url)
            if audience.kind != AudienceKind.EMAIL
            else f"{len(audience.emails.splitlines())} address{'es' if len(audience.emails.splitlines()) != 1 else ''}",
        }
        for audience in selectors.audience_list(organization=organization)
    ]
    context = {
        "audiences": audiences,
        "templates": list(selectors.template_list(organization=organization)),
        "can_configure": request.membership.has_role(ADMIN),
    }
    return render(request, SETTINGS, context)


# --- audiences -----------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def audience_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = AudienceForm(request.POST or None)
    return PAGES.save(
        request,
        form,
        lambda data: actions.audience_create(
            organization=request.organization, actor=Actor.from_request(request), **data
        ),
        lambda audience: f"Audience {audience.name} added.",
        section="audiences",
        title="New audience",
        submit_label="Add audience",
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def audience_update(request: HttpRequest, org_slug: str, uuid: str) -> HttpResponse:
    audience = selectors.audience_get(organization=request.organization, uuid=uuid)
    initial = {"name": audience.name, "emails": audience.emails, "active": audience.active}
    form = AudienceForm(request.POST or None, initial=initial, audience=audience)
    return PAGES.save(
        request,
        form,
        lambda data: actions.audience_update(audience=audience, actor=Actor.from_request(request), **data),
        lambda saved: f"Audience {saved.name} saved.",
        section="audiences",
        title=f"Edit {audience.name}",
        submit_label="Save",
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def audience_delete(request: HttpRequest, org_slug: str, uuid: str) -> HttpResponse:
    audience = selectors.audience_get(organization=request.organization, uuid=uuid)
    return PAGES.delete(
        request,
        lambda: actions.audience_delete(audience=audience, actor=Actor.from_request(request)),
        f"Audience {audience.name} deleted.",
        section="audiences",
        title=f"Delete {audience.name}?",
        body="Its delivery history goes with it; the incidents' timelines keep a note of each update sent.",
        confirm_label="Delete audience",
    )


# --- templates -----------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def template_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = StakeholderTemplateForm(request.POST or None)
    return PAGES.save(
        request,
        form,
        lambda data: actions.template_create(
            organization=request.organization, actor=Actor.from_request(request), **data
        ),
        lambda template: f"Template {template.name} added.",
        section="templates",
        title="New template",
        submit_label="Add template",
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def template_update(request: HttpRequest, org_slug: str, uuid: str) -> HttpResponse:
    template = selectors.template_get(organization=request.organization, uuid=uuid)
    form = StakeholderTemplateForm(request.POST or None, initial={"name": template.name, "body": template.body})
    return PAGES.save(
        request,
        form,
        lambda data: actions.template_update(template=template, actor=Actor.from_request(request), **data),
        lambda saved: f"Template {saved.name} saved.",
        section="templates",
        title=f"Edit {template.name}",
        submit_label="Save",
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def template_delete(request: HttpRequest, org_slug: str, uuid: str) -> HttpResponse:
    template = selectors.template_get(organization=request.organization, uuid=uuid)
    return PAGES.delete(
        request,
        lambda: actions.template_delete(template=template, actor=Actor.from_request(request)),
        f"Template {template.name} deleted.",
        section="templates",
        title=f"Delete {template.name}?",
        body="Updates already sent with it keep their text.",
        confirm_label="Delete template",
    )


# --- sending from the incident page --------------------------------------------------------------------------


@require_POST
@role_required(RESPONDER)
def stakeholder_update_send(request: HttpRequest, org_slug: str, number: int) -> HttpResponse:
    """The panel's form: send, and go back to the panel; a refused send shows the form again (400)."""
    incident = incident_selectors.incident_get(organization=request.organization, number=number)
    form = StakeholderSendForm(request.POST, organization=request.organization, prefix=panels.FORM_PREFIX)
    if form.is_valid():
        try:
            actions.stakeholder_update_send(incident=incident, actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            count = len(form.cleaned_data["audiences"])
            messages.success(request, f"Stakeholder update sent to {count} audience{'s' if count != 1 else ''}.")
            url = reverse("incidents:incident-detail", kwargs={"org_slug": org_slug, "number": incident.number})
            return redirect(f"{url}#stakeholder-updates")
    context = {"incident": incident, **panels.incident_panel_context(request, incident, form=form)}
    return render(request, "statuspage/stakeholders/send.html", context, status=400)

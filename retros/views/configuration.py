"""The org's retro settings pages: the retro policy, templates and the contributing-factor taxonomy. Every member
reads them; admins change them (a refused change shows the form again with the reason, status 400)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.pages import SettingsPages, form_add_validation_error
from incidents import selectors as incident_selectors
from orgs.permissions import ADMIN, require_role, role_required
from orgs.tenancy import Actor
from retros import actions, selectors
from retros.forms import ContributingFactorForm, RetroSettingsForm, RetroTemplateForm

SETTINGS = "retros/retro_settings.html"
PAGES = SettingsPages(
    settings="retros:retro-settings",
    crumb="Retrospectives",
    crumb_url="retros:retrospective-list",
    title="Retrospective settings",
)


@require_http_methods(["GET", "POST"])
def retro_settings(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The retro policy, templates and factor taxonomy: every member reads them, admins change them."""
    can_configure = request.membership.has_role(ADMIN)
    if request.method == "POST":
        require_role(request.membership, ADMIN)
    actions.retro_defaults_ensure(organization=request.organization)
    policy = selectors.retro_settings_get(organization=request.organization)
    initial = {name: getattr(policy, name) for name in actions.SETTINGS_FIELDS}
    form = RetroSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.retro_settings_update(
                organization=request.organization, actor=Actor.from_request(request), **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, "Retrospective policy saved. It applies to incidents resolved from now on.")
            return redirect(PAGES.url(request, "policy"))
    context = {
        "form": form,
        "can_configure": can_configure,
        "templates": list(selectors.retro_template_list(organization=request.organization)),
        "factors": list(selectors.contributing_factor_list(organization=request.organization)),
        "severities": list(incident_selectors.severity_list(organization=request.organization)),
        "policy": policy,
    }
    return render(request, SETTINGS, context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def retro_template_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    default = selectors.retro_template_default(organization=request.organization)
    form = RetroTemplateForm(request.POST or None, initial={"sections": default.sections if default else []})
    return PAGES.save(
        request,
        form,
        lambda data: actions.retro_template_create(
            organization=request.organization, actor=Actor.from_request(request), **data
        ),
        lambda template: f"Template {template.name} added.",
        title="New retrospective template",
        submit_label="Add template",
        section="templates",
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def retro_template_update(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    template = selectors.retro_template_get(organization=request.organization, slug=slug)
    initial = {
        "name": template.name,
        "slug": template.slug,
        "description": template.description,
        "sections": template.sections,
        "is_default": template.is_default,
    }
    form = RetroTemplateForm(request.POST or None, initial=initial)
    return PAGES.save(
        request,
        form,
        lambda data: actions.retro_template_update(template=template, actor=Actor.from_request(request), **data),
        lambda saved: f"Template {saved.name} saved. New retrospectives use it; existing ones keep their sections.",
        title=f"Edit {template.name}",
        submit_label="Save template",
        section="templates",
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def retro_template_delete(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    template = selectors.retro_template_get(organization=request.organization, slug=slug)
    return PAGES.delete(
        request,
        lambda: actions.retro_template_delete(template=template, actor=Actor.from_request(request)),
        f"Template {template.name} deleted.",
        title=f"Delete the template {template.name}?",
        body="Retrospectives written from it keep their sections.",
        confirm_label="Delete template",
        section="templates",
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def contributing_factor_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = ContributingFactorForm(request.POST or None)
    return PAGES.save(
        request,
        form,
        lambda data: actions.contributing_factor_create(
            organization=request.organization, actor=Actor.from_request(request), **data
        ),
        lambda factor: f"Factor {factor.name} added.",
        title="New contributing factor",
        submit_label="Add factor",
        section="factors",
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def contributing_factor_update(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    factor = selectors.contributing_factor_get(organization=request.organization, slug=slug)
    initial = {"name": factor.name, "slug": factor.slug, "description": factor.description}
    form = ContributingFactorForm(request.POST or None, initial=initial)
    return PAGES.save(
        request,
        form,
        lambda data: actions.contributing_factor_update(factor=factor, actor=Actor.from_request(request), **data),
        lambda saved: f"Factor {saved.name} saved.",
        title=f"Edit {factor.name}",
        submit_label="Save factor",
        section="factors",
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def contributing_factor_delete(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    factor = selectors.contributing_factor_get(organization=request.organization, slug=slug)
    used = factor.retro_links.count()
    return PAGES.delete(
        request,
        lambda: actions.contributing_factor_delete(factor=factor, actor=Actor.from_request(request)),
        f"Factor {factor.name} deleted.",
        title=f"Delete the factor {factor.name}?",
        body=f"It is removed from the taxonomy and from {used} retrospective{'s' if used != 1 else ''} tagged "
        "with it; analytics stop counting it.",
        confirm_label="Delete factor",
        section="factors",
    )

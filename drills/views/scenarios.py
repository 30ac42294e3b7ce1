"""Pages of scenarios: the list, the editor (new and existing: fields, inject rows with their payload checked and
each error in its row, expected responses with targets in minutes; members see it read-only), approving (an admin
other than the author) and deleting one that never ran."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from drills import actions
from drills.forms import (
    FORMAT_LABELS,
    INJECT_FORMATS,
    INJECT_KIND_LABELS,
    INJECT_KINDS,
    PAYLOAD_EXAMPLES,
    ScenarioForm,
    apply_op,
    definition_from_rows,
    rows_from_post,
    rows_from_scenario,
)
from drills.models import Scenario, ScenarioStatus
from drills.views import common
from orgs.permissions import ADMIN, role_required
from orgs.tenancy import Actor
from services.models import Service

EDITOR = "drills/scenario_form.html"


@require_GET
def scenario_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    scenarios = (
        Scenario.objects.for_org(request.organization)
        .select_related("organization", "severity", "created_by", "approved_by")
        .prefetch_related("services")
        .order_by("title")
    )
    rows = [
        {
            "scenario": scenario,
            "injects": len(scenario.injects or []),
            "alerts": sum(1 for i in scenario.injects or [] if i.get("kind") == "alert"),
            "responses": len(scenario.expected_responses or []),
            "services": [s.name for s in scenario.services.all()],
        }
        for scenario in scenarios
    ]
    return render(request, "drills/scenario_list.html", {"rows": rows, "can_edit": common.can_edit(request)})


def _editor_context(
    request: HttpRequest,
    scenario: Scenario | None,
    form: ScenarioForm,
    injects: list,
    responses: list,
    other_errors: list[str] | None = None,
) -> dict[str, Any]:
    org_slug = request.organization.slug
    editable = common.can_edit(request)
    author_id = scenario.created_by_id if scenario else request.user.pk
    return {
        "scenario": scenario,
        "form": form,
        "inject_rows": injects,
        "response_rows": responses,
        "other_errors": other_errors or [],
        "has_errors": bool(other_errors) or bool(form.errors) or any(r.errors for r in [*injects, *responses]),
        "editable": editable,
        "can_approve": bool(
            editable and scenario and scenario.status == ScenarioStatus.DRAFT and author_id != request.user.pk
        ),
        "is_author": scenario is not None and author_id == request.user.pk,
        "editor_url": common.scenario_url("drills:scenario", scenario)
        if scenario
        else reverse("drills:scenario-create", kwargs={"org_slug": org_slug}),
        "services": list(Service.objects.for_org(request.organization).order_by("name").values_list("slug", "name")),
        "kinds": [(kind, INJECT_KIND_LABELS[kind]) for kind in INJECT_KINDS],
        "formats": [(fmt, FORMAT_LABELS[fmt]) for fmt in INJECT_FORMATS],
        "payload_examples": PAYLOAD_EXAMPLES,
        "max_rows": actions.scenarios.MAX_INJECTS,
        "runs": list(scenario.runs.order_by("-number")[:10]) if scenario else [],
    }


def _editor(request: HttpRequest, scenario: Scenario | None) -> HttpResponse:
    """GET: the editor (read-only for members). POST with `op` add-inject / remove-inject-<i>: the editor again
    with the change, nothing saved. POST to save: create or update, or the editor with each error in its row (400)."""
    organization = request.organization
    if request.method != "POST":
        form = ScenarioForm(initial=ScenarioForm.initial_for(scenario) if scenario else {}, organization=organization)
        injects, responses = rows_from_scenario(scenario)
        return render(request, EDITOR, _editor_context(request, scenario, form, injects, responses))

    if not common.can_edit(request):
        return HttpResponse("Only admins change scenarios.", status=403)
    form = ScenarioForm(request.POST, organization=organization)
    injects, responses = rows_from_post(request.POST)
    op = request.POST.get("op", "save")
    if op != "save":
        form.is_valid()  # shows what was typed, errors left for the save
        form.errors.clear()
        default_service = (request.POST.getlist("services") or [""])[0]
        injects = apply_op(op, injects, default_service)
        return render(request, EDITOR, _editor_context(request, scenario, form, injects, responses))

    stored_injects, expected, other_errors = definition_from_rows(organization, injects, responses)
    row_errors = any(row.errors for row in [*injects, *responses])
    if form.is_valid() and not row_errors and not other_errors:
        fields = {
            **form.cleaned_data,
            "services": list(form.cleaned_data["services"]),
            "injects": stored_injects,
            "expected_responses": expected,
        }
        actor = Actor.from_request(request)
        try:
            if scenario is None:
                saved = actions.scenario_create(organization=organization, actor=actor, **fields)
                messages.success(request, f"Scenario “{saved.title}” saved as a draft: another admin approves it.")
            else:
                was_approved = scenario.status == ScenarioStatus.APPROVED
                saved = actions.scenario_update(scenario=scenario, actor=actor, **fields)
                if was_approved and saved.status == ScenarioStatus.DRAFT:
                    messages.warning(request, "Scenario changed: it is a draft again and needs a new approval.")
                else:
                    messages.success(request, "Scenario saved.")
        except ValidationError as error:
            for name, errors in error.message_dict.items():
                if name in form.fields:
                    for message in errors:
                        form.add_error(name, message)
                else:
                    other_errors.extend(errors)
        else:
            return redirect(common.scenario_url("drills:scenario", saved))
    context = _editor_context(request, scenario, form, injects, responses, other_errors)
    return render(request, EDITOR, context, status=400)


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def scenario_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    return _editor(request, None)


@require_http_methods(["GET", "POST"])
def scenario_detail(request: HttpRequest, org_slug: str, scenario_id: Any) -> HttpResponse:
    return _editor(request, common.scenario_get(request, scenario_id))


@require_POST
@role_required(ADMIN)
def scenario_approve(request: HttpRequest, org_slug: str, scenario_id: Any) -> HttpResponse:
    scenario = common.scenario_get(request, scenario_id)
    try:
        actions.scenario_approve(scenario=scenario, actor=Actor.from_request(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"“{scenario.title}” approved: it can run.")
    return redirect(common.scenario_url("drills:scenario", scenario))


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def scenario_delete(request: HttpRequest, org_slug: str, scenario_id: Any) -> HttpResponse:
    scenario = common.scenario_get(request, scenario_id)
    back = common.scenario_url("drills:scenario", scenario)
    if request.method == "POST":
        try:
            actions.scenario_delete(scenario=scenario, actor=Actor.from_request(request))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(back)
        messages.success(request, f"Scenario “{scenario.title}” deleted.")
        return redirect("drills:scenarios", org_slug=org_slug)
    context = {
        "title": f"Delete the scenario “{scenario.title}”?",
        "body": "It is gone for good. A scenario that has run stays as its runs' record and cannot be deleted.",
        "confirm_label": "Delete scenario",
        "cancel_url": back,
    }
    return render(request, "components/confirm.html", context)

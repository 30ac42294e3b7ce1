"""Pages of workflows: the list (with the enabled toggle), the editor (new and existing, with live validation), the
read-only page members see, the dry run against a past incident and deleting one. Every member reads; admins
write (the server checks the role on every write)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.pages import confirm_delete
from incidents import selectors as incident_selectors
from orgs.permissions import ADMIN, require_role, role_required
from orgs.tenancy import Actor
from orgs.web import paginate
from workflows import actions, selectors, validation
from workflows.forms import WEEKDAYS, WorkflowForm, apply_op, definition_from_post, editor_rows, field_specs
from workflows.models import ConditionMode, Trigger, Workflow
from workflows.views import common

EDITOR = "workflows/workflow_form.html"
DRY_RUN_INCIDENTS = 50


@require_GET
def workflow_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    page = paginate(request, common.workflow_list(request))
    last_runs = selectors.last_runs(organization=request.organization)
    rows = [
        {
            "workflow": workflow,
            "trigger": common.trigger_text(workflow.trigger),
            "conditions": common.conditions_text(workflow),
            "steps": len(workflow.actions or []),
            "last_run": last_runs.get(workflow.pk),
            "badge": common.RUN_BADGES.get(getattr(last_runs.get(workflow.pk), "status", ""), "badge-neutral"),
        }
        for workflow in page
    ]
    context = {"page": page, "rows": rows, "can_edit": common.can_edit(request)}
    return render(request, "workflows/workflow_list.html", context)


def _field_errors(form: WorkflowForm) -> dict[str, list[str]]:
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


def _definition_errors(request: HttpRequest, form: WorkflowForm, conditions: list, steps: list) -> dict[str, list]:
    """What the engine says of the rows (no write): {} when they are fine."""
    data = {
        "trigger": request.POST.get("trigger", ""),
        "condition_mode": request.POST.get("condition_mode") or ConditionMode.ALL,
        "conditions": conditions,
        "actions": steps,
    }
    try:
        validation.workflow_validate(organization=request.organization, data=data)
    except ValidationError as exc:
        return {key: [str(m) for m in messages] for key, messages in exc.message_dict.items()}
    return {}


def _editor_context(
    request: HttpRequest,
    workflow: Workflow | None,
    form: WorkflowForm,
    conditions: list,
    steps: list,
    errors: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    trigger = (form.data.get("trigger") if form.is_bound else form.initial.get("trigger")) or Trigger.INCIDENT_DECLARED
    condition_rows, action_rows, other_errors = editor_rows(
        request.organization, trigger, conditions, steps, errors, describe=True
    )
    org_slug = request.organization.slug
    if workflow is None:
        editor_url = reverse("workflows:create", kwargs={"org_slug": org_slug})
        validate_url = reverse("workflows:validate", kwargs={"org_slug": org_slug})
    else:
        editor_url = common.workflow_url("workflows:detail", workflow)
        validate_url = common.workflow_url("workflows:detail-validate", workflow)
    return {
        "workflow": workflow,
        "form": form,
        "condition_rows": condition_rows,
        "action_rows": action_rows,
        "other_errors": other_errors,
        "has_errors": bool(errors) or bool(form.errors),
        "field_slots": [(f"errors-{name}", form.errors.get(name, [])) for name in ("name", "description", "trigger")],
        "editor_url": editor_url,
        "validate_url": validate_url,
        "max_rows": 20,
        "weekdays": WEEKDAYS,
    }


def _posted_form(request: HttpRequest, workflow: Workflow | None, *, bound: bool) -> WorkflowForm:
    if bound:
        return WorkflowForm(request.POST, organization=request.organization, workflow=workflow)
    initial = {name: request.POST.get(name, "") for name in WorkflowForm.base_fields}
    for flag in ("run_in_drills", "is_enabled"):
        initial[flag] = request.POST.get(flag) == "on"
    return WorkflowForm(initial=initial, organization=request.organization, workflow=workflow)


def _save(request: HttpRequest, workflow: Workflow | None, fields: dict[str, Any]) -> Workflow:
    actor = Actor.from_request(request)
    if workflow is None:
        return actions.workflow_create(organization=request.organization, actor=actor, **fields)
    return actions.workflow_update(workflow=workflow, actor=actor, **fields)


def _editor(request: HttpRequest, workflow: Workflow | None) -> HttpResponse:
    """GET: the editor. POST with `op` (a row button): the rows again with the change (only the rows over htmx).
    POST to save: create or update, or the editor again with every error next to its row (400)."""
    organization = request.organization
    if request.method != "POST":
        if workflow is not None:
            initial = WorkflowForm.initial_for(workflow)
            conditions, steps = list(workflow.conditions or []), list(workflow.actions or [])
        else:
            initial = {"trigger": Trigger.INCIDENT_DECLARED, "condition_mode": ConditionMode.ALL, "is_enabled": True}
            conditions, steps = [], []
        form = WorkflowForm(initial=initial, organization=organization, workflow=workflow)
        return render(request, EDITOR, _editor_context(request, workflow, form, conditions, steps))

    op = request.POST.get("op", "save")
    trigger = request.POST.get("trigger", "")
    conditions, steps, errors = definition_from_post(request.POST, organization, trigger)
    if op != "save":
        conditions, steps = apply_op(op, conditions, steps, field_specs(organization, trigger))
        form = _posted_form(request, workflow, bound=False)
        context = _editor_context(request, workflow, form, conditions, steps)
        return render(request, EDITOR + ("#rows" if request.htmx else ""), context)

    form = _posted_form(request, workflow, bound=True)
    if form.is_valid() and not errors:
        fields = {**form.cleaned_data, "conditions": conditions, "actions": steps}
        try:
            saved = _save(request, workflow, fields)
        except ValidationError as exc:
            for key, texts in exc.message_dict.items():
                if key in form.fields:
                    form.add_error(key, texts)
                else:
                    errors.setdefault(key, []).extend(texts)
        else:
            verb = "created" if workflow is None else "saved"
            messages.success(request, f"Workflow “{saved.name}” {verb}.")
            return redirect(common.workflow_url("workflows:detail", saved))
    if not errors:
        errors = _definition_errors(request, form, conditions, steps)
    context = _editor_context(request, workflow, form, conditions, steps, errors)
    return render(request, EDITOR, context, status=400)


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def workflow_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    return _editor(request, None)


def _steps_text(request: HttpRequest, workflow: Workflow) -> list[dict[str, Any]]:
    return [
        {
            "position": position,
            "label": common.action_label(str(step.get("action", ""))),
            "text": common.action_text(request.organization, step),
            "delay": common.delay_text(step.get("delay_seconds") or 0),
            "enabled": step.get("enabled", True),
        }
        for position, step in enumerate(workflow.actions or [], start=1)
        if isinstance(step, dict)
    ]


@require_http_methods(["GET", "POST"])
def workflow_detail(request: HttpRequest, org_slug: str, workflow_id: Any) -> HttpResponse:
    """The workflow: its editor for admins, what it does in words for every other member."""
    workflow = common.workflow_get(request, workflow_id)
    if common.can_edit(request):
        return _editor(request, workflow)
    if request.method == "POST":
        require_role(request.membership, ADMIN)
    context = {
        "workflow": workflow,
        "trigger": common.trigger_text(workflow.trigger),
        "conditions": [common.condition_text(c) for c in workflow.conditions or [] if isinstance(c, dict)],
        "steps": _steps_text(request, workflow),
        "runs": list(common.run_list(request, workflow)[:5]),
        "run_badges": common.RUN_BADGES,
    }
    return render(request, "workflows/workflow_detail.html", context)


@require_POST
@role_required(ADMIN)
def workflow_validate(request: HttpRequest, org_slug: str, workflow_id: Any = None) -> HttpResponse:
    """The editor's live validation (htmx): the errors of the posted form, each into its row's slot."""
    workflow = common.workflow_get(request, workflow_id) if workflow_id is not None else None
    trigger = request.POST.get("trigger", "")
    conditions, steps, errors = definition_from_post(request.POST, request.organization, trigger)
    form = _posted_form(request, workflow, bound=True)
    form.is_valid()
    errors = {**_definition_errors(request, form, conditions, steps), **errors}
    context = _editor_context(request, workflow, form, conditions, steps, errors)
    return render(request, "workflows/partials/_editor_errors.html", context)


@require_POST
@role_required(ADMIN)
def workflow_toggle(request: HttpRequest, org_slug: str, workflow_id: Any) -> HttpResponse:
    """Enable or disable (the list's switch): `enabled` is "on" to enable."""
    workflow = common.workflow_get(request, workflow_id)
    enabled = request.POST.get("enabled") == "on"
    try:
        workflow = actions.workflow_set_enabled(workflow=workflow, actor=Actor.from_request(request), enabled=enabled)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        state = "enabled" if workflow.is_enabled else "disabled"
        messages.success(request, f"Workflow “{workflow.name}” {state}.")
    return redirect(reverse("workflows:list", kwargs={"org_slug": org_slug}) + f"#workflow-{workflow.uuid}")


@require_GET
def workflow_dry_run(request: HttpRequest, org_slug: str, workflow_id: Any) -> HttpResponse:
    """What the workflow would do for a past incident (nothing is written): each condition held or not, each step's
    planned outcome."""
    workflow = common.workflow_get(request, workflow_id)
    recent = incident_selectors.incident_list(organization=request.organization, sort="newest")
    incidents = list(recent[:DRY_RUN_INCIDENTS])
    chosen, result, error = request.GET.get("incident", "").strip()[:20], None, ""
    incident = None
    if chosen:
        number = chosen.upper().removeprefix("INC-")
        if number.isdigit() and len(number) < 10:
            incident = next((i for i in incidents if i.number == int(number)), None)
            if incident is None:
                try:
                    incident = incident_selectors.incident_get(organization=request.organization, number=int(number))
                except Http404:
                    incident = None
        if incident is None:
            error = f"There is no incident {chosen[:20]} in {request.organization.name}."
        else:
            result = actions.workflow_dry_run(workflow=workflow, incident=incident)
    if incident is not None and incident not in incidents:
        incidents.insert(0, incident)
    context = {
        "workflow": workflow,
        "incidents": incidents,
        "incident": incident,
        "chosen": chosen,
        "result": result,
        "conditions": [
            {**c, "text": common.condition_text(c)} for c in (result.conditions if result is not None else [])
        ],
        "error": error,
        "step_badges": common.STEP_BADGES,
    }
    return render(request, "workflows/workflow_dry_run.html", context, status=404 if error else 200)


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def workflow_delete(request: HttpRequest, org_slug: str, workflow_id: Any) -> HttpResponse:
    workflow = common.workflow_get(request, workflow_id)
    return confirm_delete(
        request,
        lambda: actions.workflow_delete(workflow=workflow, actor=Actor.from_request(request)),
        f"Workflow “{workflow.name}” deleted.",
        back=reverse("workflows:list", kwargs={"org_slug": org_slug}),
        template="workflows/confirm.html",
        workflow=workflow,
        title=f"Delete the workflow “{workflow.name}”?",
        body="It stops running at once. Its past runs stay in the run log and on the incidents' timelines.",
        confirm_label="Delete workflow",
        cancel_label="Keep it",
        cancel_url=common.workflow_url("workflows:detail", workflow),
    )

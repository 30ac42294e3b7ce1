"""Pages of workflow runs: a workflow's run log, a run's page (each step: status, outcome, error, due time; the
incident timeline links here) and canceling a run under way (admins)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from orgs.permissions import ADMIN, role_required
from orgs.tenancy import Actor
from orgs.web import paginate
from workflows import actions
from workflows.models import RunStatus, WorkflowRun
from workflows.views import common


def _run_url(run: WorkflowRun) -> str:
    return reverse("workflows:run", kwargs={"org_slug": run.organization.slug, "run_id": run.uuid})


@require_GET
def run_list(request: HttpRequest, org_slug: str, workflow_id: Any) -> HttpResponse:
    """A workflow's runs, newest first (paginated)."""
    workflow = common.workflow_get(request, workflow_id)
    page = paginate(request, common.run_list(request, workflow))
    context = {
        "workflow": workflow,
        "page": page,
        "run_badges": common.RUN_BADGES,
        "can_edit": common.can_edit(request),
    }
    return render(request, "workflows/run_list.html", context)


@require_GET
def run_detail(request: HttpRequest, org_slug: str, run_id: Any) -> HttpResponse:
    run = common.run_get(request, run_id)
    steps = [
        {
            "step": step,
            "label": common.action_label(step.action),
            "text": common.action_text(request.organization, {"action": step.action, "params": step.params}),
            "delay": common.delay_text(step.delay_seconds),
            "badge": common.STEP_BADGES.get(step.status, "badge-neutral"),
        }
        for step in run.steps.order_by("position")
    ]
    context = {
        "run": run,
        "steps": steps,
        "trigger": common.trigger_text(run.trigger),
        "matched": [{**c, "text": common.condition_text(c)} for c in run.matched or [] if isinstance(c, dict)],
        "badge": common.RUN_BADGES.get(run.status, "badge-neutral"),
        "can_cancel": common.can_edit(request) and run.status == RunStatus.RUNNING,
    }
    return render(request, "workflows/run_detail.html", context)


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def run_cancel(request: HttpRequest, org_slug: str, run_id: Any) -> HttpResponse:
    """GET asks for confirmation; POST cancels the run's pending steps (they are skipped with the reason)."""
    run = common.run_get(request, run_id)
    back = _run_url(run)
    if request.method == "POST":
        actor = Actor.from_request(request)
        reason = f"Canceled by {request.user.display_name}"
        try:
            actions.run_cancel(run=run, actor=actor, reason=reason)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Run of “{run.workflow_name}” canceled: its pending steps will not run.")
        return redirect(back)
    context = {
        "run": run,
        "title": f"Cancel this run of “{run.workflow_name}”?",
        "body": "Its steps that have not run yet are skipped; what already ran stays done.",
        "confirm_label": "Cancel run",
        "cancel_label": "Keep it",
        "cancel_url": back,
    }
    return render(request, "workflows/confirm.html", context)

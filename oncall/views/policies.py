"""Pages of escalation policies (list, editor, detail, delete) and manual paging from an incident."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from oncall import subjects
from oncall.actions import manual_paging
from oncall.actions import policies as actions
from oncall.forms.policies import (
    PageForm,
    PolicyForm,
    posted_step_values,
    step_forms,
    step_values,
    steps_apply_op,
)
from oncall.models import EscalationPolicy
from oncall.selectors import policies as selectors
from orgs.permissions import ADMIN, RESPONDER, role_required
from orgs.tenancy import Actor
from orgs.web import form_add_validation_error, paginate

EDITOR = "oncall/policy_form.html"


def _names(users: list[Any]) -> str:
    names = [user.display_name for user in users]
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)


@require_GET
def policy_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    page = paginate(request, selectors.policy_list(organization=request.organization, search=search))
    now = timezone.now()
    rows = [(policy, selectors.policy_reachable(policy=policy, at=now)) for policy in page]
    context = {
        "page": page,
        "rows": rows,
        "search": search,
        "query": urlencode({"q": search}) if search else "",
        "can_manage": request.membership.has_role(ADMIN),
    }
    return render(request, "oncall/policy_list.html", context)


@require_GET
def policy_detail(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    policy = selectors.policy_get(organization=request.organization, slug=slug)
    now = timezone.now()
    steps_now = selectors.policy_now(policy=policy, at=now)
    context = {
        "policy": policy,
        "steps_now": steps_now,
        "reachable": any(step.users for step in steps_now),
        "services": list(selectors.policy_services(policy=policy)),
        "now": now,
        "can_manage": request.membership.has_role(ADMIN),
    }
    return render(request, "oncall/policy_detail.html", context)


def _editor(request: HttpRequest, policy: EscalationPolicy | None) -> HttpResponse:
    """The create/edit page: steps added, removed and moved by `op` buttons; `op=save` saves everything."""
    organization = request.organization
    op = request.POST.get("op", "save") if request.method == "POST" else ""
    if request.method != "POST":
        initial = PolicyForm.initial_for(policy) if policy else {}
        values = step_values(policy) if policy else steps_apply_op([], "add")
        form = PolicyForm(organization=organization, initial=initial)
        steps = step_forms(organization=organization, values=values, bound=False)
    elif op != "save":
        initial = {name: request.POST.get(name, "") for name in PolicyForm.base_fields}
        values = steps_apply_op(posted_step_values(request.POST), op)
        form = PolicyForm(organization=organization, initial=initial)
        steps = step_forms(organization=organization, values=values, bound=False)
    else:
        form = PolicyForm(request.POST, organization=organization)
        steps = step_forms(organization=organization, values=posted_step_values(request.POST), bound=True)
        if not steps:
            form.add_error(None, "Add at least one step: who is notified first.")
        steps_valid = all([step.is_valid() for step in steps])
        if form.is_valid() and steps_valid:
            fields = {
                **form.cleaned_data,
                "steps": [{"wait_minutes": s.cleaned_data["wait_minutes"], "targets": s.targets()} for s in steps],
            }
            actor = Actor.from_request(request)
            try:
                if policy is None:
                    saved = actions.policy_create(organization=organization, actor=actor, **fields)
                else:
                    saved = actions.policy_update(policy=policy, actor=actor, **fields)
            except ValidationError as exc:
                form_add_validation_error(form, exc)
            else:
                messages.success(request, f"Escalation policy “{saved.name}” saved.")
                return redirect("oncall:policy-detail", org_slug=organization.slug, slug=saved.slug)
    has_errors = bool(form.errors) or any(step.errors for step in steps)
    context = {"form": form, "steps": steps, "step_count": len(steps), "policy": policy, "has_errors": has_errors}
    return render(request, EDITOR, context, status=400 if has_errors else 200)


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def policy_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    return _editor(request, None)


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def policy_update(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    return _editor(request, selectors.policy_get(organization=request.organization, slug=slug))


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def policy_delete(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    policy = selectors.policy_get(organization=request.organization, slug=slug)
    if request.method == "POST":
        services = actions.policy_delete(policy=policy, actor=Actor.from_request(request))
        count = len(services)
        note = f" {count} service{'s now page' if count != 1 else ' now pages'} nobody." if count else ""
        messages.success(request, f"Escalation policy “{policy.name}” deleted.{note}")
        return redirect("oncall:policy-list", org_slug=org_slug)
    context = {"policy": policy, "services": list(selectors.policy_services(policy=policy))}
    return render(request, "oncall/policy_delete.html", context)


# --- manual paging -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(RESPONDER)
def incident_page(request: HttpRequest, org_slug: str, number: int) -> HttpResponse:
    """Page people, a team or a schedule's on-call about an incident now (the panel's form posts here)."""
    # The incident is found by the finder the incidents app registers (oncall sits below it: oncall.subjects).
    incident = subjects.incident_find(organization=request.organization, number=number)
    if incident is None:
        raise Http404("No such incident.")
    form = PageForm(request.POST or None, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notifications = manual_paging.incident_page(
                incident=incident,
                actor=Actor.from_request(request),
                message=data["message"],
                users=list(data["users"]),
                team=data["team"],
                schedule=data["schedule"],
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            people = list({n.user_id: n.user for n in notifications if n.user_id}.values())
            messages.success(request, f"Paged {_names(people) or 'nobody new'} about {incident.reference}.")
            url = reverse("incidents:incident-detail", kwargs={"org_slug": org_slug, "number": incident.number})
            return redirect(f"{url}#oncall-panel")
    context = {"incident": incident, "form": form}
    return render(request, "oncall/policy_page_incident.html", context, status=400 if form.errors else 200)

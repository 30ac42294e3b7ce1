"""Pages of the incidents app: the incident list, declaring, and the incident page responders work in.

Every state change is a POST that calls one action and redirects back to the incident (the change
reaches every open browser, this one included, through the live timeline). A refused change
re-renders the incident page with the reason and status 400."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from core.pages import RecordPage, form_add_validation_error
from incidents import actions, blast_radius, selectors
from incidents.forms import (
    IncidentDeclareForm,
    IncidentFilterForm,
    IncidentUpdateForm,
    MergeForm,
    MilestonesForm,
    NoteForm,
    PinForm,
    RoleAssignForm,
    RoleReleaseForm,
    SeverityForm,
    StatusUpdateForm,
    TaskAddForm,
    TaskToggleForm,
    TimelineFilterForm,
    TransitionForm,
)
from incidents.models import MILESTONES, Incident, IncidentStatus, TimelineKind
from oncall.actions import manual_paging
from orgs import selectors as org_selectors
from orgs.permissions import RESPONDER, role_required
from orgs.tenancy import Actor
from orgs.web import paginate

DETAIL = "incidents/incident_detail.html"


# --- helpers ----------------------------------------------------------------------------------------


def incident_redirect(incident: Incident, anchor: str = "") -> HttpResponse:
    response = redirect("incidents:incident-detail", org_slug=incident.organization.slug, number=incident.number)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def timeline_context(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    """One newest-first page of the timeline (keyset on event id), optionally of one kind."""
    form = TimelineFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    kind, before = filters.get("kind") or "", filters.get("before")
    page = selectors.timeline_list(incident=incident, kind=kind, before_id=before, limit=selectors.TIMELINE_PAGE + 1)
    events, more = page[: selectors.TIMELINE_PAGE], len(page) > selectors.TIMELINE_PAGE
    if kind or before:  # the browser catches up from the newest event of any kind, not from this page's newest
        newest = selectors.timeline_list(incident=incident, limit=1)
        latest = newest[0].pk if newest else 0
    else:
        latest = events[0].pk if events else 0
    return {
        "incident": incident,
        "events": events,
        "latest_event_id": latest,
        "older_than": events[-1].pk if more else None,
        "kind": kind,
        "before": before,
    }


def detail_context(request: HttpRequest, incident: Incident, **overrides: Any) -> dict[str, Any]:
    """Everything the incident page shows, in a constant number of queries whatever the timeline's length."""
    can_respond = request.membership.has_role(RESPONDER)
    tasks = list(selectors.task_list(incident=incident))
    context = {
        **timeline_context(request, incident),
        "can_respond": can_respond,
        "viewer": not can_respond,
        "pinned": selectors.timeline_pinned(incident=incident),
        "roles": selectors.role_board(incident=incident),
        "role_history": list(selectors.role_history(incident=incident)),
        "tasks": tasks,
        "tasks_done": sum(1 for task in tasks if task.completed_at),
        "members": list(org_selectors.member_choices(organization=incident.organization)) if can_respond else [],
        "severities": list(selectors.severity_list(organization=incident.organization)),
        "blast_radius": blast_radius.dependents(incident, timezone.now()),
        "alert_groups": list(incident.alert_groups.select_related("service").order_by("-last_seen", "-id")),
        "milestones": [(name, getattr(incident, name)) for name in MILESTONES],
        "kinds": TimelineKind.choices,
        "note_form": NoteForm(),
        "update_form": StatusUpdateForm(incident=incident),
        "task_form": TaskAddForm(organization=incident.organization),
    }
    context.update(overrides)
    return context


# The incident page: a done change goes back to it, a refused one shows it again with why (400).
PAGE = RecordPage(template=DETAIL, context=detail_context, back=incident_redirect)


def get_incident(request: HttpRequest, number: int) -> Incident:
    return selectors.incident_get(organization=request.organization, number=number)


# --- list and declare ---------------------------------------------------------------------------------


@require_GET
def incident_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = IncidentFilterForm(request.GET, organization=request.organization)
    filters = form.filters()
    page = paginate(request, selectors.incident_list(organization=request.organization, **filters))
    query = request.GET.copy()
    query.pop("page", None)
    filtered = any(value not in ("", None) for key, value in filters.items() if key != "sort")
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "filtered": filtered,
        "live_insert": not filtered and not filters["sort"] and page.number == 1,
        "can_respond": request.membership.has_role(RESPONDER),
    }
    return render(request, "incidents/incident_list.html", context)


@require_http_methods(["GET", "POST"])
@role_required(RESPONDER)
def incident_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = IncidentDeclareForm(
        request.POST or None,
        organization=request.organization,
        user=request.user,
        initial={"incident_type": request.GET.get("type", "")},  # a declare link can name the type: ?type=<slug>
    )
    if request.method == "POST" and form.is_valid():
        try:
            incident = actions.incident_declare(
                organization=request.organization, actor=Actor.from_request(request), **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, f"{incident.reference} declared. You are on the incident page: work it here.")
            return incident_redirect(incident)
    return render(request, "incidents/incident_create.html", {"form": form}, status=400 if form.errors else 200)


# --- the incident page --------------------------------------------------------------------------------


@require_GET
@vary_on_headers("HX-Request")
def incident_detail(request: HttpRequest, org_slug: str, number: int) -> HttpResponse:
    incident = get_incident(request, number)
    if request.htmx and request.GET.get("before"):
        return render(request, f"{DETAIL}#timeline-page", timeline_context(request, incident))
    if request.htmx and request.GET.get("part") == "side":  # roles, tasks, services: refreshed after live events
        return render(request, f"{DETAIL}#incident-side", detail_context(request, incident))
    return render(request, DETAIL, detail_context(request, incident))


@require_POST
@role_required(RESPONDER)
def incident_transition(request: HttpRequest, org_slug: str, number: int) -> HttpResponse:
    incident = get_incident(request, number)
    form = TransitionForm(request.POST)
    status = IncidentStatus(form.data["status"]).label if form.data.get("status") in IncidentStatus.values else "?"
    return PAGE.apply(
        request,
        incident,
        form,
        lambda data: actions.incident_transition(incident=incident, actor=Actor.from_request(request), **data),
        f"{incident.reference} is now {status.lower()}.",
        "The status did not change",
    )


@require_http_methods(["GET", "POST"])
@role_required(RESPONDER)
def incident_merge(request: HttpRequest, org_slug: str, number: int) -> HttpResponse:
    """Merge a triage incident into another open one (the duplicate's responders join the other)."""
    incident = get_incident(request, number)
    form = MergeForm(request.POST or None, organization=request.organization, incident=incident)
    if request.method == "POST" and form.is_valid():
        into = form.cleaned_data["into"]
        try:
            actions.incident_transition(
                incident=incident, status=IncidentStatus.MERGED, actor=Actor.from_request(request), merged_into=into
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, f"{incident.reference} was merged into {into.reference}.")
            return redirect("incidents:incident-detail", org_slug=org_slug, number=into.number)
    context = {"incident": incident, "form": form}
    return render(request, "incidents/incident_merge.html", context, status=400 if form.errors else 200)


@require_POST
@role_required(RESPONDER)
def incident_severity(request: HttpRequest, org_slug: str, number: int) -> HttpResponse:
    incident = get_incident(request, number)
    form = SeverityForm(request.POST, organization=request.organization)
    return PAGE.apply(
        request,
        incident,
        form,
        lambda data: actions.incident_update(incident=incident, actor=Actor.from_request(request), **data),
        f"Severity of {incident.reference} set to {request.POST.get('severity', '')}.",
        "The severity did not change",
    )


@require_http_methods(["GET", "POST"])
@role_required(RESPONDER)
def incident_update(request: HttpRequest, org_slug: str, number: int) -> HttpResponse:
    incident = get_incident(request, number)
    initial = {
        "title": incident.title,
        "summary": incident.summary,
        "customer_impact": incident.customer_impact,
        "services": [link.service.slug for link in incident.service_links.all()],
        "incident_type": incident.incident_type.slug if incident.incident_type_id else "",
    }
    form = IncidentUpdateForm(request.POST or None, organization=request.organization, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.incident_update(incident=incident, actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, f"{incident.reference} saved.")
            return incident_redirect(incident)
    context = {"form": form, "incident": incident}
    return render(request, "incidents/incident_update.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@role_required(RESPONDER)
def incident_milestones(request: HttpRequest, org_slug: str, number: int) -> HttpResponse:
    incident = get_incident(request, number)
    form = MilestonesForm(request.POST or None, initial={name: getattr(incident, name) for name in MILESTONES})
    if request.method == "POST" and form.is_valid():
        try:
            actions.incident_milestones_update(
                incident=incident,
                actor=Actor.from_request(request),
                reason=form.cleaned_data["reason"],
                **form.milestones(),
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, f"Milestones of {incident.reference} saved.")
            return incident_redirect(incident, "milestones")
    context = {"form": form, "incident": incident}
    return render(request, "incidents/incident_milestones.html", context, status=400 if form.errors else 200)


# --- roles and tasks -------------------------------------------------------------------------------------


@require_POST
@role_required(RESPONDER)
def incident_role_assign(request: HttpRequest, org_slug: str, number: int) -> HttpResponse:
    incident = get_incident(request, number)
    form = RoleAssignForm(request.POST, organization=request.organization)
    return PAGE.apply(
        request,
        incident,
        form,
        lambda data: actions.role_assign(incident=incident, actor=Actor.from_request(request), **data),
        "Role assigned.",
        "The role was not assigned",
        "roles",
    )


@require_POST
@role_required(RESPONDER)
def incident_role_release(request: HttpRequest, org_slug: str, number: int) -> HttpResponse:
    incident = get_incident(request, number)
    form = RoleReleaseForm(request.POST, organization=request.organization)
    return PAGE.apply(
        request,
        incident,
        form,
        lambda data: actions.role_release(incident=incident, actor=Actor.from_request(request), **data),
        "Role released.",
        "The role was not released",
        "roles",
    )


@require_POST
@role_required(RESPONDER)
def incident_task_add(request: HttpRequest, org_slug: str, number: int) -> HttpResponse:
    incident = get_incident(request, number)
    form = TaskAddForm(request.POST, organization=request.organization)
    return PAGE.apply(
        request,
        incident,
        form,
        lambda data: actions.task_add(incident=incident, actor=Actor.from_request(request), **data),
        "Task added.",
        "The task was not added",
        "tasks",
        task_form=form,
    )


@require_POST
@role_required(RESPONDER)
def incident_task_toggle(request: HttpRequest, org_slug: str, number: int, uuid: str) -> HttpResponse:
    incident = get_incident(request, number)
    task = selectors.task_get(incident=incident, uuid=uuid)
    form = TaskToggleForm(request.POST)
    return PAGE.apply(
        request,
        incident,
        form,
        lambda data: actions.task_complete(task=task, actor=Actor.from_request(request), **data),
        f"Task {'done' if form.data.get('completed') else 'reopened'}: {task.title}",
        "The task did not change",
        "tasks",
    )


# --- notes, status updates, pins -----------------------------------------------------------------------


@require_POST
@role_required(RESPONDER)
def incident_note_add(request: HttpRequest, org_slug: str, number: int) -> HttpResponse:
    incident = get_incident(request, number)
    form = NoteForm(request.POST)
    return PAGE.apply(
        request,
        incident,
        form,
        lambda data: actions.note_add(incident=incident, actor=Actor.from_request(request), **data),
        "Note added to the timeline.",
        "The note was not added",
        "timeline",
        note_form=form,
    )


@require_POST
@role_required(RESPONDER)
def incident_status_update(request: HttpRequest, org_slug: str, number: int) -> HttpResponse:
    incident = get_incident(request, number)
    form = StatusUpdateForm(request.POST, incident=incident)
    return PAGE.apply(
        request,
        incident,
        form,
        lambda data: actions.status_update_post(
            incident=incident, actor=Actor.from_request(request), **{**data, "status": data["status"] or None}
        ),
        "Status update posted.",
        "The status update was not posted",
        "timeline",
        update_form=form,
        composer="update",
    )


@require_POST
@role_required(RESPONDER)
def incident_event_pin(request: HttpRequest, org_slug: str, number: int, event_id: int) -> HttpResponse:
    incident = get_incident(request, number)
    event = selectors.timeline_event_get(incident=incident, event_id=event_id)
    form = PinForm(request.POST)
    return PAGE.apply(
        request,
        incident,
        form,
        lambda data: actions.timeline_event_pin(event=event, actor=Actor.from_request(request), **data),
        "Pinned to the top of the timeline." if form.data.get("pinned") else "Unpinned.",
        "The event was not pinned",
        "timeline",
    )


# --- blast radius: page whoever is on call for a dependent service -------------------------------------


def dependent_page_message(incident: Incident, dependent: blast_radius.Dependent) -> str:
    hops = "directly" if dependent.distance == 1 else f"through {dependent.distance} hops"
    return (
        f"{dependent.service.name} depends {hops} on a service affected by {incident.reference} "
        f"({incident.title}). Check whether it is impacted."
    )


@require_http_methods(["GET", "POST"])
@role_required(RESPONDER)
def incident_page_dependent(request: HttpRequest, org_slug: str, number: int, slug: str) -> HttpResponse:
    """Page whoever is on call now for a service in the blast radius (else its owner team), after a confirmation;
    oncall's manual paging sends it and records it on the timeline."""
    incident = get_incident(request, number)
    dependent = blast_radius.dependent_get(incident, slug, timezone.now())
    service = dependent.service
    names = ", ".join(user.display_name for user in dependent.oncall)
    who = f"{names} (on call for {service.name})" if dependent.oncall else f"team {service.owner_team}"
    form = Form(request.POST)  # no fields: it only carries a refusal's reason to the incident page
    form.is_valid()
    try:
        if not dependent.can_page:
            raise ValidationError(f"Nobody is on call for {service.name} and it has no owner team.")
        if request.method == "POST":
            manual_paging.incident_page(
                incident=incident,
                actor=Actor.from_request(request),
                message=dependent_page_message(incident, dependent),
                users=dependent.oncall,
                team=dependent.team,
            )
            messages.success(request, f"Paged {who} about {incident.reference}.")
            return incident_redirect(incident, "blast-radius")
    except ValidationError as exc:
        form_add_validation_error(form, exc)
        return PAGE.refuse(request, incident, form, f"Nobody was paged for {service.name}")
    return render(
        request,
        "components/confirm.html",
        {
            "title": f"Page {who}?",
            "body": f"{dependent_page_message(incident, dependent)} The page goes out now through their "
            "notification rules and is recorded on the incident's timeline.",
            "confirm_label": "Page now",
            "cancel_url": f"{incident_redirect(incident)['Location']}#blast-radius",
        },
    )

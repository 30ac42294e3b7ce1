"""Pages of the retros app: the list, the editor (sections, details, factors, milestones, action items, status
workflow), the published and printable views. The org's retro settings (policy, templates, factor taxonomy) are in
retros/views/configuration.py.

Drafts are read and written by responders and up; published retrospectives are readable by every member. A retro
is addressed by its incident's number (/retros/42/ is the retrospective of INC-42). Every change is a POST that
calls one action; a refused change re-renders the page with the reason and status 400."""

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.pages import RecordPage, form_add_validation_error
from incidents import actions as incident_actions
from incidents import selectors as incident_selectors
from incidents.forms import MILESTONE_LABELS, MilestonesForm
from incidents.models import MILESTONES
from orgs import selectors as org_selectors
from orgs.permissions import ADMIN, RESPONDER, role_required
from orgs.tenancy import Actor
from orgs.web import paginate
from retros import actions, editing, selectors
from retros.forms import (
    RetrospectiveCreateForm,
    RetrospectiveEditForm,
    RetrospectiveFilterForm,
    TransitionForm,
)
from retros.models import RETRO_TRANSITIONS, RetroSection, Retrospective, RetrospectiveStatus
from ticketing import actions as ticketing_actions
from ticketing import selectors as ticketing_selectors
from ticketing.forms import FollowUpQuickAddForm
from ticketing.models import FollowUpPriority, FollowUpSource

DETAIL = "retros/retrospective_detail.html"
OUTCOME = "retros/partials/_editor_outcome.html"


# --- helpers ----------------------------------------------------------------------------------------


def can_respond(request: HttpRequest) -> bool:
    return request.membership.has_role(RESPONDER)


def get_retrospective(request: HttpRequest, number: int) -> Retrospective:
    """The retro of INC-`number`: drafts only for responders and up (404 for viewers, as if it did not exist)."""
    return selectors.retrospective_get(
        organization=request.organization, number=number, include_unpublished=can_respond(request)
    )


def retro_redirect(retrospective: Retrospective, anchor: str = "") -> HttpResponse:
    url = reverse(
        "retros:retrospective-detail",
        kwargs={"org_slug": retrospective.incident.organization.slug, "number": retrospective.incident.number},
    )
    return redirect(url + (f"#{anchor}" if anchor else ""))


def editor_initial(retrospective: Retrospective, sections: list[RetroSection]) -> dict[str, Any]:
    return {
        "title": retrospective.title,
        "owner": str(retrospective.owner.uuid) if retrospective.owner else "",
        "due_at": retrospective.due_at,
        "reviewers": [str(link.user.uuid) for link in retrospective.reviewer_links.all()],
        "factors": [link.factor.slug for link in retrospective.factor_links.all()],
        **{editing.section_field(section.key): section.body for section in sections},
    }


def editor_context(
    form: RetrospectiveEditForm, base: dict[str, str], conflicts: list[editing.Conflict] = ()
) -> dict[str, Any]:
    """The editor's form, each section with its field and conflict, the details' conflicts, and the base."""
    by_field = {conflict.field: conflict for conflict in conflicts}
    return {
        "editor_form": form,
        "editor_sections": [
            (section, form.section_field(section), by_field.get(editing.section_field(section.key)))
            for section in form.sections
        ],
        "detail_conflicts": [c for c in conflicts if not c.field.startswith(editing.SECTION)],
        "base_json": json.dumps(base, separators=(",", ":")),
    }


def detail_context(request: HttpRequest, retrospective: Retrospective, **overrides: Any) -> dict[str, Any]:
    """Everything the editor and the read view show."""
    incident = retrospective.incident
    organization = request.organization
    responder = can_respond(request)
    editable = responder and not retrospective.is_published
    context = {
        "retrospective": retrospective,
        "incident": incident,
        "sections": selectors.section_list(retrospective=retrospective),
        "durations": selectors.milestone_durations(incident=incident),
        "milestones": [(name, MILESTONE_LABELS[name], getattr(incident, name)) for name in MILESTONES],
        "services": selectors.affected_services(incident=incident),
        "follow_ups": ticketing_selectors.follow_ups_of_incident(incident=incident),
        "can_respond": responder,
        "editable": editable,
        "transitions": [str(s) for s in RETRO_TRANSITIONS[RetrospectiveStatus(retrospective.status)]]
        if responder
        else [],
        "saved": None,  # the editor's save status: the outcome of a save, if this page shows one
        "outcome_shown": False,
        "is_overdue": not retrospective.is_published
        and retrospective.due_at is not None
        and retrospective.due_at < timezone.now(),
    }
    if editable:
        sections = context["sections"]
        form = RetrospectiveEditForm(
            organization=organization, sections=sections, initial=editor_initial(retrospective, sections)
        )
        context.update(editor_context(form, editing.retrospective_fingerprints(retrospective=retrospective)))
    if responder:
        context.update(
            {
                "milestones_form": MilestonesForm(initial={name: getattr(incident, name) for name in MILESTONES}),
                "action_item_form": FollowUpQuickAddForm(organization=organization),
                "members": list(org_selectors.member_choices(organization=organization)),
                "priorities": FollowUpPriority.choices,
            }
        )
    context.update(overrides)
    return context


# The retrospective page: a done change goes back to it, a refused one shows it again with why (400).
PAGE = RecordPage(template=DETAIL, context=detail_context, back=retro_redirect)


# --- list, create, read ---------------------------------------------------------------------------------


@require_GET
def retrospective_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = RetrospectiveFilterForm(request.GET, organization=request.organization)
    filters = form.filters()
    responder = can_respond(request)
    retros = selectors.retrospective_list(organization=request.organization, include_unpublished=responder, **filters)
    page = paginate(request, retros)
    query = request.GET.copy()
    query.pop("page", None)
    overdue = selectors.retrospective_list(organization=request.organization, overdue=True) if responder else None
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "filtered": any(value not in ("", None, False) for value in filters.values()),
        "can_respond": responder,
        "overdue_count": overdue.count() if overdue is not None else 0,
        "now": timezone.now(),
        "can_configure": request.membership.has_role(ADMIN),
    }
    return render(request, "retros/retrospective_list.html", context)


@require_POST
@role_required(RESPONDER)
def retrospective_create(request: HttpRequest, org_slug: str, number: int) -> HttpResponse:
    """Open the retrospective of INC-`number` by hand (the incident page's button)."""
    incident = incident_selectors.incident_get(organization=request.organization, number=number)
    form = RetrospectiveCreateForm(request.POST, organization=request.organization)
    if form.is_valid():
        try:
            retrospective = actions.retrospective_create(
                incident=incident, actor=Actor.from_request(request), **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, f"Retrospective of {incident.reference} drafted from its timeline.")
            return retro_redirect(retrospective)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, f"No retrospective was created: {error}")
    response = redirect("incidents:incident-detail", org_slug=org_slug, number=incident.number)
    response["Location"] += "#retrospective"
    return response


@require_GET
def retrospective_detail(request: HttpRequest, org_slug: str, number: int) -> HttpResponse:
    retrospective = get_retrospective(request, number)
    return render(request, DETAIL, detail_context(request, retrospective))


@require_GET
def retrospective_print(request: HttpRequest, org_slug: str, number: int) -> HttpResponse:
    retrospective = get_retrospective(request, number)
    return render(request, "retros/retrospective_print.html", detail_context(request, retrospective))


# --- editing ------------------------------------------------------------------------------------------


@require_POST
@role_required(RESPONDER)
def retrospective_edit(request: HttpRequest, org_slug: str, number: int) -> HttpResponse:
    """The editor's one Save: the details and every section at once, all or nothing (retros.editing). htmx gets
    the outcome only (status, errors, conflicts, previews, the new base): the typed text never leaves the
    browser's fields. A plain POST redirects, or shows the page again with everything that was typed."""
    retrospective = get_retrospective(request, number)
    sections = selectors.section_list(retrospective=retrospective)
    form = RetrospectiveEditForm(request.POST, organization=request.organization, sections=sections)
    saved: list[str] | None = None
    conflicts: list[editing.Conflict] = []
    base: dict[str, str] = {}
    if form.is_valid():
        base = form.cleaned_data["base"]
        try:
            saved = editing.retrospective_edit(
                retrospective=retrospective,
                actor=Actor.from_request(request),
                details=form.details(),
                sections=form.section_bodies(),
                base=base,
            )
        except editing.EditConflict as exc:
            conflicts = exc.conflicts
            base = {**base, **exc.base}  # they have seen the other version now: saving again keeps theirs
        except ValidationError as exc:
            form_add_validation_error(form, exc)
    elif "base" not in form.errors:
        base = form.cleaned_data.get("base", {})
    else:  # a base that is no base (a hand-made post): from now on, checked against what is stored now
        base = editing.retrospective_fingerprints(retrospective=retrospective)
    status = 200 if saved is not None else 409 if conflicts else 400
    if saved is not None and not request.htmx:
        messages.success(request, saved_message(saved))
        return retro_redirect(retrospective)
    if saved is not None:
        sections = selectors.section_list(retrospective=retrospective)
        base = editing.retrospective_fingerprints(retrospective=retrospective)
        form.sections = sections
    outcome = {
        "outcome_shown": True,
        "saved": saved,
        "saved_text": saved_message(saved) if saved is not None else "",
        "conflicts": conflicts,
        "now": timezone.now(),
        "refused_errors": [str(e) for e in form.non_field_errors()],
    }
    if request.htmx:
        context = {**editor_context(form, base, conflicts), **outcome, "detail_errors": form_errors(form, details=True)}
        return render(request, OUTCOME, context, status=status)
    # Shown with the typed text even if it was published meanwhile: nothing typed is lost.
    context = detail_context(request, retrospective, editable=True, **outcome)
    context.update(editor_context(form, base, conflicts))
    what = "Someone else saved this retrospective meanwhile" if conflicts else "Nothing was saved"
    context.update(refused=what, refused_errors=outcome["refused_errors"] or [str(e) for e in form_errors(form)])
    return render(request, DETAIL, context, status=status)


def saved_message(saved: list[str]) -> str:
    if not saved:
        return "Nothing to save: no changes since the last save."
    return f"Saved: {', '.join(saved)}."


def form_errors(form: Form, details: bool = False) -> list[str]:
    """The form's field errors as "Label: error" (only the details' fields with `details`)."""
    return [
        f"{form[name].label}: {error}"
        for name, errors in form.errors.items()
        if name in form.fields and (not details or name in editing.DETAIL_FIELDS)
        for error in errors
    ]


@require_POST
@role_required(RESPONDER)
def retrospective_transition(request: HttpRequest, org_slug: str, number: int) -> HttpResponse:
    retrospective = get_retrospective(request, number)
    form = TransitionForm(request.POST)
    target = form.data.get("status", "")
    done = {
        RetrospectiveStatus.IN_REVIEW: "Submitted for review.",
        RetrospectiveStatus.PUBLISHED: "Published: every member of the organization can read it now.",
        RetrospectiveStatus.DRAFT: "Back to draft: edit away.",
    }.get(target, "Status changed.")
    return PAGE.apply(
        request,
        retrospective,
        form,
        lambda data: actions.retrospective_transition(
            retrospective=retrospective, actor=Actor.from_request(request), **data
        ),
        done,
        "The status did not change",
    )


@require_POST
@role_required(RESPONDER)
def retrospective_milestones(request: HttpRequest, org_slug: str, number: int) -> HttpResponse:
    """Correct the incident's milestones from the retro: the incident stays the one source of truth (audited)."""
    retrospective = get_retrospective(request, number)
    incident = retrospective.incident
    form = MilestonesForm(request.POST)
    return PAGE.apply(
        request,
        retrospective,
        form,
        lambda data: incident_actions.incident_milestones_update(
            incident=incident, actor=Actor.from_request(request), reason=data["reason"], **form.milestones()
        ),
        f"Milestones of {incident.reference} saved: the durations follow.",
        "The milestones were not saved",
        "milestones",
        milestones_form=form,
        milestones_open=True,
    )


@require_POST
@role_required(RESPONDER)
def retrospective_action_item_add(request: HttpRequest, org_slug: str, number: int) -> HttpResponse:
    retrospective = get_retrospective(request, number)
    form = FollowUpQuickAddForm(request.POST, organization=request.organization)
    return PAGE.apply(
        request,
        retrospective,
        form,
        lambda data: ticketing_actions.follow_up_create(
            organization=request.organization,
            actor=Actor.from_request(request),
            incident=retrospective.incident,
            source=FollowUpSource.RETROSPECTIVE,
            **data,
        ),
        "Action item added: it is a follow-up ticket now.",
        "The action item was not added",
        "action-items",
        action_item_form=form,
    )

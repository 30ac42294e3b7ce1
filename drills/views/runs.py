"""Pages of drill runs: creating one (start now or schedule it), the facilitator's live view (status, elapsed time,
the injects' timeline, what the run produced, the live scorecard; refreshed every 5 s over htmx while the run is
scheduled or running), starting, halting (with a reason, after a confirmation), finishing or canceling by hand,
the facilitator's ratings and notes, and the scorecard of a finished run with its debrief."""

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from drills import actions
from drills.forms import FORMAT_LABELS, INJECT_KIND_LABELS, HaltForm, ReviewForm, RunForm
from drills.models import DrillInject, DrillLink, DrillRun, InjectStatus, RunStatus, Scenario
from drills.scorecard import run_scorecard
from drills.views import common
from orgs.permissions import ADMIN, role_required
from orgs.tenancy import Actor
from retros.models import Retrospective

DETAIL = "drills/run_detail.html"
LIVE_STATUSES = (RunStatus.SCHEDULED, RunStatus.RUNNING)
RATING_LABELS = {"communication": "Communication", "coordination": "Coordination", "technical": "Technical"}


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def run_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    """A new run of an approved scenario: started at once, or scheduled (one-off or recurring)."""
    organization = request.organization
    if request.method == "POST":
        form = RunForm(request.POST, organization=organization, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            actor = Actor.from_request(request)
            try:
                run = actions.run_create(
                    organization=organization,
                    actor=actor,
                    scenario=data["scenario"],
                    scheduled_for=data["scheduled_for"],
                    facilitator=data["facilitator"],
                    recurrence=data["recurrence"],
                    announced=data["announced"],
                    participants_teams=data["participants_teams"],
                    participants_schedule=data["participants_schedule"],
                    observers=data["observers"],
                )
                if data["when"] == "now":
                    run = actions.run_start(run=run, actor=actor)
            except ValidationError as error:
                for name, errors in error.message_dict.items():
                    for message in errors:
                        form.add_error(name if name in form.fields else None, message)
            else:
                if run.status == RunStatus.RUNNING:
                    messages.success(request, f"{run.reference} started: its injects go out at their offsets.")
                else:
                    messages.success(request, f"{run.reference} scheduled.")
                return redirect(common.run_url("drills:run", run))
        return render(request, "drills/run_form.html", {"form": form}, status=400)
    initial: dict[str, Any] = {"facilitator": request.user.uuid, "when": "now", "announced": True}
    try:
        chosen = uuid.UUID(request.GET.get("scenario", "")[:36])
    except ValueError:
        chosen = None
    if chosen is not None and Scenario.objects.for_org(organization).filter(uuid=chosen).exists():
        initial["scenario"] = chosen
    form = RunForm(initial=initial, organization=organization, user=request.user)
    return render(request, "drills/run_form.html", {"form": form})


def _payload_summary(inject: DrillInject | dict[str, Any]) -> str:
    """What an alert inject says, in one line: the PagerDuty summary or the first Alertmanager alert's."""
    payload = inject.payload if isinstance(inject, DrillInject) else inject.get("payload")
    if not isinstance(payload, dict):
        return ""
    if isinstance(payload.get("payload"), dict):
        return str(payload["payload"].get("summary", ""))[:200]
    alerts = payload.get("alerts")
    if isinstance(alerts, list) and alerts and isinstance(alerts[0], dict):
        first = alerts[0]
        annotations = first.get("annotations") if isinstance(first.get("annotations"), dict) else {}
        labels = first.get("labels") if isinstance(first.get("labels"), dict) else {}
        more = f" (+{len(alerts) - 1} more)" if len(alerts) > 1 else ""
        return str(annotations.get("summary") or labels.get("alertname") or "")[:200] + more
    return ""


def _inject_label(inject: DrillInject, due: bool) -> str:
    """A hint or prompt is "Shown" once marked, "Due" (read it out now) before; an alert says its status."""
    if inject.kind != "alert":
        if inject.status == InjectStatus.SENT:
            return "Shown"
        if due and inject.status == InjectStatus.PENDING:
            return "Due now"
    return inject.get_status_display()


def _timeline(run: DrillRun, now: Any) -> list[dict[str, Any]]:
    """The injects in order: sent or pending; a hint's or prompt's text only once it is due."""
    if run.started_at is None:
        return [
            {
                "offset": common.offset_text(item.get("offset_seconds", 0)),
                "kind": item.get("kind"),
                "kind_label": INJECT_KIND_LABELS.get(item.get("kind"), item.get("kind")),
                "planned": True,
                "service": item.get("service", ""),
                "format": FORMAT_LABELS.get(item.get("format", ""), ""),
                "summary": _payload_summary(item),
                "text": "",
                "status": "planned",
                "status_label": "Planned",
                "badge": "badge-neutral",
            }
            for item in run.scenario.injects or []
        ]
    rows = []
    for inject in DrillInject.objects.filter(run=run).select_related("service").order_by("position"):
        due = inject.status == InjectStatus.SENT or inject.due_at <= now
        rows.append(
            {
                "inject": inject,
                "offset": common.offset_text(inject.offset_seconds),
                "kind": inject.kind,
                "kind_label": INJECT_KIND_LABELS.get(inject.kind, inject.kind),
                "planned": False,
                "service": inject.service.name if inject.service else "",
                "format": FORMAT_LABELS.get(inject.format, ""),
                "summary": _payload_summary(inject) if inject.kind == "alert" else "",
                "text": inject.text if inject.kind != "alert" and due else "",
                "hidden_text": inject.kind != "alert" and not due,
                "status": inject.status,
                "status_label": _inject_label(inject, due),
                "badge": "badge-warning"
                if inject.kind != "alert" and due and inject.status == InjectStatus.PENDING
                else common.INJECT_BADGES.get(inject.status, "badge-neutral"),
                "due_in": common.duration_text(int((inject.due_at - now).total_seconds()))
                if inject.status == InjectStatus.PENDING and inject.due_at > now
                else "",
            }
        )
    return rows


def _links(run: DrillRun) -> tuple[list[Any], list[Any]]:
    links = DrillLink.objects.filter(run=run).select_related("alert_group", "incident", "incident__severity")
    groups = [link.alert_group for link in links if link.alert_group_id]
    incidents = [link.incident for link in links if link.incident_id]
    return groups, incidents


def _detail_context(request: HttpRequest, run: DrillRun) -> dict[str, Any]:
    now = timezone.now()
    elapsed = None
    if run.started_at is not None:
        elapsed = int(((run.ended_at or now) - run.started_at).total_seconds())
    groups, incidents = _links(run)
    timeline = _timeline(run, now)
    pending = [row for row in timeline if row["status"] in (InjectStatus.PENDING, InjectStatus.SENDING)]
    manage = common.can_run(request, run)
    ended = run.status in (RunStatus.FINISHED, RunStatus.HALTED)
    return {
        "run": run,
        "now": now,
        "live": run.status in LIVE_STATUSES,
        "elapsed": common.duration_text(elapsed) if elapsed is not None else "",
        "timeline": timeline,
        "sent_count": sum(1 for row in timeline if row["status"] == InjectStatus.SENT),
        "next_due": pending[0] if pending else None,
        "alert_groups": groups,
        "incidents": incidents,
        "scorecard": common.scorecard_lines(run_scorecard(run)),
        "teams": list(run.participants_teams.order_by("name")),
        "observers": list(run.observers.order_by("full_name", "email")),
        "can_start": common.can_edit(request) and run.status == RunStatus.SCHEDULED,
        "can_cancel": common.can_edit(request) and run.status == RunStatus.SCHEDULED,
        "can_halt": manage and run.status == RunStatus.RUNNING,
        "can_review": manage and ended,
        "review_form": ReviewForm(initial={**(run.ratings or {}), "notes": run.notes}) if manage and ended else None,
        "ratings": [(RATING_LABELS[key], (run.ratings or {}).get(key)) for key in RATING_LABELS],
    }


@require_GET
@vary_on_headers("HX-Request")
def run_detail(request: HttpRequest, org_slug: str, run_id: Any) -> HttpResponse:
    """The facilitator's view. Over htmx (the 5 s poll) only the live part is sent."""
    run = common.run_get(request, run_id)
    context = _detail_context(request, run)
    if request.htmx and request.headers.get("HX-Target") == "dr-live":
        return render(request, DETAIL + "#live", context)
    return render(request, DETAIL, context)


def _run_action(request: HttpRequest, run_id: Any, do: Any, done: str, *, admin_only: bool) -> HttpResponse:
    run = common.run_get(request, run_id)
    allowed = common.can_edit(request) if admin_only else common.can_run(request, run)
    if not allowed:
        return HttpResponseForbidden("Only an admin or the run's facilitator can do this.")
    try:
        do(run, Actor.from_request(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done.format(run=run.reference))
    return redirect(common.run_url("drills:run", run))


@require_POST
def run_start(request: HttpRequest, org_slug: str, run_id: Any) -> HttpResponse:
    return _run_action(
        request,
        run_id,
        lambda run, actor: actions.run_start(run=run, actor=actor),
        "{run} started: its injects go out at their offsets.",
        admin_only=True,
    )


@require_POST
def run_cancel(request: HttpRequest, org_slug: str, run_id: Any) -> HttpResponse:
    return _run_action(
        request,
        run_id,
        lambda run, actor: actions.run_cancel(run=run, actor=actor),
        "{run} canceled.",
        admin_only=True,
    )


@require_POST
def run_finish(request: HttpRequest, org_slug: str, run_id: Any) -> HttpResponse:
    return _run_action(
        request,
        run_id,
        lambda run, actor: actions.run_finish(run=run, actor=actor),
        "{run} finished: its scorecard is final.",
        admin_only=False,
    )


@require_http_methods(["GET", "POST"])
def run_halt(request: HttpRequest, org_slug: str, run_id: Any) -> HttpResponse:
    """GET asks for the reason and confirmation; POST halts: pending injects canceled, alert groups resolved,
    incidents closed as drills with the reason on their timeline."""
    run = common.run_get(request, run_id)
    if not common.can_run(request, run):
        return HttpResponseForbidden("Only an admin or the run's facilitator can halt a drill.")
    back = common.run_url("drills:run", run)
    form = HaltForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.run_halt(run=run, actor=Actor.from_request(request), reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{run.reference} halted: nothing more is sent, its incidents are closed.")
        return redirect(back)
    groups, incidents = _links(run)
    context = {
        "run": run,
        "form": form,
        "cancel_url": back,
        "pending": DrillInject.objects.filter(run=run, status__in=[InjectStatus.PENDING, InjectStatus.SENDING]).count(),
        "open_groups": [g for g in groups if g.is_open],
        "open_incidents": [i for i in incidents if i.is_open],
    }
    return render(request, "drills/run_halt.html", context, status=400 if request.method == "POST" else 200)


@require_POST
def run_review(request: HttpRequest, org_slug: str, run_id: Any) -> HttpResponse:
    run = common.run_get(request, run_id)
    if not common.can_run(request, run):
        return HttpResponseForbidden("Only an admin or the run's facilitator can review a drill.")
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            actions.run_review(
                run=run, actor=Actor.from_request(request), ratings=form.ratings(), notes=form.cleaned_data["notes"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Ratings and notes saved.")
            return redirect(common.run_url("drills:run-scorecard", run))
    else:
        messages.error(request, "Check the ratings (1 to 5) and the notes' length.")
    return redirect(common.run_url("drills:run", run))


@require_GET
def run_scorecard_page(request: HttpRequest, org_slug: str, run_id: Any) -> HttpResponse:
    """Target vs actual per expected response, the ratings, the notes and the debrief (the retrospective of the
    drill incident)."""
    run = common.run_get(request, run_id)
    groups, incidents = _links(run)
    retros = {
        r.incident_id: r for r in Retrospective.objects.filter(incident__in=[i.pk for i in incidents]).only("incident")
    }
    elapsed = None
    if run.started_at is not None:
        elapsed = int(((run.ended_at or timezone.now()) - run.started_at).total_seconds())
    lines = common.scorecard_lines(run_scorecard(run))
    context = {
        "run": run,
        "scorecard": lines,
        "met": sum(1 for line in lines if line["result"] == "met"),
        "elapsed": common.duration_text(elapsed) if elapsed is not None else "",
        "incidents": [(incident, retros.get(incident.pk)) for incident in incidents],
        "alert_groups": groups,
        "ratings": [(RATING_LABELS[key], (run.ratings or {}).get(key)) for key in RATING_LABELS],
        "can_review": common.can_run(request, run) and run.status in (RunStatus.FINISHED, RunStatus.HALTED),
    }
    return render(request, "drills/run_scorecard.html", context)

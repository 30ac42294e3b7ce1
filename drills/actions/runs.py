"""Writes of drill runs: create (scheduled, or waiting to be started by hand), start (drill integrations, inject
rows, drill.started, the next recurring run), halt (everything stops at once), finish, cancel, and the
facilitator's review. Every change is audited in its own transaction."""

import calendar
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alerting import actions as alerting_actions
from alerting.models import AlertGroup, AlertGroupStatus, Integration
from core import events
from drills import scorecard
from drills.actions.scenarios import person_of
from drills.events import DrillFinished, DrillHalted, DrillStarted
from drills.injects import INTEGRATION_KINDS, inject_enqueue
from drills.models import (
    DrillInject,
    DrillIntegrationKey,
    DrillLink,
    DrillRun,
    DrillRunObserver,
    DrillRunTeam,
    InjectStatus,
    Recurrence,
    RunStatus,
    Scenario,
    ScenarioStatus,
)
from incidents import actions as incident_actions
from incidents.models import OPEN_STATUSES, Incident, IncidentStatus
from oncall.models import Schedule
from orgs import actions as org_actions
from orgs.models import Membership, Organization, Team, User
from orgs.tenancy import Actor
from services.models import Service

HALT_REASON_MAX = 500
NOTES_MAX = 20_000
RATING_KEYS = ("communication", "coordination", "technical")


def _lock(run: DrillRun) -> DrillRun:
    return DrillRun.objects.select_for_update(of=("self",)).select_related("scenario", "organization").get(pk=run.pk)


def _member(organization: Organization, user: User | None, field: str) -> None:
    if user is not None and not Membership.objects.filter(organization=organization, user=user).exists():
        raise ValidationError({field: "Choose a member of this organization."})


def _participants_set(run: DrillRun, teams: Iterable[Team] | None, observers: Iterable[User] | None) -> None:
    if teams is not None:
        teams = list(teams)
        if any(team.organization_id != run.organization_id for team in teams):
            raise ValidationError({"participants_teams": "Choose teams of this organization."})
        DrillRunTeam.objects.filter(run=run).delete()
        DrillRunTeam.objects.bulk_create(
            DrillRunTeam(organization_id=run.organization_id, run=run, team=team)
            for team in {t.pk: t for t in teams}.values()
        )
    if observers is not None:
        observers = list({user.pk: user for user in observers}.values())
        for user in observers:
            _member(run.organization, user, "observers")
        DrillRunObserver.objects.filter(run=run).delete()
        DrillRunObserver.objects.bulk_create(
            DrillRunObserver(organization_id=run.organization_id, run=run, user=user) for user in observers
        )


@transaction.atomic
def run_create(
    *,
    organization: Organization,
    actor: Actor,
    scenario: Scenario,
    scheduled_for: datetime | None = None,
    facilitator: User | None = None,
    recurrence: str = Recurrence.NONE,
    announced: bool = True,
    participants_teams: Iterable[Team] = (),
    participants_schedule: Schedule | None = None,
    observers: Iterable[User] = (),
    notes: str = "",
) -> DrillRun:
    """A run of an approved scenario, numbered DR-n. `scheduled_for` None: it waits to be started by hand
    (run_start); a time: drill_runs_due starts it then. A recurring run schedules the next one when it starts."""
    if scenario.organization_id != organization.pk:
        raise ValidationError({"scenario": "Choose a scenario of this organization."})
    if scenario.status != ScenarioStatus.APPROVED:
        raise ValidationError({"scenario": "The scenario must be approved (by someone other than its author) first."})
    if recurrence not in Recurrence.values:
        raise ValidationError({"recurrence": f"Choose one of {', '.join(Recurrence.values)}."})
    if recurrence != Recurrence.NONE and scheduled_for is None:
        raise ValidationError({"scheduled_for": "A recurring drill needs its first time."})
    if scheduled_for is not None and scheduled_for < timezone.now() - timedelta(minutes=1):
        raise ValidationError({"scheduled_for": "Choose a time in the future."})
    if participants_schedule is not None and participants_schedule.organization_id != organization.pk:
        raise ValidationError({"participants_schedule": "Choose a schedule of this organization."})
    if len(notes or "") > NOTES_MAX:
        raise ValidationError({"notes": f"At most {NOTES_MAX} characters."})
    facilitator = facilitator or person_of(actor)
    _member(organization, facilitator, "facilitator")
    run = DrillRun.objects.create(
        organization=organization,
        number=org_actions.counter_next(organization=organization, name="drill_run"),
        scenario=scenario,
        scheduled_for=scheduled_for,
        recurrence=recurrence,
        announced=announced,
        facilitator=facilitator,
        participants_schedule=participants_schedule,
        created_by=person_of(actor),
        notes=(notes or "").strip(),
    )
    _participants_set(run, participants_teams, observers)
    org_actions.audit_record(
        organization=organization,
        actor=actor,
        action="drill_run.created",
        target=run,
        target_label=f"{run.reference} {scenario.title}"[:200],
        changes={
            "scenario": {"before": None, "after": scenario.title},
            "scheduled_for": {"before": None, "after": scheduled_for.isoformat() if scheduled_for else None},
        },
    )
    return run


def _add_months(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def next_occurrence(moment: datetime, recurrence: str) -> datetime | None:
    if recurrence == Recurrence.DAILY:
        return moment + timedelta(days=1)
    if recurrence == Recurrence.WEEKLY:
        return moment + timedelta(weeks=1)
    if recurrence == Recurrence.MONTHLY:
        return _add_months(moment, 1)
    return None


def _schedule_next(run: DrillRun, now: datetime) -> DrillRun | None:
    moment = next_occurrence(run.scheduled_for or now, run.recurrence)
    if moment is None:
        return None
    while moment <= now:  # a run started late does not schedule one in the past
        moment = next_occurrence(moment, run.recurrence)
    following = DrillRun.objects.create(
        organization_id=run.organization_id,
        number=org_actions.counter_next(organization=run.organization, name="drill_run"),
        scenario=run.scenario,
        scheduled_for=moment,
        recurrence=run.recurrence,
        previous=run,
        announced=run.announced,
        facilitator=run.facilitator,
        participants_schedule=run.participants_schedule,
        created_by=run.created_by,
    )
    _participants_set(
        following,
        Team.objects.filter(pk__in=DrillRunTeam.objects.filter(run=run).values("team_id")),
        User.objects.filter(pk__in=DrillRunObserver.objects.filter(run=run).values("user_id")),
    )
    return following


def drill_integration_for(*, service: Service, fmt: str, actor: Actor) -> Integration:
    """The drill integration of the service for the format, made (with its key kept encrypted) the first time."""
    kind = INTEGRATION_KINDS[fmt]
    found = (
        Integration.objects.filter(organization_id=service.organization_id, service=service, kind=kind, is_drill=True)
        .filter(pk__in=DrillIntegrationKey.objects.values("integration_id"))
        .order_by("pk")
        .first()
    )
    if found is not None:
        if not found.enabled:
            Integration.objects.filter(pk=found.pk).update(enabled=True, updated_at=timezone.now())
        return found
    integration, key = alerting_actions.integration_create(
        organization=service.organization,
        actor=actor,
        service=service,
        name=f"Drill: {service.name}"[:100],
        kind=kind,
        is_drill=True,
    )
    DrillIntegrationKey.objects.create(organization_id=service.organization_id, integration=integration, key=key)
    return integration


@transaction.atomic
def run_start(*, run: DrillRun, actor: Actor) -> DrillRun:
    """Start a scheduled run now: a drill integration per target service and format (made or reused), one inject
    row per scenario inject due at start + offset (sent after commit at their times), drill.started, and the next
    run of a recurring drill."""
    run = _lock(run)
    if run.status != RunStatus.SCHEDULED:
        raise ValidationError({"status": f"{run.reference} is {run.get_status_display().lower()}; it cannot start."})
    scenario = Scenario.objects.select_for_update().get(pk=run.scenario_id)
    if scenario.status != ScenarioStatus.APPROVED:
        raise ValidationError({"scenario": "The scenario changed since its approval; approve it again first."})
    now = timezone.now()
    services = {
        s.slug: s
        for s in Service.objects.for_org(run.organization_id).filter(
            slug__in={i.get("service") for i in scenario.injects if i.get("kind") == "alert"}
        )
    }
    integrations: dict[tuple[str, str], Integration] = {}
    rows = []
    for position, inject in enumerate(scenario.injects):
        row = DrillInject(
            organization_id=run.organization_id,
            run=run,
            position=position,
            offset_seconds=inject["offset_seconds"],
            kind=inject["kind"],
            due_at=now + timedelta(seconds=inject["offset_seconds"]),
        )
        if inject["kind"] == "alert":
            service = services.get(inject["service"])
            if service is None:
                raise ValidationError({"injects": f"Inject {position + 1}: its service {inject['service']} is gone."})
            pair = (inject["service"], inject["format"])
            if pair not in integrations:
                integrations[pair] = drill_integration_for(service=service, fmt=inject["format"], actor=actor)
            row.format, row.service, row.integration = inject["format"], service, integrations[pair]
            row.payload = inject["payload"]
            row.dedup_key = f"drill-{run.uuid.hex[:12]}-{position}"
        else:
            row.text = inject["text"]
        rows.append(row)
    DrillInject.objects.bulk_create(rows)
    run.status = RunStatus.RUNNING
    run.started_at = now
    run.save(update_fields=["status", "started_at", "updated_at"])
    following = _schedule_next(run, now) if run.recurrence != Recurrence.NONE else None
    org_actions.audit_record(
        organization=run.organization,
        actor=actor,
        action="drill_run.started",
        target=run,
        target_label=f"{run.reference} {scenario.title}"[:200],
        changes={"status": {"before": RunStatus.SCHEDULED, "after": RunStatus.RUNNING}}
        | ({"next_run": {"before": None, "after": following.reference}} if following else {}),
    )
    events.publish(
        DrillStarted(
            organization_id=run.organization_id,
            actor=actor,
            drill_run_id=run.pk,
            scenario_id=scenario.pk,
            scenario=scenario.title,
        )
    )
    injects = list(DrillInject.objects.filter(run=run).order_by("position"))
    transaction.on_commit(lambda: [inject_enqueue(inject) for inject in injects])
    return run


def _ended(run: DrillRun, status: str, now: datetime) -> list[str]:
    """Cancel what is still to be sent and freeze the scorecard; returns the fields to save."""
    DrillInject.objects.filter(run=run, status__in=[InjectStatus.PENDING, InjectStatus.SENDING]).update(
        status=InjectStatus.CANCELED, updated_at=now
    )
    run.status = status
    run.ended_at = now
    run.scorecard = scorecard.scorecard_rows(run, now=now)
    return ["status", "ended_at", "scorecard", "updated_at"]


def _groups_resolve(run: DrillRun, actor: Actor) -> None:
    """Resolve the run's alert groups still open: their escalations stop and their unsent pages are canceled."""
    group_ids = DrillLink.objects.filter(run=run, alert_group__isnull=False).values("alert_group_id")
    open_groups = AlertGroup.objects.filter(
        pk__in=group_ids, status__in=[AlertGroupStatus.TRIGGERED, AlertGroupStatus.ACKNOWLEDGED]
    )
    for group in open_groups.order_by("pk"):
        alerting_actions.alert_group_resolve(group=group, actor=actor)


@transaction.atomic
def run_halt(*, run: DrillRun, actor: Actor, reason: str = "") -> DrillRun:
    """Stop a running drill at once: pending injects canceled, its open alert groups resolved (their escalations
    stop and their unsent pages are canceled), its open incidents closed as drills with a timeline note, and
    drill.halted published (workflows skips delayed steps of those incidents)."""
    reason = (reason or "").strip()
    if len(reason) > HALT_REASON_MAX:
        raise ValidationError({"reason": f"At most {HALT_REASON_MAX} characters."})
    run = _lock(run)
    if run.status != RunStatus.RUNNING:
        raise ValidationError(
            {"status": f"{run.reference} is {run.get_status_display().lower()}; only a running drill halts."}
        )
    now = timezone.now()
    fields = _ended(run, RunStatus.HALTED, now)
    run.halted_by = person_of(actor)
    run.halt_reason = reason
    run.save(update_fields=[*fields, "halted_by", "halt_reason"])
    _groups_resolve(run, actor)
    incident_ids = DrillLink.objects.filter(run=run, incident__isnull=False).values("incident_id")
    closed = []
    note = f"Drill {run.reference} halted by {actor.label}" + (f": {reason}" if reason else ".")
    for incident in (
        Incident.objects.filter(pk__in=incident_ids)
        .exclude(
            status__in=[IncidentStatus.CLOSED, IncidentStatus.DECLINED, IncidentStatus.MERGED, IncidentStatus.CANCELED]
        )
        .order_by("pk")
    ):
        incident_actions.note_add(incident=incident, body=note, actor=actor)
        incident_actions.incident_transition(incident=incident, status=IncidentStatus.CLOSED, actor=actor)
        closed.append(incident.pk)
    org_actions.audit_record(
        organization=run.organization,
        actor=actor,
        action="drill_run.halted",
        target=run,
        target_label=f"{run.reference} {run.scenario.title}"[:200],
        changes={
            "status": {"before": RunStatus.RUNNING, "after": RunStatus.HALTED},
            "reason": {"before": None, "after": reason},
        },
    )
    events.publish(
        DrillHalted(
            organization_id=run.organization_id,
            actor=actor,
            drill_run_id=run.pk,
            incident_ids=tuple(closed),
            reason=reason,
        )
    )
    return run


@transaction.atomic
def run_finish(*, run: DrillRun, actor: Actor) -> DrillRun:
    """End a running drill (by hand, or on its own once every inject is out and its incidents are resolved):
    injects still pending are canceled, the scorecard is frozen and its alert groups still open are resolved
    (its incidents stay as they are)."""
    run = _lock(run)
    if run.status != RunStatus.RUNNING:
        raise ValidationError(
            {"status": f"{run.reference} is {run.get_status_display().lower()}; only a running drill finishes."}
        )
    fields = _ended(run, RunStatus.FINISHED, timezone.now())
    run.save(update_fields=fields)
    _groups_resolve(run, actor)  # the drill is over: its alerts leave the triage queue
    org_actions.audit_record(
        organization=run.organization,
        actor=actor,
        action="drill_run.finished",
        target=run,
        target_label=f"{run.reference} {run.scenario.title}"[:200],
        changes={"status": {"before": RunStatus.RUNNING, "after": RunStatus.FINISHED}},
    )
    events.publish(DrillFinished(organization_id=run.organization_id, actor=actor, drill_run_id=run.pk))
    return run


def run_is_done(run: DrillRun) -> bool:
    """Every inject is out, the run produced something, its incidents are no longer open and its groups that
    are on no incident are resolved."""
    if DrillInject.objects.filter(run=run, status__in=[InjectStatus.PENDING, InjectStatus.SENDING]).exists():
        return False
    links = DrillLink.objects.filter(run=run)
    if not links.exists():
        return False
    open_incidents = Incident.objects.filter(pk__in=links.values("incident_id"), status__in=OPEN_STATUSES)
    loose_groups = AlertGroup.objects.filter(pk__in=links.values("alert_group_id"), incident__isnull=True).exclude(
        status=AlertGroupStatus.RESOLVED
    )
    return not open_incidents.exists() and not loose_groups.exists()


def run_finish_if_done(*, run_id: int) -> bool:
    """Finish the run on its own when it is done (called after its incidents move and its injects go out)."""
    run = DrillRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).first()
    if run is None or not run_is_done(run):
        return False
    try:
        run_finish(run=run, actor=Actor.system())
    except ValidationError:
        return False
    return True


@transaction.atomic
def run_cancel(*, run: DrillRun, actor: Actor) -> DrillRun:
    """Cancel a run that has not started."""
    run = _lock(run)
    if run.status != RunStatus.SCHEDULED:
        raise ValidationError(
            {"status": f"{run.reference} is {run.get_status_display().lower()}; only a scheduled drill is canceled."}
        )
    run.status = RunStatus.CANCELED
    run.ended_at = timezone.now()
    run.save(update_fields=["status", "ended_at", "updated_at"])
    org_actions.audit_record(
        organization=run.organization,
        actor=actor,
        action="drill_run.canceled",
        target=run,
        target_label=f"{run.reference} {run.scenario.title}"[:200],
        changes={"status": {"before": RunStatus.SCHEDULED, "after": RunStatus.CANCELED}},
    )
    return run


@transaction.atomic
def run_review(
    *, run: DrillRun, actor: Actor, ratings: dict[str, Any] | None = None, notes: str | None = None
) -> DrillRun:
    """The facilitator's ratings ({"communication", "coordination", "technical"}: 1-5 each, any may be left out)
    and notes."""
    run = _lock(run)
    changes: dict[str, Any] = {}
    if ratings is not None:
        if not isinstance(ratings, dict) or set(ratings) - set(RATING_KEYS):
            raise ValidationError({"ratings": f"Rate {', '.join(RATING_KEYS)}."})
        cleaned = {}
        for key in RATING_KEYS:
            value = ratings.get(key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
                raise ValidationError({"ratings": f"{key.capitalize()} is rated from 1 to 5."})
            cleaned[key] = value
        if cleaned != run.ratings:
            changes["ratings"] = {"before": run.ratings, "after": cleaned}
            run.ratings = cleaned
    if notes is not None:
        if len(notes) > NOTES_MAX:
            raise ValidationError({"notes": f"At most {NOTES_MAX} characters."})
        if notes.strip() != run.notes:
            changes["notes"] = {"before": run.notes, "after": notes.strip()}
            run.notes = notes.strip()
    if changes:
        run.save(update_fields=[*changes, "updated_at"])
        org_actions.audit_record(
            organization=run.organization, actor=actor, action="drill_run.reviewed", target=run, changes=changes
        )
    return run


def runs_due_start(*, now: datetime | None = None) -> int:
    """Start the scheduled runs whose time has come (beat, every 15 s); each in its own transaction."""
    now = now or timezone.now()
    started = 0
    for pk in DrillRun.objects.filter(status=RunStatus.SCHEDULED, scheduled_for__lte=now).values_list("pk", flat=True)[
        :100
    ]:
        run = DrillRun.objects.get(pk=pk)
        try:
            run_start(run=run, actor=Actor.system())
            started += 1
        except ValidationError as error:
            with transaction.atomic():
                locked = _lock(run)
                if locked.status == RunStatus.SCHEDULED:
                    locked.status = RunStatus.CANCELED
                    locked.ended_at = now
                    locked.halt_reason = "; ".join(error.messages)[:HALT_REASON_MAX]
                    locked.save(update_fields=["status", "ended_at", "halt_reason", "updated_at"])
    return started

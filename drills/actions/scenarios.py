"""Writes of scenarios: create, update (an approved scenario edited goes back to draft), delete, approve (by
someone other than its author). Injects and expected responses are validated and stored normalized."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.limits import TEXT_MAX_CHARS
from drills import injects as sending
from drills.models import INJECT_KINDS, RESPONSE_KINDS, Scenario, ScenarioService, ScenarioStatus
from incidents.models import Severity
from orgs import actions as org_actions
from orgs.models import Organization
from orgs.tenancy import Actor
from services.models import Service

MAX_INJECTS = 50
MAX_OFFSET_SECONDS = 24 * 3600
MAX_INJECT_TEXT = 2000
MAX_PAYLOAD_CHARS = 20_000
TITLE_MAX = 200
SCENARIO_FIELDS = (
    "title",
    "hypothesis",
    "learning_goals",
    "severity",
    "services",
    "injects",
    "expected_responses",
    "abort_conditions",
)


def person_of(actor: Actor) -> Any:
    """The person behind an actor: the user, or the person who made the API token."""
    if actor.user is not None:
        return actor.user
    return getattr(actor.token, "created_by", None)


def _int_in(value: Any, low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return None
    return value


def injects_clean(organization: Organization, injects: Any) -> list[dict[str, Any]]:
    """The injects as stored: each {"offset_seconds", "kind", and format/service/payload (alerts) or text}, in
    offset order. Raises ValidationError({"injects": [...]}) naming each bad inject by its number (1-based)."""
    if not isinstance(injects, list):
        raise ValidationError({"injects": "Injects must be a list."})
    if len(injects) > MAX_INJECTS:
        raise ValidationError({"injects": f"A scenario has at most {MAX_INJECTS} injects."})
    slugs = {str(i.get("service")) for i in injects if isinstance(i, dict) and i.get("service")}
    known = set(Service.objects.for_org(organization).filter(slug__in=slugs).values_list("slug", flat=True))
    errors: list[str] = []
    cleaned: list[dict[str, Any]] = []
    for number, inject in enumerate(injects, start=1):
        where = f"Inject {number}"
        if not isinstance(inject, dict):
            errors.append(f"{where}: must be an object.")
            continue
        offset = _int_in(inject.get("offset_seconds"), 0, MAX_OFFSET_SECONDS)
        if offset is None:
            errors.append(f"{where}: the offset is a whole number of seconds from 0 to {MAX_OFFSET_SECONDS} (24 h).")
        kind = inject.get("kind")
        if kind not in INJECT_KINDS:
            errors.append(f"{where}: the kind is one of {', '.join(INJECT_KINDS)}.")
            continue
        if kind == "alert":
            fmt, service, payload = inject.get("format"), inject.get("service"), inject.get("payload")
            if not isinstance(service, str) or service not in known:
                errors.append(f"{where}: choose a service of this organization.")
            if len(str(payload)) > MAX_PAYLOAD_CHARS:
                errors.append(f"{where}: the payload is too long (at most {MAX_PAYLOAD_CHARS} characters).")
                continue
            try:
                sending.alert_check(fmt, payload)
            except sending.InvalidAlert as invalid:
                errors.extend(f"{where}: {message}" for message in invalid.errors)
                continue
            row = {"offset_seconds": offset, "kind": kind, "format": fmt, "service": service, "payload": payload}
        else:
            text = inject.get("text")
            if not isinstance(text, str) or not text.strip():
                errors.append(f"{where}: write the {kind}'s text.")
                continue
            if len(text) > MAX_INJECT_TEXT:
                errors.append(f"{where}: the text is too long (at most {MAX_INJECT_TEXT} characters).")
                continue
            row = {"offset_seconds": offset, "kind": kind, "text": text.strip()}
        cleaned.append(row)
    if errors:
        raise ValidationError({"injects": errors})
    return sorted(cleaned, key=lambda row: row["offset_seconds"])


def responses_clean(responses: Any) -> list[dict[str, Any]]:
    """Expected responses as stored: [{"kind", "target_seconds"}], one per kind, in RESPONSE_KINDS order."""
    if not isinstance(responses, list):
        raise ValidationError({"expected_responses": "Expected responses must be a list."})
    errors: list[str] = []
    seen: dict[str, int] = {}
    for number, response in enumerate(responses, start=1):
        where = f"Response {number}"
        if not isinstance(response, dict) or response.get("kind") not in RESPONSE_KINDS:
            errors.append(f"{where}: the kind is one of {', '.join(RESPONSE_KINDS)}.")
            continue
        kind = response["kind"]
        target = _int_in(response.get("target_seconds"), 1, MAX_OFFSET_SECONDS)
        if target is None:
            errors.append(f"{where}: the target is a whole number of seconds from 1 to {MAX_OFFSET_SECONDS} (24 h).")
        elif kind in seen:
            errors.append(f"{where}: {kind} is expected twice; keep one target per response.")
        else:
            seen[kind] = target
    if errors:
        raise ValidationError({"expected_responses": errors})
    return [{"kind": kind, "target_seconds": seen[kind]} for kind in RESPONSE_KINDS if kind in seen]


def _text(name: str, value: Any, limit: int = TEXT_MAX_CHARS) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError({name: "Write text."})
    if len(value) > limit:
        raise ValidationError({name: f"At most {limit} characters."})
    return value.strip()


def _clean(organization: Organization, fields: dict[str, Any], *, instance: Scenario | None) -> dict[str, Any]:
    unknown = set(fields) - set(SCENARIO_FIELDS)
    if unknown:
        raise ValueError(f"Unknown scenario fields: {sorted(unknown)}")
    cleaned: dict[str, Any] = {}
    if "title" in fields or instance is None:
        title = _text("title", fields.get("title"), TITLE_MAX)
        if not title:
            raise ValidationError({"title": "Give the scenario a title."})
        taken = Scenario.objects.for_org(organization).filter(title__iexact=title)
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        if taken.exists():
            raise ValidationError({"title": "Another scenario has this title."})
        cleaned["title"] = title
    for name in ("hypothesis", "learning_goals", "abort_conditions"):
        if name in fields:
            cleaned[name] = _text(name, fields[name])
    if "severity" in fields:
        severity = fields["severity"]
        if severity is not None and (not isinstance(severity, Severity) or severity.organization_id != organization.pk):
            raise ValidationError({"severity": "Choose a severity of this organization."})
        cleaned["severity"] = severity
    if "services" in fields:
        services = list(fields["services"] or [])
        if any(not isinstance(s, Service) or s.organization_id != organization.pk for s in services):
            raise ValidationError({"services": "Choose services of this organization."})
        cleaned["services"] = services
    if "injects" in fields:
        cleaned["injects"] = injects_clean(organization, fields["injects"])
    if "expected_responses" in fields:
        cleaned["expected_responses"] = responses_clean(fields["expected_responses"])
    return cleaned


def _services_set(scenario: Scenario, services: list[Service]) -> None:
    """The scenario's target services: those chosen plus every service an alert inject goes to."""
    slugs = {inject["service"] for inject in scenario.injects if inject.get("kind") == "alert"}
    wanted = {s.pk for s in services} | set(
        Service.objects.for_org(scenario.organization_id).filter(slug__in=slugs).values_list("pk", flat=True)
    )
    ScenarioService.objects.filter(scenario=scenario).exclude(service_id__in=wanted).delete()
    have = set(ScenarioService.objects.filter(scenario=scenario).values_list("service_id", flat=True))
    ScenarioService.objects.bulk_create(
        ScenarioService(organization_id=scenario.organization_id, scenario=scenario, service_id=pk)
        for pk in sorted(wanted - have)
    )


@transaction.atomic
def scenario_create(*, organization: Organization, actor: Actor, **fields: Any) -> Scenario:
    """Create a draft scenario (title required; injects and responses validated)."""
    cleaned = _clean(organization, fields, instance=None)
    services = cleaned.pop("services", [])
    scenario = Scenario.objects.create(organization=organization, created_by=person_of(actor), **cleaned)
    _services_set(scenario, services)
    org_actions.audit_record(
        organization=organization,
        actor=actor,
        action="drill_scenario.created",
        target=scenario,
        changes={"title": {"before": None, "after": scenario.title}},
    )
    return scenario


@transaction.atomic
def scenario_update(*, scenario: Scenario, actor: Actor, **fields: Any) -> Scenario:
    """Change any of SCENARIO_FIELDS. A change to an approved scenario returns it to draft (approve it again)."""
    scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
    cleaned = _clean(scenario.organization, fields, instance=scenario)
    changes: dict[str, Any] = {}
    services = cleaned.pop("services", None)
    for name, value in cleaned.items():
        before = getattr(scenario, name)
        if before != value:
            changes[name] = {
                "before": str(before) if name == "severity" else before,
                "after": str(value) if name == "severity" else value,
            }
            setattr(scenario, name, value)
    if services is not None or "injects" in changes:
        before_ids = set(ScenarioService.objects.filter(scenario=scenario).values_list("service_id", flat=True))
        current = services if services is not None else list(Service.objects.filter(pk__in=before_ids))
        if services is not None and {s.pk for s in services} != before_ids:
            changes["services"] = {
                "before": sorted(Service.objects.filter(pk__in=before_ids).values_list("slug", flat=True)),
                "after": sorted(s.slug for s in services),
            }
        _services_set(scenario, current)
    if not changes:
        return scenario
    if scenario.status == ScenarioStatus.APPROVED:
        changes["status"] = {"before": ScenarioStatus.APPROVED, "after": ScenarioStatus.DRAFT}
        scenario.status = ScenarioStatus.DRAFT
        scenario.approved_by = None
        scenario.approved_at = None
    scenario.save()
    org_actions.audit_record(
        organization=scenario.organization,
        actor=actor,
        action="drill_scenario.updated",
        target=scenario,
        changes=changes,
    )
    return scenario


@transaction.atomic
def scenario_delete(*, scenario: Scenario, actor: Actor) -> None:
    """Delete a scenario that has never run (runs keep their scenario: cancel them, or keep the scenario)."""
    scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
    if scenario.runs.exists():
        raise ValidationError({"scenario": "This scenario has runs; it stays as their record."})
    org_actions.audit_record(
        organization=scenario.organization, actor=actor, action="drill_scenario.deleted", target=scenario
    )
    scenario.delete()


@transaction.atomic
def scenario_approve(*, scenario: Scenario, actor: Actor) -> Scenario:
    """Approve a draft scenario for running; someone other than its author must approve it. It needs at least one
    inject. Approving an approved scenario changes nothing."""
    scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
    if scenario.status == ScenarioStatus.APPROVED:
        return scenario
    approver = person_of(actor)
    if approver is None or (scenario.created_by_id is not None and approver.pk == scenario.created_by_id):
        raise ValidationError({"scenario": "Someone other than the author must approve it."})
    if not scenario.injects:
        raise ValidationError({"injects": "Add at least one inject before approving the scenario."})
    scenario.status = ScenarioStatus.APPROVED
    scenario.approved_by = approver
    scenario.approved_at = timezone.now()
    scenario.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    org_actions.audit_record(
        organization=scenario.organization,
        actor=actor,
        action="drill_scenario.approved",
        target=scenario,
        changes={"status": {"before": ScenarioStatus.DRAFT, "after": ScenarioStatus.APPROVED}},
    )
    return scenario

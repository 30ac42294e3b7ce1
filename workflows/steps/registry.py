"""The shapes every workflow step action shares, and the registry of actions by name.

An action is a `StepAction`: its name and label, whether it needs an incident, the params it takes (`ParamField`,
which the editor renders by kind) and four callables:

- ``validate(organization, params) -> dict``: the cleaned params; raises ValidationError({"<param>": "..."}) naming
  what is wrong, refusing any value that does not exist in the organization;
- ``describe(organization, params) -> str``: what the step does, in words;
- ``plan(ctx) -> StepOutcome``: a dry run for ``ctx.incident``, what WOULD happen, with no writes;
- ``execute(ctx) -> StepOutcome``: does it inside the caller's transaction.

`ACTIONS` is filled by the action modules (workflows/steps/__init__.py imports them all).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

if TYPE_CHECKING:
    from incidents.models import Incident
    from orgs.models import Organization
    from orgs.tenancy import Actor
    from workflows.models import WorkflowRun, WorkflowRunStep


SUCCEEDED = "succeeded"
SKIPPED = "skipped"
FAILED = "failed"

PARAM_KINDS = frozenset(
    {
        "text",
        "markdown",
        "lines",
        "role",
        "user",
        "schedule",
        "policy",
        "team",
        "severity",
        "status",
        "audience",
        "audiences",
        "component",
        "endpoint",
        "status_page",
        "stakeholder_template",
        "assignee",
        "page_target",
        "role_target",
        "choice",
        "bool",
    }
)


@dataclass(frozen=True)
class StepContext:
    """What an action gets when it runs (or plans): the run, the step, its incident (locked by the engine when the
    run has one), who acts (``Actor(name=f"Workflow “{run.workflow_name}”")``) and the time."""

    organization: Organization
    run: WorkflowRun
    step: WorkflowRunStep
    incident: Incident | None
    actor: Actor
    now: datetime

    @property
    def params(self) -> dict:
        return self.step.params or {}


@dataclass(frozen=True)
class StepOutcome:
    """What a step did (or would do), in words for the timeline and the run log."""

    status: str  # "succeeded" | "skipped" | "failed"
    outcome: str
    result: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"status": self.status, "outcome": self.outcome, "result": dict(self.result)}


def succeeded(outcome: str, **result) -> StepOutcome:
    return StepOutcome(SUCCEEDED, outcome, result)


def skipped(outcome: str, **result) -> StepOutcome:
    return StepOutcome(SKIPPED, outcome, result)


def failed(outcome: str, **result) -> StepOutcome:
    return StepOutcome(FAILED, outcome, result)


@dataclass(frozen=True)
class ParamField:
    """One param of an action, as the editor shows it (`kind` picks the widget and the choices it offers)."""

    name: str
    label: str
    kind: str
    required: bool = True
    choices: tuple = ()
    help_text: str = ""


@dataclass(frozen=True)
class StepAction:
    name: str
    label: str
    needs_incident: bool
    fields: tuple[ParamField, ...]
    validate: Callable[[Organization, dict], dict]
    describe: Callable[[Organization, dict], str]
    plan: Callable[[StepContext], StepOutcome]
    execute: Callable[[StepContext], StepOutcome]


ACTIONS: dict[str, StepAction] = {}

OUTCOME_MAX = 500  # WorkflowRunStep.outcome's length
NEEDS_INCIDENT = "needs an incident"


def error_text(exc: ValidationError) -> str:
    """A ValidationError in words for a step's outcome (the messages, without their field names)."""
    return " ".join(exc.messages)[:OUTCOME_MAX]


def _bounded(outcome: StepOutcome) -> StepOutcome:
    if len(outcome.outcome) <= OUTCOME_MAX:
        return outcome
    return StepOutcome(outcome.status, outcome.outcome[: OUTCOME_MAX - 1] + "…", outcome.result)


def define(
    *,
    name: str,
    label: str,
    needs_incident: bool,
    fields: tuple[ParamField, ...],
    validate: Callable[[Organization, dict], dict],
    describe: Callable[[Organization, dict], str],
    plan: Callable[[StepContext], StepOutcome],
    execute: Callable[[StepContext], StepOutcome],
) -> StepAction:
    """Register an action, its callables guarded the same way for every action:

    - validate first checks the params are an object with only this action's params, the required ones set;
    - describe never raises: what its params name may be gone since (“Assign a role: “x” is not …”);
    - plan and execute skip a run with no incident when the action needs one ("needs an incident");
    - plan runs in a savepoint that is always rolled back, so a dry run can never write;
    - execute runs in a savepoint: a ValidationError (a lookup that no longer holds, the lower app's refusal)
      undoes whatever the action wrote and becomes a failed outcome with the message.
    """
    from workflows.steps.common import params_check

    def guarded_validate(organization: Organization, params: dict) -> dict:
        return validate(organization, params_check(params, fields))

    def guarded_describe(organization: Organization, params: dict) -> str:
        if any(f.required and (params or {}).get(f.name) in (None, "", [], {}) for f in fields):
            return label  # not filled in yet: the editor shows what is missing next to each input
        try:
            return describe(organization, params)
        except ValidationError as exc:
            return f"{label}: {error_text(exc)}"
        except (KeyError, TypeError, AttributeError):  # params not validated (an old or hand-edited run)
            return label

    def guarded_plan(ctx: StepContext) -> StepOutcome:
        if needs_incident and ctx.incident is None:
            return skipped(NEEDS_INCIDENT)
        with transaction.atomic():
            try:
                outcome = plan(ctx)
            except ValidationError as exc:
                outcome = failed(error_text(exc))
            transaction.set_rollback(True)
        return _bounded(outcome)

    def guarded_execute(ctx: StepContext) -> StepOutcome:
        if needs_incident and ctx.incident is None:
            return skipped(NEEDS_INCIDENT)
        try:
            with transaction.atomic():
                outcome = execute(ctx)
        except ValidationError as exc:
            return failed(error_text(exc))
        return _bounded(outcome)

    action = StepAction(
        name=name,
        label=label,
        needs_incident=needs_incident,
        fields=fields,
        validate=guarded_validate,
        describe=guarded_describe,
        plan=guarded_plan,
        execute=guarded_execute,
    )
    if name in ACTIONS:
        raise RuntimeError(f"workflow step action {name!r} registered twice")
    ACTIONS[name] = action
    return action

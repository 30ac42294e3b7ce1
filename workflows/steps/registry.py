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


def register(action: StepAction) -> StepAction:
    if action.name in ACTIONS:
        raise RuntimeError(f"workflow step action {action.name!r} registered twice")
    ACTIONS[action.name] = action
    return action

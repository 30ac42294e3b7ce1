"""Shared helpers of the engine's tests: an org with its defaults, a member, test step actions registered into
workflows.steps.ACTIONS for the test only, firing events whose types may not exist yet, running due steps."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from core import events
from incidents import actions as incident_actions
from incidents.models import Incident, Severity
from orgs.models import MembershipRole, Organization
from orgs.tenancy import Actor
from tests.factories import MembershipFactory
from workflows import triggers
from workflows.actions import runs
from workflows.models import StepStatus, Workflow, WorkflowRunStep
from workflows.steps import ACTIONS, ParamField, StepAction, StepOutcome


def note_action(executed: list) -> StepAction:
    """A step that posts a note on the incident through incidents' real note_add."""

    def validate(organization: Organization, params: dict) -> dict:
        body = params.get("body")
        if not isinstance(body, str) or not body.strip():
            raise ValidationError({"body": "Write the note."})
        return {"body": body.strip()}

    def execute(ctx: Any) -> StepOutcome:
        note = incident_actions.note_add(incident=ctx.incident, body=ctx.params["body"], actor=ctx.actor)
        executed.append(("engine_note", ctx.step.pk))
        return StepOutcome("succeeded", f"Posted a note: {ctx.params['body']}", {"note": note.pk})

    return StepAction(
        name="engine_note",
        label="Post a test note",
        needs_incident=True,
        fields=(ParamField("body", "Body", "markdown"),),
        validate=validate,
        describe=lambda organization, params: f"Post “{params.get('body')}”",
        plan=lambda ctx: StepOutcome("succeeded", f"Would post: {ctx.params['body']}"),
        execute=execute,
    )


def echo_action(executed: list) -> StepAction:
    """A step that needs no incident and records that it ran."""

    def execute(ctx: Any) -> StepOutcome:
        executed.append(("engine_echo", ctx.step.pk))
        return StepOutcome("succeeded", "Echoed")

    return StepAction(
        name="engine_echo",
        label="Echo",
        needs_incident=False,
        fields=(),
        validate=lambda organization, params: {},
        describe=lambda organization, params: "Echo",
        plan=lambda ctx: StepOutcome("succeeded", "Would echo"),
        execute=execute,
    )


def fail_action() -> StepAction:
    def execute(ctx: Any) -> StepOutcome:
        incident_actions.note_add(incident=ctx.incident, body="half-done", actor=ctx.actor)
        raise ValidationError("The tracker refused it")

    return StepAction(
        name="engine_fail",
        label="Fail",
        needs_incident=True,
        fields=(),
        validate=lambda organization, params: {},
        describe=lambda organization, params: "Fail",
        plan=lambda ctx: StepOutcome("failed", "Would fail"),
        execute=execute,
    )


@pytest.fixture
def executed(monkeypatch: pytest.MonkeyPatch) -> list:
    """The test actions (engine_note, engine_echo, engine_fail) registered for this test; what ran, in order."""
    seen: list = []
    monkeypatch.setitem(ACTIONS, "engine_note", note_action(seen))
    monkeypatch.setitem(ACTIONS, "engine_echo", echo_action(seen))
    monkeypatch.setitem(ACTIONS, "engine_fail", fail_action())
    return seen


@pytest.fixture
def acme(org: Organization) -> Organization:
    """`org` with its default severities and roles (as organization.created gives a real one)."""
    incident_actions.organization_defaults_ensure(organization=org)
    return org


@pytest.fixture
def responder(acme: Organization) -> Any:
    return MembershipFactory(organization=acme, role=MembershipRole.ADMIN, user__email="ana@acme.test").user


def note_step(body: str = "Hello from a workflow", delay: int = 0, enabled: bool = True) -> dict:
    return {"action": "engine_note", "params": {"body": body}, "delay_seconds": delay, "enabled": enabled}


def make_workflow(organization: Organization, **fields: Any) -> Workflow:
    fields.setdefault("name", f"Workflow {Workflow.objects.count() + 1}")
    fields.setdefault("trigger", "incident.declared")
    fields.setdefault("actions", [note_step()])
    return Workflow.objects.create(organization=organization, **fields)


def declare(organization: Organization, user: Any, severity: str = "SEV1", **kwargs: Any) -> Incident:
    return incident_actions.incident_declare(
        organization=organization,
        actor=Actor(user=user),
        title=kwargs.pop("title", "Checkout down"),
        severity=Severity.objects.get(organization=organization, name=severity),
        **kwargs,
    )


def fire(name: str, organization: Organization, **fields: Any) -> None:
    """Publish the event `name` as its real type when the app defining it is there, else hand an object with the
    spec's fields straight to the trigger handler (the subscription exists only for defined events)."""
    kind = events.event_types().get(name)
    if kind is not None:
        known = {f.name for f in dataclasses.fields(kind)}
        defaults = {
            f.name: () if "ids" in f.name else ""
            for f in dataclasses.fields(kind)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING and f.name not in fields
        }
        defaults.pop("organization_id", None)
        values = defaults | {k: v for k, v in fields.items() if k in known}
        events.publish(kind(organization_id=organization.pk, **values))
    else:
        triggers.runs_start_for_event(SimpleNamespace(name=name, organization_id=organization.pk, actor=None, **fields))


def run_due(step: WorkflowRunStep) -> bool:
    """Run a step as its task would (current token)."""
    step.refresh_from_db()
    return runs.step_run(step_id=step.pk, token=str(step.task_token))


def run_all(run: Any, now: Any = None) -> None:
    """Run the run's steps in order as their tasks would, each at its due time."""
    for _ in range(50):
        step = run.steps.filter(status=StepStatus.PENDING).exclude(due_at=None).order_by("position").first()
        if step is None:
            return
        runs.step_run(step_id=step.pk, token=str(step.task_token), now=max(step.due_at, now or step.due_at))

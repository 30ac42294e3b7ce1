"""Writes of the workflows app, one module per topic, re-exported here: `rules` (workflow CRUD, audited), `runs`
(starting runs, running and re-driving steps, canceling), `seed` (the seeded declaration process), `dry_run`.
Callers import the package: `from workflows import actions`."""

from workflows.actions.dry_run import DryRun, workflow_dry_run
from workflows.actions.rules import workflow_create, workflow_delete, workflow_set_enabled, workflow_update
from workflows.actions.runs import run_cancel, runs_cancel, runs_start, step_run, steps_run, steps_sweep
from workflows.actions.seed import declaration_process_ensure
from workflows.validation import workflow_validate

__all__ = [
    "DryRun",
    "declaration_process_ensure",
    "run_cancel",
    "runs_cancel",
    "runs_start",
    "step_run",
    "steps_run",
    "steps_sweep",
    "workflow_create",
    "workflow_delete",
    "workflow_dry_run",
    "workflow_set_enabled",
    "workflow_update",
    "workflow_validate",
]

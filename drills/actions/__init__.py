"""Writes of the drills app, one module per topic, re-exported here: `scenarios` (create, update, delete,
approve) and `runs` (create, start, halt, finish, cancel, review, the scheduled start). Sending injects is
drills.injects; reading a scorecard is drills.scorecard."""

from drills.actions.runs import (
    drill_integration_for,
    run_cancel,
    run_create,
    run_finish,
    run_finish_if_done,
    run_halt,
    run_is_done,
    run_review,
    run_start,
    runs_due_start,
)
from drills.actions.scenarios import (
    injects_clean,
    person_of,
    responses_clean,
    scenario_approve,
    scenario_create,
    scenario_delete,
    scenario_update,
)

__all__ = [
    "drill_integration_for",
    "injects_clean",
    "person_of",
    "responses_clean",
    "run_cancel",
    "run_create",
    "run_finish",
    "run_finish_if_done",
    "run_halt",
    "run_is_done",
    "run_review",
    "run_start",
    "runs_due_start",
    "scenario_approve",
    "scenario_create",
    "scenario_delete",
    "scenario_update",
]

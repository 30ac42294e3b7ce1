"""Pages of the drills app (/o/<org>/drills/…), one module per topic, re-exported here."""

from drills.views.home import drills_home
from drills.views.runs import (
    run_cancel,
    run_create,
    run_detail,
    run_finish,
    run_halt,
    run_review,
    run_scorecard_page,
    run_start,
)
from drills.views.scenarios import (
    scenario_approve,
    scenario_create,
    scenario_delete,
    scenario_detail,
    scenario_list,
)

__all__ = [
    "drills_home",
    "run_cancel",
    "run_create",
    "run_detail",
    "run_finish",
    "run_halt",
    "run_review",
    "run_scorecard_page",
    "run_start",
    "scenario_approve",
    "scenario_create",
    "scenario_delete",
    "scenario_detail",
    "scenario_list",
]

"""Pages of the workflows app (/o/<org>/workflows/…), one module per topic, re-exported here."""

from workflows.views.rules import (
    workflow_create,
    workflow_delete,
    workflow_detail,
    workflow_dry_run,
    workflow_list,
    workflow_toggle,
    workflow_validate,
)
from workflows.views.runs import run_cancel, run_detail, run_list

__all__ = [
    "run_cancel",
    "run_detail",
    "run_list",
    "workflow_create",
    "workflow_delete",
    "workflow_detail",
    "workflow_dry_run",
    "workflow_list",
    "workflow_toggle",
    "workflow_validate",
]

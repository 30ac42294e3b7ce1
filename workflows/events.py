"""The domain events the workflows app publishes (core.events), inside the transaction of the change."""

from dataclasses import dataclass

from core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class WorkflowRunFinished(DomainEvent):
    """A run has no step left to run: `status` is completed, failed (a step failed; the others ran) or canceled."""

    name = "workflow.run_finished"
    run_id: int
    workflow_id: int | None
    workflow_name: str
    trigger: str
    incident_id: int | None
    status: str

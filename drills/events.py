"""Events the drills app publishes (DESIGN.md, "Domain events"). Lower apps and the workflows app (a peer)
subscribe by name and read only the fields named here."""

from dataclasses import dataclass

from core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class DrillStarted(DomainEvent):
    """A drill run started (by hand or on schedule): its injects are due from now. `scenario` is the scenario's
    title; `incident_id` is None (a run has no incident when it starts; workflows reads the field)."""

    name = "drill.started"
    drill_run_id: int
    scenario_id: int
    scenario: str
    incident_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class DrillHalted(DomainEvent):
    """The facilitator halted a run: its pending injects are canceled, its alert groups resolved and its open
    incidents (`incident_ids`, now closed) should run no more delayed automation."""

    name = "drill.halted"
    drill_run_id: int
    incident_ids: tuple[int, ...] = ()
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class DrillFinished(DomainEvent):
    """A run finished (every inject sent and its incidents resolved, or by hand); its scorecard is final."""

    name = "drill.finished"
    drill_run_id: int

"""The drills app's models: scenarios (what to rehearse), runs with their durable injects, the alert groups and
incidents a run produced, and the raw keys of the drill integrations the injects are sent with."""

from drills.models.runs import (
    DrillInject,
    DrillIntegrationKey,
    DrillLink,
    DrillRun,
    DrillRunObserver,
    DrillRunTeam,
    InjectStatus,
    Recurrence,
    RunStatus,
)
from drills.models.scenarios import (
    INJECT_FORMATS,
    INJECT_KINDS,
    RESPONSE_KINDS,
    Scenario,
    ScenarioService,
    ScenarioStatus,
)

__all__ = [
    "INJECT_FORMATS",
    "INJECT_KINDS",
    "RESPONSE_KINDS",
    "DrillInject",
    "DrillIntegrationKey",
    "DrillLink",
    "DrillRun",
    "DrillRunObserver",
    "DrillRunTeam",
    "InjectStatus",
    "Recurrence",
    "RunStatus",
    "Scenario",
    "ScenarioService",
    "ScenarioStatus",
]

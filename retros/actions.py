"""Writes of the retros app: retrospectives, their sections and contributing factors."""

from typing import Any

from incidents.models import Incident
from orgs.tenancy import Actor


def retrospective_on_incident_status(*, incident: Incident, before: str, actor: Actor, **_: Any) -> None:
    """INCIDENT_STATUS_HOOKS entry: open a retrospective when an incident that needs one resolves.

    Runs inside the status change's transaction (caller holds the incident's lock).
    """

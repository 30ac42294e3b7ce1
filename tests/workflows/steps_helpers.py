"""Shared setup of the step actions' tests: an org with its default severities and roles, people, and a
StepContext built by hand around a real run and step (the engine builds it the same way)."""

from __future__ import annotations

from django.utils import timezone

from incidents import actions as incident_actions
from incidents.models import Incident, IncidentRole, Severity
from oncall.models import StepTargetKind
from orgs.models import Organization, User
from orgs.tenancy import Actor
from services.models import Service
from tests.factories import (
    EscalationPolicyFactory,
    EscalationStepFactory,
    EscalationStepTargetFactory,
    IncidentFactory,
    ServiceFactory,
    WorkflowFactory,
    WorkflowRunFactory,
    WorkflowRunStepFactory,
)
from tests.oncall.policy_helpers import member, schedule
from workflows.models import Workflow
from workflows.steps import ACTIONS, StepContext


def org_ready(organization: Organization) -> Organization:
    """The org as a new org is: SEV1..SEV5 and the default roles (Incident Commander, Communications Lead …)."""
    incident_actions.organization_defaults_ensure(organization=organization)
    return organization


def person(organization: Organization, name: str) -> User:
    email = name.lower().replace(" ", ".") + f"@{organization.slug}.test"
    return member(organization, email, name).user


def role(organization: Organization, slug: str) -> IncidentRole:
    return IncidentRole.objects.get(organization=organization, slug=slug)


def severity(organization: Organization, name: str) -> Severity:
    return Severity.objects.get(organization=organization, name=name)


def incident_of(organization: Organization, *, title: str = "Checkout is down", **fields) -> Incident:
    fields.setdefault("severity", severity(organization, "SEV1"))
    return IncidentFactory(organization=organization, title=title, **fields)


def service_with_oncall(organization: Organization, name: str, users: list[User]) -> Service:
    """A service whose escalation policy's first step pages the on-call of a schedule `users` take turns on."""
    rota = schedule(organization, f"{name} primary", users)
    policy = EscalationPolicyFactory(organization=organization, name=f"{name} policy", slug=f"{name}-policy")
    step = EscalationStepFactory(policy=policy)
    EscalationStepTargetFactory(step=step, kind=StepTargetKind.SCHEDULE, schedule=rota, user=None)
    return ServiceFactory(organization=organization, name=name, escalation_policy=policy)


def context(
    organization: Organization, action: str, params: dict, *, incident: Incident | None = None, run=None
) -> StepContext:
    """A run (of `incident`, or none) with one step of `action`, its params validated as the engine stores them."""
    cleaned = ACTIONS[action].validate(organization, params)
    if run is None:
        workflow = Workflow.objects.filter(organization=organization, name="Declaration process").first()
        run = WorkflowRunFactory(
            workflow=workflow or WorkflowFactory(organization=organization, name="Declaration process"),
            incident=incident,
            subject_id=incident.pk if incident else 0,
            is_drill=bool(incident and incident.is_drill),
            event={"trigger": "incident.declared"},
        )
    step = WorkflowRunStepFactory(run=run, action=action, params=cleaned)
    return StepContext(
        organization=organization,
        run=run,
        step=step,
        incident=incident,
        actor=Actor(name=f"Workflow “{run.workflow_name}”"),
        now=timezone.now(),
    )

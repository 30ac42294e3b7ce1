"""The "Declaration process" every organization starts with (docs/workflows.md, "The seeded declaration process").

Seeded on `organization.created` (in its transaction, after incidents gave the org its severities and roles) and,
for organizations that existed before, by migration workflows/0002. Idempotent: `seed_key` marks it, so a second
call (or a renamed copy) adds nothing; an admin may edit, disable or delete it like any other workflow.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from orgs.models import Organization
from orgs.tenancy import Actor
from workflows.models import Workflow

SEED_KEY = "declaration-process"
NAME = "Declaration process"
DESCRIPTION = (
    "For major incidents: the commander is the on-call of the first affected service, who gets the commander's "
    "checklist; the first internal update goes out and the Communications Lead is paged. Publishing to the status "
    "page is off until you configure it."
)
FIRST_UPDATE = (
    "{{ incident.reference }} declared ({{ incident.severity }}): {{ incident.title }}. "
    "Commander: {{ commander }}. Next update in 30 minutes."
)


def definition() -> dict[str, Any]:
    """The seeded workflow's fields (a fresh copy)."""
    return {
        "name": NAME,
        "description": DESCRIPTION,
        "trigger": "incident.declared",
        "condition_mode": "all",
        "conditions": [{"field": "severity_major", "operator": "is", "value": True}],
        "actions": [
            {
                "action": "assign_role",
                "params": {"role": "incident-commander", "to": {"kind": "service_oncall"}},
                "delay_seconds": 0,
                "enabled": True,
            },
            {
                "action": "add_tasks",
                "params": {
                    "from_role": "incident-commander",
                    "assignee": {"kind": "role", "role": "incident-commander"},
                },
                "delay_seconds": 0,
                "enabled": True,
            },
            {
                "action": "post_status_update",
                "params": {"message": FIRST_UPDATE, "visibility": "internal"},
                "delay_seconds": 0,
                "enabled": True,
            },
            {
                "action": "page",
                "params": {
                    "target": {"kind": "role", "role": "communications-lead"},
                    "message": "You are needed as Communications Lead on {{ incident.reference }}",
                },
                "delay_seconds": 0,
                "enabled": True,
            },
            {
                "action": "publish_status_page",
                "params": {
                    "status_page": "default",
                    "message": "We are investigating an issue: {{ incident.title }}",
                },
                "delay_seconds": 0,
                "enabled": False,
            },
        ],
        "is_enabled": True,
        "run_in_drills": False,
    }


@transaction.atomic
def declaration_process_ensure(*, organization: Organization, actor: Actor | None = None) -> Workflow | None:
    """Give the organization its seeded "Declaration process" unless it has it; returns it when created now."""
    if Workflow.objects.for_org(organization).filter(seed_key=SEED_KEY).exists():
        return None
    fields = definition()
    if Workflow.objects.for_org(organization).filter(name__iexact=fields["name"]).exists():
        return None  # the org already has a workflow of that name: theirs wins
    # Like the org's default severities and roles, the seeded workflow is part of the new org, not a change
    # someone made: it is not audited (its seed_key says where it came from). Edits to it are audited.
    return Workflow.objects.create(organization=organization, seed_key=SEED_KEY, **fields)


def organization_seed(event: Any) -> None:
    """organization.created (in its transaction): the new org gets the declaration process."""
    organization = Organization.objects.get(pk=event.organization_id)
    actor = event.actor if isinstance(event.actor, Actor) else Actor.system()
    declaration_process_ensure(organization=organization, actor=actor)
